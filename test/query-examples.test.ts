import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleInput } from '../src/columns.js';
import { pgliteStartParams } from '../src/store/client/pglite.js';
import { RingStore } from '../src/store/ring/ring.js';
import { PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';

/** The spec's "Query Examples", exactly as the spec prints them. */
function specQueries(): { title: string; sql: string }[] {
  const spec = readFileSync(new URL('../docs/spec.md', import.meta.url), 'utf8');
  const section = spec.slice(spec.indexOf('## Query Examples'), spec.indexOf('## API Reference'));
  return [...section.matchAll(/### (.+)\n+```sql\n([\s\S]*?)```/g)].map((m) => ({
    title: m[1]!,
    sql: m[2]!,
  }));
}

const now = Math.floor(Date.now() / 1000);
const node = (name: string, ago: number, cpu: number): SampleInput => ({
  sample_time: now - ago,
  node_flag: true,
  master_flag: name === 'server-01',
  node_name: name,
  cpu_total_pct: cpu,
  mem_available_mb: 1000 + ago,
  temperature_c: 50,
  interval_seconds: 1,
});
const container = (ago: number, rss: number): SampleInput => ({
  sample_time: now - ago,
  node_flag: false,
  node_name: 'server-01',
  container_name: 'web-server',
  cpu_total_pct: 5,
  c_rss_mb: rss,
  net_rx_mb_s: 1,
  net_tx_mb_s: 0.5,
  interval_seconds: 1,
});
// Two nodes and a container over the last 8 hours: rows inside and outside the 1 h and 6 h windows.
const ROWS = [
  node('server-01', 7 * 3600, 90),
  node('server-01', 2 * 3600, 30),
  node('server-01', 60, 10),
  node('server-02', 30, 20),
  container(120, 300),
  container(10, 310),
];

type Run = (sql: string) => Promise<Record<string, unknown>[]>;

function checks(run: () => Run) {
  const queries = specQueries();

  it('finds the four examples in the spec', () => {
    expect(queries.map((q) => q.title)).toEqual([
      'Recent System Metrics',
      'Container Performance',
      'System Overview',
      'Time Range Analysis',
    ]);
  });

  it('Recent System Metrics: the last hour of node rows, newest first', async () => {
    const rows = await run()(queries[0]!.sql);
    expect(rows.map((r) => Number(r.sample_time))).toEqual([now - 30, now - 60]);
  });

  it('Container Performance: the web-server rows with memory and network', async () => {
    const rows = await run()(queries[1]!.sql);
    expect(rows.map((r) => [Number(r.memory_mb), Number(r.network_mb_s)])).toEqual([
      [310, 1.5],
      [300, 1.5],
    ]);
  });

  it('System Overview: the newest row of every node and container', async () => {
    const rows = await run()(queries[2]!.sql);
    expect(rows.map((r) => [r.node_name, r.container_name, Number(r.memory_mb)])).toEqual([
      ['server-01', 'web-server', 310],
      ['server-01', null, 1060],
      ['server-02', null, 1030],
    ]);
  });

  it('Time Range Analysis: average and peak CPU per node over 6 hours', async () => {
    const rows = await run()(`${queries[3]!.sql.trim().replace(/;$/, '')} ORDER BY node_name`);
    expect(rows.map((r) => [r.node_name, Number(r.avg_cpu), Number(r.max_cpu), Number(r.samples)])).toEqual([
      ['server-01', 20, 30, 2],
      ['server-02', 20, 20, 1],
    ]);
  });
}

describe("the spec's query examples run unchanged on the ring: PGlite", () => {
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite({ startParams: pgliteStartParams({}) });
    const store = await RingStore.open({ db, capacity: 100 });
    await store.write(ROWS);
    await store.close();
  });
  afterAll(() => db.close());
  checks(() => async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
});

describe.skipIf(pgUnavailable !== null && !CI)(
  "the spec's query examples run unchanged on the ring: PostgreSQL",
  () => {
    // The examples name the default table; a schema of its own keeps this test away from any real ring.
    const schema = `ringmon_examples_${process.pid}`;
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    beforeAll(async () => {
      if (pgUnavailable !== null)
        throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
      const store = await RingStore.open({ db: client, capacity: 100 });
      await store.write(ROWS);
      await store.close();
    });
    afterAll(async () => {
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    });
    checks(() => async (sql) => (await client.query(sql)).rows);
  },
);
