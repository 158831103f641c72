/**
 * Roles that do not own the ring, on the real server: each job (an agent that is not the master, a
 * reader, a cleanup) runs with exactly the grants README's "Roles and grants" prints, and a role
 * that lacks one gets one line naming the grant it needs. Before, it got `permission denied for
 * table …_ring_meta` and nothing else.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantStatements, type RingJob, ringNames } from '../src/store/ring/schema.js';
import { runCli } from './cli-helpers.js';
import { dropRing, PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';

describe.skipIf(pgUnavailable !== null && !CI)('roles that do not own the ring', () => {
  const table = `ringmon_roles_${process.pid}`;
  const names = ringNames(table);
  const role = (job: string) => `ringmon_${job}_${process.pid}`;
  const roles = ['writer', 'reader', 'cleaner', 'nogrant'].map(role);
  const admin = new pg.Client(PG_URL);
  const urlAs = (user: string) => {
    const url = new URL(PG_URL);
    url.username = user;
    return url.toString();
  };
  const as = (user: string, args: string[]) =>
    runCli([...args, '--database-url', urlAs(user), '--table', table], { DATABASE_URL: '' });

  beforeAll(async () => {
    if (pgUnavailable !== null) return;
    await admin.connect();
    // The owner creates the ring, as a master would.
    expect(
      runCli(['run', '--database-url', PG_URL, '--table', table, '--master', '--samples', '1']).status,
    ).toBe(0);
    for (const r of roles) await admin.query(`DROP ROLE IF EXISTS ${r}; CREATE ROLE ${r} LOGIN`);
    const grants: [RingJob, string][] = [
      ['write', role('writer')],
      ['read', role('reader')],
      ['cleanup', role('cleaner')],
    ];
    for (const [job, r] of grants)
      for (const statement of grantStatements(names, job, r)) await admin.query(statement);
  });
  afterAll(async () => {
    if (pgUnavailable !== null) return;
    await dropRing(admin, names.table);
    for (const r of roles) await admin.query(`DROP OWNED BY ${r}; DROP ROLE ${r}`);
    await admin.end();
  });

  it('README prints the grants the tests use', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const defaults = ringNames('monitor_samples_ring');
    for (const [job, r] of [
      ['write', 'ringmon_agent'],
      ['read', 'ringmon_reader'],
      ['cleanup', 'ringmon_cleaner'],
    ] as const) {
      for (const statement of grantStatements(defaults, job, r)) expect(readme).toContain(statement);
    }
  });

  it('each job works with exactly its grants', () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    const agent = as(role('writer'), [
      'run',
      '--samples',
      '3',
      '--interval',
      '0.5',
      '--node-name',
      'granted',
    ]);
    expect(agent.stderr).not.toMatch(/ERROR|WARN/);
    expect(agent.status).toBe(0);
    for (const command of [['status'], ['recent'], ['status', '--json']]) {
      const read = as(role('reader'), command);
      expect(read.stderr).toBe('');
      expect(read.status).toBe(0);
    }
    expect(as(role('reader'), ['recent']).stdout).toContain('granted');
    const cleanup = as(role('cleaner'), ['cleanup', '--keep-hours', '1']);
    expect(cleanup.stderr).toBe('');
    expect(cleanup.status).toBe(0);
  }, 60_000);

  it('a missing grant is one line naming it; what only the owner may do says so', () => {
    const none = as(role('nogrant'), ['status']);
    expect(none.status).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain(
      `permission denied for table ${names.meta} [42501]; the role needs GRANT SELECT ON ${names.meta}`,
    );
    // A reader that tries to write: the agent buffers, and its stop names the grant.
    const writer = as(role('reader'), ['run', '--samples', '1', '--log-level', 'fatal']);
    expect(writer.status).toBe(4);
    expect(writer.stderr).toContain(`the role needs GRANT SELECT, INSERT, UPDATE ON ${table}`);
    const resize = as(role('writer'), ['resize', '50']);
    expect(resize.status).toBe(1);
    expect(resize.stderr).toMatch(/only the ring's owner may do this: run it as the role that created/);
  }, 60_000);
});
