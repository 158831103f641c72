/**
 * `npm run bench -- ring-reads`: reads on a full 1,000,000-row ring, and the ring's size over time.
 *
 * Reads: a synthetic fleet of 100 nodes × 10 containers (one host row and ten container rows per
 * node per second) fills the ring; after VACUUM ANALYZE and a warm-up, every read the store offers
 * is timed twice: server-side with EXPLAIN ANALYZE (execution and planning time, median of 15) and
 * end to end from Node, rows parsed (median of 31). The store runs every statement unnamed, so each
 * call pays its planning time; latest() and state()'s part of it are then run on a pg.Client of
 * their own, unnamed and as named prepared statements (the store's old way), alternating call by
 * call, median of 31 each. The spec's DISTINCT ON overview query runs for comparison. Targets,
 * measured with EXPLAIN ANALYZE: recent rows of one node or one container ≤ 5 ms; the
 * newest row of every node and container ≤ 20 ms.
 *
 * Size: capacity 10,000 written 50× over in 11-row batches from two connections, total relation
 * size (table, indexes, TOAST) after every 5 laps; target: after 50× ≤ 1.2 × after 10×. Then the
 * same ring without the store's own vacuum for 10 laps, to show what the vacuum prevents.
 *
 * Server: RINGMON_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test.
 * Last line: {"bench":"ring-reads","recent_ms":N,"overview_ms":N,"overview_plan_ms":N,"latest_node_ms":N,
 * "latest_unnamed_ms":N,"latest_prepared_ms":N,"latest_times_unnamed_ms":N,"latest_times_prepared_ms":N,
 * "state_ms":N}
 */
import pg from 'pg';
import type { SampleInput } from '../src/columns.js';
import { CLOCK_AHEAD_TOLERANCE_SECONDS } from '../src/defaults.js';
import { TYPES } from '../src/store/client/postgres.js';
import { RingStore } from '../src/store/ring/ring.js';
import { createTableSql, quoteIdent, ringNames } from '../src/store/ring/schema.js';
import { latestSql, recentSql, type Statement, sampleRowFromValues } from '../src/store/ring/sql.js';
import { fillSql, nodeName } from '../test/store/synthetic.js';

