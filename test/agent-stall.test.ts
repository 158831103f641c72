/**
 * An agent stopped and continued (SIGSTOP, SIGCONT: a debugger, a frozen container, a suspended
 * VM), again and again, waking at a different point of the second each time. Before, the tick
 * taken on waking and the next one could fall in the same wall-clock second and give two host rows
 * the same sample_time; now every host row of the node has a second of its own. On the real server.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { startCli } from './cli-helpers.js';
import { dropRing, PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(pgUnavailable !== null && !CI)('an agent stopped and continued', () => {
  const table = `ringmon_stall_${process.pid}`;
  const names = ringNames(table);
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    await dropRing(admin, names.table);
    await admin.end();
  });

  it('never writes two host rows of one node with the same sample_time', async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await admin.connect();
    const agent = startCli(['run', '--database-url', PG_URL, '--table', table, '--interval', '1'], {
      DATABASE_URL: '',
    });
    for (let i = 0; i < 100 && !agent.stderr().includes('agent started'); i++) await sleep(100);
    await sleep(1500);
    // Stops of 1.1 … 2.5 s: the wake-up lands at a different point of the second each time.
    for (const stopMs of [1100, 1300, 1500, 1700, 1900, 2100, 2300, 2500]) {
      agent.child.kill('SIGSTOP');
      await sleep(stopMs);
      agent.child.kill('SIGCONT');
      await sleep(1200);
    }
    agent.child.kill('SIGINT');
    expect((await agent.done).code).toBe(0);
    const { rows } = await admin.query<{ n: string; seconds: string; span: string }>(
      `SELECT count(*) AS n, count(DISTINCT sample_time) AS seconds, max(sample_time) - min(sample_time) AS span
         FROM ${names.table} WHERE node_flag`,
    );
    const { n, seconds, span } = rows[0]!;
    expect(Number(n)).toBeGreaterThan(10);
    expect(Number(seconds)).toBe(Number(n));
    expect(Number(span)).toBeGreaterThanOrEqual(Number(n) - 1);
  }, 90_000);
});
