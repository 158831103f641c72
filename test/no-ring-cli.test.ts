/**
 * Only the agent creates rings. A read or maintenance command naming a table that does not exist
 * used to create one (three tables) and print `(no samples)`, exit 0; now it says which rings the
 * database has, exits 1, and creates nothing. On the real server and on the embedded store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const dir = mkdtempSync(join(tmpdir(), 'ringmon-noring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const COMMANDS = [
  ['status'],
  ['recent'],
  ['cleanup', '--keep-hours', '1'],
  ['resize', '50'],
  ['serve', '--port', '0'],
];
const table = `nosuch_${process.pid}`;

function expectNoRing(args: string[], database: RegExp): void {
  const result = runCli(args, { DATABASE_URL: '', PGHOST: '' });
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(
    new RegExp(
      `^ringmon: no ring table "${table}" in database ${database.source} \\(rings here: .*monitor_samples_ring.*\\); check --table, or start an agent \\(ringmon run\\), which creates it\\n$`,
    ),
  );
  expect(result.status).toBe(1);
}

describe.skipIf(pgUnavailable !== null && !CI)(
  'a command naming a ring that does not exist [postgres]',
  () => {
    it('says so, names the rings there, exits 1 and creates nothing', async () => {
      if (pgUnavailable !== null)
        throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
      // The default ring exists: an agent made it.
      expect(runCli(['run', '--database-url', PG_URL, '--samples', '1'], { DATABASE_URL: '' }).status).toBe(
        0,
      );
      for (const command of COMMANDS)
        expectNoRing([...command, '--database-url', PG_URL, '--table', table], /test/);
      const admin = new pg.Client(PG_URL);
      await admin.connect();
      try {
        const left = await admin.query(`SELECT relname FROM pg_class WHERE relname LIKE $1`, [`${table}%`]);
        expect(left.rows).toEqual([]);
      } finally {
        await admin.end();
      }
    }, 120_000);
  },
);

describe('a command naming a ring that does not exist [embedded]', () => {
  it('says so too, on the embedded store', () => {
    const dataDir = join(dir, 'd');
    expect(
      runCli(['run', '--data-dir', dataDir, '--samples', '1'], { DATABASE_URL: '', PGHOST: '' }).status,
    ).toBe(0);
    for (const command of [['status'], ['recent']])
      expectNoRing([...command, '--data-dir', dataDir, '--table', table], /postgres/);
  }, 120_000);
});
