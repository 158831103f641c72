import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLog, normalizeLogLevel } from './log.js';

describe('createLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringmon-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines to the file with every secret and URL password masked', async () => {
    const file = join(dir, 'agent.log');
    const log = createLog({ file, secrets: ['hunter2'], terminal: new PassThrough() });
    log.warn({ err: 'password authentication failed for user "bob" (hunter2)' }, 'write failed');
    log.info({ url: 'postgresql://bob:hunter2@db:5432/m' }, 'connecting to postgres://alice:pa%40ss@h/db');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('pa%40ss');
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'write failed',
      err: 'password authentication failed for user "bob" (***)',
    });
    expect(lines[1].url).toBe('postgresql://bob:***@db:5432/m');
    expect(lines[1].msg).toBe('connecting to postgres://alice:***@h/db');
  });

  it('writes readable lines to a terminal', async () => {
    const terminal = new PassThrough();
    let out = '';
    terminal.on('data', (chunk) => {
      out += chunk;
    });
    createLog({ terminal, secrets: ['hunter2'] }).info({ rows: 3 }, 'wrote hunter2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(out).toMatch(/INFO: wrote \*\*\*/);
    expect(out).toMatch(/rows: 3/);
  });

  it('with a log file, still writes readable lines to the terminal a person started it in', async () => {
    const file = join(dir, 'both.log');
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    let out = '';
    terminal.on('data', (chunk) => {
      out += chunk;
    });
    const log = createLog({ file, terminal });
    log.info('agent started');
    log.error('database refused the samples; stopping');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out).toMatch(/agent started/);
    expect(out).toMatch(/database refused the samples/);
    expect(readFileSync(file, 'utf8')).toMatch(/"msg":"agent started"/);
    // Not a terminal (a service's journal, a pipe): the file only.
    const piped = new PassThrough();
    let pipedOut = '';
    piped.on('data', (chunk) => {
      pipedOut += chunk;
    });
    createLog({ file: join(dir, 'piped.log'), terminal: piped }).info('agent started');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pipedOut).toBe('');
  });

  it('respects the level', async () => {
    const file = join(dir, 'level.log');
    const log = createLog({ file, level: 'warn', terminal: new PassThrough() });
    log.info('hidden');
    log.error('shown');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readFileSync(file, 'utf8')).not.toContain('hidden');
    expect(readFileSync(file, 'utf8')).toContain('shown');
  });

  it('fails with one line when the log file cannot be written', () => {
    expect(() => createLog({ file: join(dir, 'no', 'such', 'dir.log') })).toThrow(
      /cannot write log file .*ENOENT/,
    );
  });
});

describe('normalizeLogLevel', () => {
  it.each([
    ['INFO', 'info'],
    ['WARNING', 'warn'],
    ['critical', 'fatal'],
    ['debug', 'debug'],
    ['loud', null],
  ])('%s → %s', (level, expected) => expect(normalizeLogLevel(level)).toBe(expected));
});
