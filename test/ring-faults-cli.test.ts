/**
 * The ring's own bookkeeping sabotaged under a running agent, on the real server: its metadata row
 * deleted, then its table dropped. Before, the first stopped every write (buffered until the stop,
 * then lost) and every command; the second was buffered forever. Now the agent mends the ring,
 * logs each once as a warning, and stops with every sample stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { logLines, runCli, startCli, until } from './cli-helpers.js';
import { dropRing, PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const dir = mkdtempSync(join(tmpdir(), 'ringmon-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(pgUnavailable !== null && !CI)('the ring mended under a running agent', () => {
  const table = `ringmon_faults_cli_${process.pid}`;
  const names = ringNames(table);
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    await dropRing(admin, names.table);
    await admin.end();
  });
  const rows = async () =>
    Number((await admin.query(`SELECT count(*) AS n FROM ${names.table}`)).rows[0].n as string);

  it('a deleted metadata row and a dropped table: the agent recreates each, warns once each, loses nothing after', async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await admin.connect();
    const log = join(dir, 'agent.log');
    const db = ['--database-url', PG_URL, '--table', table];
    const agent = startCli(
      ['run', ...db, '--capacity', '500', '--master', '--interval', '0.5', '--log-file', log],
      {
        DATABASE_URL: '',
      },
    );
    await until('rows', async () => (await rows()) >= 3 || undefined, 30_000);
    await admin.query(`DELETE FROM ${names.meta}`);
    const before = await rows();
    await until(
      'rows after the metadata row was deleted',
      async () => (await rows()) >= before + 3 || undefined,
      30_000,
    );
    // Every command works again, with the ring's capacity (the slot range is smaller: the one asked).
    const status = runCli(['status', ...db, '--json'], { DATABASE_URL: '' });
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).capacity).toBe(500);

    await admin.query(`DROP TABLE ${names.table}`);
    await until('the table made again, with rows', async () => (await rows()) >= 3 || undefined, 30_000);
    agent.child.kill('SIGINT');
    const { code } = await agent.done;
    expect(code).toBe(0);
    const lines = logLines(log);
    const warnings = lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`metadata row in ${names.meta} was missing: recreated it from ${table} with capacity 500`),
      ),
      expect.stringMatching(
        new RegExp(
          `ring table ${table} was dropped while this store wrote to it: created it again \\(capacity 500\\)`,
        ),
      ),
    ]);
    const stopped = lines.find((l) => l.msg === 'agent stopped') as unknown as {
      rowsUnwritten: number;
      rowsWritten: number;
    };
    expect(stopped.rowsUnwritten).toBe(0);
    // No outage was logged: the writes that met the damage were mended inside the same write.
    expect(lines.some((l) => /buffering/.test(l.msg))).toBe(false);
  }, 60_000);
});
