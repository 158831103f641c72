import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { pgUnavailable } from './store/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'ringmon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CI = process.env.CI === 'true';

/** One line on stderr, the given exit code, nothing on stdout, no stack trace, no secret. */
function expectOneLine(args: string[], code: number, message: RegExp) {
  const result = runCli(args, {
    POSTGRES_PASSWORD: '',
    PGPASSWORD: '',
    DATABASE_URL: '',
    PGHOST: '',
    PGDATABASE: '',
  });
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('hunter2');
  expect(result.status).toBe(code);
}

describe('ringmon run: usage errors exit 2 before anything is opened', () => {
  it.each([
    [
      ['--capacity', '0'],
      /^ringmon: --capacity 0: must be a whole number of rows from 1 to 2,147,483,647 \(the rows the ring holds/,
    ],
    [['--capacity', '-5'], /^ringmon: --capacity -5: must be a whole number of rows/],
    [['--capacity', '1.5'], /^ringmon: --capacity 1\.5: must be a whole number of rows/],
    [['--capacity', '3000000000'], /^ringmon: --capacity 3000000000: .* to 2,147,483,647/],
    [['--interval', '0'], /^ringmon: --interval 0: must be a number of seconds above 0/],
    [['--interval', '-2'], /^ringmon: --interval -2: must be a number of seconds/],
    [['--samples', '-1'], /^ringmon: --samples -1: must be a whole number of samples 0 or more/],
    [['--port', '70000'], /^ringmon: --port 70000: must be a TCP port number from 1 to 65,535/],
    [['--port', '0'], /^ringmon: --port 0: must be a TCP port number/],
    [['--table', 'x; DROP TABLE y'], /^ringmon: --table 'x; DROP TABLE y': must be a plain identifier/],
    [['--table', 'Upper'], /^ringmon: --table Upper: must be a plain identifier/],
    [['--database-url', 'not a url hunter2'], /the database URL does not parse/],
    [['--database-url', 'mysql://u:hunter2@h/d'], /must start with postgresql:\/\//],
    [['--log-level', 'loud'], /--log-level loud: use one of/],
    [['--config', join(dir, 'missing.yaml')], /cannot read config file .*missing\.yaml: no such file/],
    [['--config', dir], /cannot read config file .*EISDIR/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--interval'], /^ringmon: --interval needs a value: --interval <seconds>$/m],
    [
      ['--buffer-rows', '0'],
      /^ringmon: --buffer-rows 0: must be a whole number of rows from 1 to 10,000,000/,
    ],
    [['--capactiy', '5'], /^ringmon: unknown option '--capactiy' \(did you mean --capacity\?\)$/m],
    [['--node-name', 'n'.repeat(256)], /the node name is 256 characters long; at most 255 \(--node-name/],
    [
      ['--database-url', 'postgresql://u:hunter2%zz@127.0.0.1/d'],
      /the database URL does not parse: its password has a malformed percent-escape/,
    ],
  ])('%j', (args, message) => expectOneLine(['run', ...args], 2, message));

  it.each([
    [['cleanup', '--keep-hours', '1e300'], /^ringmon: --keep-hours 1e300: .*at most 8,760,000/],
    [['cleanup', '--keep-hours', 'Infinity'], /^ringmon: --keep-hours Infinity: must be a number of hours/],
    [['cleanup'], /^ringmon: --keep-hours <hours> is required$/m],
    [['resize'], /^ringmon: the <capacity> argument is required$/m],
    [['resize', '0'], /^ringmon: capacity 0: must be a whole number of rows from 1 to 2,147,483,647/],
    [['recent', '--limit', '0'], /^ringmon: --limit 0: must be a whole number of rows from 1 to 1,000,000/],
    [
      ['status', '--database-url', 'postgresql://u%zz@127.0.0.1/d'],
      /its user name has a malformed percent-escape/,
    ],
  ])('%j', (args, message) => expectOneLine(args, 2, message));

  it.each([
    ['invalid YAML', 'monitoring:\n  containers: [a,\n', /bad\.yaml:\d+: invalid YAML/],
    ['an unknown key', 'monitoring:\n  capacty: 5\n', /bad\.yaml:2: monitoring\.capacty: unknown key/],
    [
      'a wrong type',
      'monitoring:\n  master: "yes"\n',
      /bad\.yaml:2: monitoring\.master: must be true or false/,
    ],
    ['a bad value', 'database:\n  port: 0\n', /bad\.yaml:2: database\.port: must be 1 to 65535/],
  ])('a config file with %s names file, line and key', (_, text, message) => {
    expectOneLine(['run', '--config', config('bad.yaml', text)], 2, message);
  });

  it('treats a bare `ringmon` with flags as `ringmon run`', () => {
    expectOneLine(['--capacity', '0'], 2, /^ringmon: --capacity 0: must be/);
  });

  it('prints the help for a bare `ringmon` with no arguments at all, and starts no agent', () => {
    const result = runCli([], { DATABASE_URL: '', PGHOST: '' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: ringmon \[options\] \[command\]/);
    expect(result.stdout).toMatch(/\n\s+run \[options\]/);
    expect(result.stderr).toBe('');
  });

  it('names an unknown command as such, with the list', () => {
    expectOneLine(
      ['bogus'],
      2,
      /^ringmon: unknown command 'bogus' \(commands: run, sample, recent, status, resize, cleanup, containers, serve; ringmon --help\)$/m,
    );
  });
});

describe.skipIf(pgUnavailable !== null && !CI)(
  'ringmon run: runtime failures exit 1 with one line and no secret',
  () => {
    it('an unreachable server, for a command that reads', () => {
      expectOneLine(
        ['status', '--database-url', 'postgresql://postgres:hunter2@127.0.0.1:1/test'],
        1,
        /cannot connect to PostgreSQL at 127\.0\.0\.1:1 as user postgres \(database test\): connection refused/,
      );
    });

    it('an unreachable server, for the agent: an outage it samples through; stopping with rows unwritten exits 4 and says how many', () => {
      const result = runCli(
        [
          'run',
          '--database-url',
          'postgresql://postgres:hunter2@127.0.0.1:1/test',
          '--samples',
          '2',
          '--interval',
          '0.2',
        ],
        { POSTGRES_PASSWORD: '', PGPASSWORD: '', DATABASE_URL: '' },
      );
      expect(result.status).toBe(4);
      expect(result.stderr).toMatch(
        /WARN: database not reachable yet; sampling into the buffer until it answers/,
      );
      expect(result.stderr).toMatch(/connection refused/);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        'ringmon: stopped with 2 sampled row(s) the database never took (0 dropped when the buffer was full, 2 still buffered at the stop); the database: cannot connect to PostgreSQL at 127.0.0.1:1 as user postgres (database test): connection refused (is the server running and listening on that port?)',
      );
      expect(result.stderr).not.toContain('hunter2');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }, 30_000);

    it('a refused login', () => {
      expectOneLine(
        [
          'run',
          '--host',
          '127.0.0.1',
          '--user',
          'no_such_role',
          '--password',
          'hunter2',
          '--database',
          'test',
          '--samples',
          '1',
        ],
        1,
        /PostgreSQL at 127\.0\.0\.1:5432 refused login for user no_such_role \(database test\): role "no_such_role" does not exist/,
      );
    });

    it('a missing database', () => {
      expectOneLine(
        ['run', '--host', '127.0.0.1', '--user', 'postgres', '--database', 'no_such_db', '--samples', '1'],
        1,
        /refused login for user postgres \(database no_such_db\): database "no_such_db" does not exist/,
      );
    });
  },
);

describe('help and version', () => {
  it('prints help for every command with exit 0', () => {
    for (const command of ['run', 'sample', 'recent', 'status', 'resize', 'cleanup', 'containers', 'serve']) {
      const result = runCli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`Usage: ringmon ${command}`));
    }
  });

  it('shows each default and marks what is required (help text wraps, so spaces are matched loosely)', () => {
    const help = (command: string) => runCli([command, '--help']).stdout.replace(/\s+/g, ' ');
    const run = help('run');
    expect(run).toContain('--capacity <rows> rows the ring holds (default 10,000)');
    expect(run).toContain('--interval <seconds> seconds between samples, node and containers (default 1;');
    expect(run).toContain('(default 10,000)'); // --buffer-rows
    expect(run).toContain('--table <name> ring table name (default monitor_samples_ring)');
    expect(run).toContain("(default 'off': one pool)"); // --node-share
    expect(help('sample')).toContain('--interval <seconds> seconds between the two snapshots (default: 1)');
    expect(help('recent')).toContain('--limit <n> at most this many rows (default: 20)');
    expect(help('cleanup')).toContain('--keep-hours <hours> required:');
    expect(help('resize')).toContain('capacity required: rows the ring holds from now on');
  });

  it('prints the version', () => {
    const result = runCli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe.skipIf(process.getuid?.() !== 0)(
  'a data directory on a read-only filesystem (as root: a real read-only mount)',
  () => {
    it('is one line naming the cause and the fix, exit 2, for a command and for the agent', async () => {
      const { execFileSync, spawnSync } = await import('node:child_process');
      const { mkdirSync } = await import('node:fs');
      const mount = join(dir, 'ro');
      mkdirSync(mount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount]);
      try {
        const message =
          /cannot use the data directory .*ro\/d: EROFS: read-only file system.*; choose a --data-dir \(database\.data_dir\) on a filesystem this user may write/;
        expectOneLine(['status', '--data-dir', join(mount, 'd')], 2, message);
        expectOneLine(['run', '--data-dir', join(mount, 'd'), '--samples', '1'], 2, message);
      } finally {
        spawnSync('umount', [mount]);
      }
    });
  },
);