const URL = process.env.RINGMON_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const ROWS = 1_000_000;
const FLEET = { rows: ROWS, nodes: 100, containers: 10 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (n: number) => n.toFixed(2).padStart(9);

async function dropRing(admin: pg.Client, table: string): Promise<void> {
  const n = ringNames(table);
  await admin.query(`DROP TABLE IF EXISTS ${[n.table, n.meta, n.pairs].map(quoteIdent).join(', ')}`);
  // The write function outlives its table (it names the table only in its body).
  await admin.query(`DROP FUNCTION IF EXISTS ${quoteIdent(n.writeFunction)}(jsonb)`);
}

/** latest()'s one parameter: samples stamped later than this are a writer's clock running ahead. */
const saneUntil = () => Math.floor(Date.now() / 1000) + CLOCK_AHEAD_TOLERANCE_SECONDS;

/** Execution and planning time, medians: every statement of the store is unnamed, so planned per call. */
async function serverMs(
  admin: pg.Client,
  s: Statement,
  times: number,
): Promise<{ ms: number; planMs: number; plan: string }> {
  const runs: number[] = [];
  const planning: number[] = [];
  let plan = '';
  for (let i = 0; i < times; i++) {
    const res = await admin.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql}`, s.params);
    const doc = res.rows[0]['QUERY PLAN'][0] as {
      'Execution Time': number;
      'Planning Time': number;
      Plan: { 'Node Type': string };
    };
    runs.push(doc['Execution Time']);
    planning.push(doc['Planning Time']);
    plan = doc.Plan['Node Type'];
  }
  return { ms: median(runs), planMs: median(planning), plan };
}

/**
 * latest() and state()'s part of it on a pg.Client of their own, unnamed (as the store now runs
 * them) and as NAMED prepared statements (the store's old way), rows parsed as the store parses
 * them; the two alternate call by call (which goes first alternates too), median of `times` each.
 */
async function namedVsUnnamed(
  client: pg.Client,
  label: string,
  sql: string,
  arrays: boolean,
  times: number,
): Promise<{ unnamed: number; prepared: number; rows: number }> {
  const call = async (prepared: boolean) => {
    const res = await client.query({
      text: sql,
      values: [saneUntil()],
      types: TYPES,
      ...(arrays ? { rowMode: 'array' as const } : {}),
      ...(prepared ? { name: `bench_${label}` } : {}),
    });
    return arrays ? res.rows.map((v) => sampleRowFromValues(v as unknown[])) : res.rows;
  };
  for (let i = 0; i < 3; i++) for (const prepared of [false, true]) await call(prepared);
  const runs = { unnamed: [] as number[], prepared: [] as number[] };
  let rows = 0;
  for (let i = 0; i < times; i++) {
    for (const prepared of i % 2 === 0 ? [false, true] : [true, false]) {
      const t0 = performance.now();
      rows = (await call(prepared)).length;
      runs[prepared ? 'prepared' : 'unnamed'].push(performance.now() - t0);
    }
  }
  return { unnamed: median(runs.unnamed), prepared: median(runs.prepared), rows };
}

interface ReadFigures {
  recent: number;
  overview: number;
  overviewPlan: number;
  latestNode: number;
  latestUnnamed: number;
  latestPrepared: number;
  latestTimesUnnamed: number;
  latestTimesPrepared: number;
  state: number;
}

async function clientMs(fn: () => Promise<unknown[]>, times: number): Promise<{ ms: number; rows: number }> {
  const runs: number[] = [];
  let rows = 0;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    rows = (await fn()).length;
    runs.push(performance.now() - t0);
  }
  return { ms: median(runs), rows };
}

async function reads(admin: pg.Client): Promise<ReadFigures> {
  const table = 'bench_reads_ring';
  await dropRing(admin, table);
  const t0 = performance.now();
  await admin.query(createTableSql(ringNames(table), { unlogged: false }));
  for (const sql of fillSql(table, FLEET)) await admin.query(sql);
  // The store adopts the filled table: creates its indexes and metadata, lists the 1,100 pairs.
  const store = await RingStore.open({ db: URL, tableName: table, capacity: ROWS });
  await store.vacuum({ analyze: true });
  const size = (await store.state()).totalBytes;
  console.log(
    `1,000,000-row ring (100 nodes × 10 containers) filled in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(size / 2 ** 20).toFixed(0)} MiB with indexes`,
  );
  const names = ringNames(table);
  const node = nodeName(42);
  const cases: { label: string; s: Statement; call: () => Promise<unknown[]>; recent: boolean }[] = [
    {
      label: `recent 100, one node (${node})`,
      s: recentSql(names, 100, node),
      call: () => store.recent({ node }),
      recent: true,
    },
    {
      label: 'recent 100, one container on one node',
      s: recentSql(names, 100, node, 'container-3'),
      call: () => store.recent({ node, container: 'container-3' }),
      recent: true,
    },
    {
      label: 'recent 100, one container name, all nodes',
      s: recentSql(names, 100, undefined, 'container-3'),
      call: () => store.recent({ container: 'container-3' }),
      recent: true,
    },
    {
      label: 'recent 100, whole ring',
      s: recentSql(names, 100),
      call: () => store.recent(),
      recent: false,
    },
    {
      label: 'newest row of every node and container (latest)',
      s: { sql: latestSql(names), params: [saneUntil()] },
      call: () => store.latest(),
      recent: false,
    },
  ];
  for (const c of cases) for (let i = 0; i < 3; i++) await c.call();
  console.log(
    '\n query                                              server ms   plan ms   Node ms   rows  top plan node',
  );
  let recent = 0;
  let overview = Number.NaN;
  let overviewPlan = Number.NaN;
  let latestNode = Number.NaN;
  for (const c of cases) {
    const server = await serverMs(admin, c.s, 15);
    const client = await clientMs(c.call, 31);
    console.log(
      ` ${c.label.padEnd(50)} ${ms(server.ms)} ${ms(server.planMs)} ${ms(client.ms)} ${String(client.rows).padStart(6)}  ${server.plan}`,
    );
    if (c.recent) recent = Math.max(recent, server.ms);
    if (c.label.startsWith('newest')) {
      overview = server.ms;
      overviewPlan = server.planMs;
      latestNode = client.ms;
    }
  }
  // state() adds exact counts and sizes to the newest sample of every pair (what `ringmon status` shows).
  const state = await clientMs(async () => (await store.state()).latest, 15);
  console.log(
    ` ${"state(): counts, sizes and every pair's newest sample".padEnd(50)} ${'-'.padStart(9)} ${'-'.padStart(9)} ${ms(state.ms)} ${String(state.rows).padStart(6)}`,
  );
  // What unnamed costs these two against the store's old named statements, like with like.
  const own = new pg.Client(URL);
  await own.connect();
  let full: Awaited<ReturnType<typeof namedVsUnnamed>>;
  let times: Awaited<ReturnType<typeof namedVsUnnamed>>;
  try {
    full = await namedVsUnnamed(own, 'latest', latestSql(names), true, 31);
    times = await namedVsUnnamed(own, 'latest_times', latestSql(names, true), false, 31);
  } finally {
    await own.end();
  }
  console.log(
    '\n on a pg.Client of its own, alternating (Node ms)        unnamed  prepared  unnamed/prepared   rows',
  );
  for (const [label, r] of [
    ['latest()', full],
    ["state()'s newest sample per pair", times],
  ] as const) {
    console.log(
      ` ${label.padEnd(50)} ${ms(r.unnamed)} ${ms(r.prepared)} ${(r.unnamed / r.prepared).toFixed(2).padStart(17)} ${String(r.rows).padStart(6)}`,
    );
  }
  // The spec's overview: a full scan and a sort of the whole ring.
  const spec = await serverMs(
    admin,
    {
      sql: `SELECT DISTINCT ON (node_name, container_name) node_name, container_name, cpu_total_pct,
                   CASE WHEN node_flag THEN mem_available_mb ELSE c_rss_mb END AS memory_mb, temperature_c
              FROM ${quoteIdent(table)} WHERE sample_time IS NOT NULL
             ORDER BY node_name, container_name, sample_time DESC`,
      params: [],
    },
    3,
  );
  console.log(` ${"the spec's DISTINCT ON overview (for comparison)".padEnd(50)} ${ms(spec.ms)}`);
  await store.close();
  await dropRing(admin, table);
  return {
    recent,
    overview,
    overviewPlan,
    latestNode,
    latestUnnamed: full.unnamed,
    latestPrepared: full.prepared,
    latestTimesUnnamed: times.unnamed,
    latestTimesPrepared: times.prepared,
    state: state.ms,
  };
}

function tick(node: string, t: number): SampleInput[] {
  return Array.from({ length: 11 }, (_, c) => ({
    sample_time: 1_900_000_000 + t,
    node_flag: c === 0,
    node_name: node,
    container_name: c === 0 ? null : `container-${c}`,
    cpu_total_pct: (t * 7 + c) % 100,
    mem_total_mb: 16_000,
    c_rss_mb: c === 0 ? null : (t + c) % 500,
    net_rx_mb_s: (t % 13) / 3,
    source: 'bench',
    interval_seconds: 1,
  }));
}

async function sizes(admin: pg.Client): Promise<void> {
  const capacity = 10_000;
  const bytes = async (table: string) => {
    const r = await admin.query('SELECT pg_total_relation_size($1::regclass)::bigint AS b', [table]);
    return Number(r.rows[0].b);
  };
  const run = async (table: string, laps: number, every: number, vacuumEvery?: false) => {
    await dropRing(admin, table);
    const extra = vacuumEvery === undefined ? {} : { vacuumEvery };
    const writers = [
      await RingStore.open({ db: URL, tableName: table, capacity, ...extra }),
      await RingStore.open({ db: URL, tableName: table, capacity, ...extra }),
    ];
    const points: { laps: number; mib: number; seconds: number }[] = [];
    const t0 = performance.now();
    let written = 0;
    let t = 0;
    for (let lap = every; lap <= laps; lap += every) {
      while (written < lap * capacity) {
        await Promise.all(writers.map((w, i) => w.write(tick(`node-${i}`, t))));
        written += 22;
        t += 1;
      }
      await Promise.all(writers.map((w) => w.settle()));
      points.push({
        laps: lap,
        mib: (await bytes(table)) / 2 ** 20,
        seconds: (performance.now() - t0) / 1000,
      });
    }
    for (const w of writers) await w.close();
    await dropRing(admin, table);
    return points;
  };
  console.log('\ncapacity 10,000, 11-row batches from two connections: total relation size');
  const kept = await run('bench_size_ring', 50, 5);
  console.log(' laps   MiB    s (with the store’s vacuum, every 2,500 writes)');
  for (const p of kept)
    console.log(
      ` ${String(p.laps).padStart(4)}  ${p.mib.toFixed(1).padStart(5)}  ${p.seconds.toFixed(0).padStart(4)}`,
    );
  const at10 = kept.find((p) => p.laps === 10)!.mib;
  const at50 = kept.find((p) => p.laps === 50)!.mib;
  console.log(` after 50× / after 10× = ${(at50 / at10).toFixed(3)} (target ≤ 1.2)`);
  const bare = await run('bench_size_bare', 10, 1, false);
  console.log(' without the store’s vacuum (autovacuum as the server has it):');
  console.log(` ${bare.map((p) => `${p.laps}×: ${p.mib.toFixed(1)} MiB`).join(', ')}`);
}

export async function run(): Promise<void> {
  const admin = new pg.Client(URL);
  await admin.connect();
  try {
    const av = await admin.query("SELECT current_setting('autovacuum') AS a, version() AS v");
    console.log(`${av.rows[0].v.split(' on ')[0]}, autovacuum ${av.rows[0].a}`);
    const r = await reads(admin);
    await sizes(admin);
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(
      JSON.stringify({
        bench: 'ring-reads',
        recent_ms: round(r.recent),
        overview_ms: round(r.overview),
        overview_plan_ms: round(r.overviewPlan),
        latest_node_ms: round(r.latestNode),
        latest_unnamed_ms: round(r.latestUnnamed),
        latest_prepared_ms: round(r.latestPrepared),
        latest_times_unnamed_ms: round(r.latestTimesUnnamed),
        latest_times_prepared_ms: round(r.latestTimesPrepared),
        state_ms: round(r.state),
      }),
    );
  } finally {
    await admin.end();
  }
}
