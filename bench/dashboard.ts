/**
 * `npm run bench -- dashboard`: every query the dashboard runs, on full 1,000,000-row rings on the
 * local PostgreSQL server. Target: each answers in ≤ 50 ms.
 *
 * Two rings, each filled server-side in one INSERT … SELECT generate_series (test/web/fleet.ts),
 * then VACUUM ANALYZE (the ring's own maintenance analyzes once per lap):
 * - fleet: 20 nodes with 9 containers each, one row per node and container per second for 5,000 s
 *   (83 min): the overview reads 200 pairs; a node's 1 h window holds 3,600 host rows;
 * - long: 4 nodes with 1 container each for 125,000 s (35 h): a node's 24 h window holds 86,400
 *   host rows, which a chart shows as each step's maxima, visiting all of them; its `all` window
 *   (125,000 rows, beyond PEAK_MAX_ROWS) one row per step (sampled);
 * - wide: 1,000 nodes × 10 containers (11,000 pairs), 90 rows each (990,000 rows), every 50th node
 *   stopped 10 min before the others (220 pairs the overview must probe): the overview's query
 *   server-side (EXPLAIN ANALYZE, JIT off as latest() runs it; target ≤ 50 ms) against the
 *   README's DISTINCT ON query (the baseline), latest() as the client sees it, and /api/nodes and
 *   /metrics over HTTP (target ≤ 200 ms), each request in a second of its own, so that no answer
 *   comes from the read the dashboard shares within a second.
 * Each query runs WARMUP times, then RUNS times; the table shows the median and the slowest, what
 * it returned, and the indexes EXPLAIN names for the query's last statement. The rings are dropped.
 *
 * RINGMON_BENCH_DASHBOARD_RINGS (default fleet,long,wide) picks the rings.
 * Server: RINGMON_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test.
 * Last line: {"bench":"dashboard","overview_ms":N,"node_window_ms":N,"pairs":11000,
 * "overview_server_ms":N,"overview_target_ms":50,"overview_baseline_ms":N,"latest_ms":N,
 * "api_nodes_ms":N,"metrics_ms":N,"metrics_target_ms":200} (overview_ms and node_window_ms: the fleet
 * ring's latest() and the node page's default 1 h window; the rest: the wide ring).
 */
import { performance } from 'node:perf_hooks';
import { textTable } from '../src/format/text.js';
import { openSqlClient, type SqlClient } from '../src/store/client/sql-client.js';
import { RingStore } from '../src/store/ring/ring.js';
import { ringNames } from '../src/store/ring/schema.js';
import { latestSql } from '../src/store/ring/sql.js';
import { CONTAINER_CHARTS, chartColumns, NODE_CHARTS } from '../src/web/charts.js';
import { MAX_CHART_POINTS, renderMetrics, startDashboard, type WindowResult } from '../src/web/index.js';
import { fillFleet, type Series } from '../test/web/fleet.js';

const URL = process.env.RINGMON_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const ROWS = 1_000_000;
const WARMUP = 3;
const RUNS = 25;
const TARGET_MS = 50;
const METRICS_TARGET_MS = 200;
/** RINGMON_BENCH_DASHBOARD_RINGS=wide (comma-separated) measures only those rings. */
const ONLY = (process.env.RINGMON_BENCH_DASHBOARD_RINGS ?? 'fleet,long,wide').split(',');
const WIDE = { nodes: 1000, containers: 10, rows: 90, quietEvery: 50 };
const NODE_FIELDS = chartColumns(NODE_CHARTS);
const CONTAINER_FIELDS = chartColumns(CONTAINER_CHARTS);

interface Measured {
  ring: string;
  name: string;
  /** This row's own target when it is not TARGET_MS. */
  target?: number;
  median: number;
  max: number;
  returned: string;
  indexes: string;
}

interface Ring {
  name: string;
  store: RingStore;
  /** A connection of the bench's own, which the store also writes and reads through. */
  db: SqlClient;
  end: number;
  /** Indexes in the plan of the reader's last statement. */
  explainLast(): Promise<string>;
}

function fleet(nodes: number, containers: number, seconds: number, end: number): Series[] {
  const series: Series[] = [];
  for (let n = 0; n < nodes; n++) {
    const node = `node-${String(n).padStart(2, '0')}`;
    series.push({ node, end, rows: seconds, master: n === 0 });
    for (let c = 1; c <= containers; c++)
      series.push({ node, container: `container-${c}`, end, rows: seconds });
  }
  return series;
}

/** Wraps the client so that the reader's last statement can be EXPLAINed with its parameters. */
function capturing(db: SqlClient): {
  client: SqlClient;
  last: () => { text: string; params: readonly unknown[] };
} {
  let last = { text: '', params: [] as readonly unknown[] };
  // A delegate, not Object.create(db): the clients keep their state in #private fields, which a
  // method called on another object cannot read.
  const client: SqlClient = {
    backend: db.backend,
    target: db.target,
    concurrent: db.concurrent,
    query: (text, params, options) => {
      last = { text, params: params ?? [] };
      return db.query(text, params, options);
    },
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  return { client, last: () => last };
}

async function planIndexes(
  db: SqlClient,
  table: string,
  text: string,
  params: readonly unknown[],
): Promise<string> {
  const res = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params);
  const plan = res.rows.map((r) => r['QUERY PLAN']).join('\n');
  const used = [
    ...plan.matchAll(/(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)/g),
  ].map((m) => m[1]?.replace(`${table}_`, ''));
  const seq = plan.includes(`Seq Scan on ${table} `) ? ['SEQ SCAN'] : [];
  return [...new Set([...used, ...seq])].join(', ') || '-';
}

async function openRing(name: string, series: Series[]): Promise<Ring & { fillSeconds: number }> {
  const t0 = performance.now();
  const table = `bench_dashboard_${name}_${process.pid}`;
  // The store runs its statements through a client that remembers the last one, to EXPLAIN it.
  const db = await openSqlClient(URL);
  const { client, last } = capturing(db);
  const store = await RingStore.open({ db: client, tableName: table, capacity: ROWS, vacuumEvery: false });
  const ring = {
    name,
    store,
    db,
    end: Math.max(...series.map((s) => s.end)),
    explainLast: () => planIndexes(db, table, last().text, last().params),
  };
  try {
    const filled = await fillFleet(
      async (text, params) => (await db.query(text, params)).rows,
      store,
      series,
    );
    const expected = series.reduce((n, s) => n + s.rows, 0);
    if (filled !== expected) throw new Error(`filled ${filled} rows, expected ${expected}`);
    await db.query(`VACUUM (ANALYZE) "${table}"`);
  } catch (err) {
    await dropRing(ring);
    throw err;
  }
  return { ...ring, fillSeconds: (performance.now() - t0) / 1000 };
}

async function dropRing(ring: Pick<Ring, 'store' | 'db'>): Promise<void> {
  const names = ringNames(ring.store.table);
  await ring.db
    .query(`DROP TABLE IF EXISTS "${names.table}", "${names.meta}", "${names.pairs}"`)
    .catch(() => undefined);
  await ring.store.close();
}

async function measure(
  ring: Ring,
  name: string,
  fn: () => Promise<string>,
  explain: () => Promise<string> = () => ring.explainLast(),
): Promise<Measured> {
  let returned = '';
  for (let i = 0; i < WARMUP; i++) returned = await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    returned = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  return {
    ring: ring.name,
    name,
    median,
    max: times.at(-1) ?? Number.NaN,
    returned,
    indexes: await explain(),
  };
}

const described = (r: WindowResult) => `${r.rows.length} ${r.mode}${r.step === null ? '' : `/${r.step}s`}`;

async function chartWindows(
  ring: Ring,
  node: string,
  windows: readonly [string, number][],
): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const [label, seconds] of windows) {
    const query = { node, fields: NODE_FIELDS, since: seconds > 0 ? ring.end - seconds + 1 : undefined };
    out.push(
      await measure(ring, `node window ${label}`, async () =>
        described(await ring.store.chart(query, MAX_CHART_POINTS)),
      ),
    );
  }
  return out;
}

async function fleetQueries(ring: Ring): Promise<Measured[]> {
  const { store, db, end } = ring;
  const node = 'node-07';
  const pairs = async () => {
    const res = await db.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM "${ringNames(store.table).pairs}"`,
    );
    return `(see docs/ring.md; ${res.rows[0]?.n} pairs)`;
  };
  return [
    await measure(
      ring,
      'overview: latest() (/api/nodes)',
      async () => `${(await store.latest()).length} rows`,
      pairs,
    ),
    await measure(
      ring,
      '/metrics: latest() + exposition text',
      async () => `${renderMetrics(await store.latest()).length} bytes`,
      pairs,
    ),
    ...(await chartWindows(ring, node, [
      ['15 min', 900],
      ['1 h', 3_600],
      ['all', 0],
    ])),
    await measure(ring, 'container window 1 h', async () =>
      described(
        await store.chart(
          { node, container: 'container-3', since: end - 3_599, fields: CONTAINER_FIELDS },
          MAX_CHART_POINTS,
        ),
      ),
    ),
    await measure(ring, 'live refresh: node rows since the last one', async () =>
      described(await store.chart({ node, since: end - 2, fields: NODE_FIELDS }, MAX_CHART_POINTS)),
    ),
    await measure(
      ring,
      '/api/samples?node=N&limit=1000',
      async () => `${(await store.windowRows({ node }, 1_000)).length} rows`,
    ),
    await measure(
      ring,
      '/api/samples?node=N&container=C&limit=1000',
      async () => `${(await store.windowRows({ node, container: 'container-5' }, 1_000)).length} rows`,
    ),
    await measure(
      ring,
      '/api/samples?container=C&limit=1000',
      async () => `${(await store.windowRows({ container: 'container-5' }, 1_000)).length} rows`,
    ),
    await measure(
      ring,
      '/api/samples?limit=1000',
      async () => `${(await store.windowRows({}, 1_000)).length} rows`,
    ),
    await measure(
      ring,
      '/api/samples?node=N&step=60&limit=60',
      async () => `${(await store.windowAverages({ node, fields: NODE_FIELDS }, 60, 60)).length} rows`,
    ),
  ];
}

function wideFleet(end: number): Series[] {
  const series: Series[] = [];
  for (let n = 0; n < WIDE.nodes; n++) {
    const node = `node-${String(n).padStart(4, '0')}`;
    const last = n % WIDE.quietEvery === 7 ? end - 600 : end;
    series.push({ node, end: last, rows: WIDE.rows, master: n === 0 });
    for (let c = 1; c <= WIDE.containers; c++)
      series.push({ node, container: `container-${c}`, end: last, rows: WIDE.rows });
  }
  return series;
}

/** Median and slowest of `fn`'s own figure (a server-side time), RUNS times after WARMUP. */
async function measureFigure(
  ring: Ring,
  name: string,
  fn: () => Promise<{ ms: number; returned: string }>,
  indexes: string,
  target?: number,
): Promise<Measured> {
  let returned = '';
  for (let i = 0; i < WARMUP; i++) ({ returned } = await fn());
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await fn();
    times.push(r.ms);
    returned = r.returned;
  }
  times.sort((a, b) => a - b);
  return {
    ring: ring.name,
    name,
    target,
    median: times[Math.floor(times.length / 2)] ?? Number.NaN,
    max: times.at(-1) ?? Number.NaN,
    returned,
    indexes,
  };
}

/** EXPLAIN ANALYZE's execution time of a statement, JIT off for it as latest() runs it. */
async function serverMs(db: SqlClient, text: string, params: readonly unknown[]): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL jit = off');
    const res = await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
    const raw = res.rows[0]?.['QUERY PLAN'];
    const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { 'Execution Time': number }[];
    return doc[0]?.['Execution Time'] ?? Number.NaN;
  });
}

async function wideQueries(ring: Ring): Promise<Measured[]> {
  const { store, db, end } = ring;
  const names = ringNames(store.table);
  const until = [end + 60];
  const overview = latestSql(names);
  // The README's query for the latest row of every pair: it sorts the whole table.
  const baseline = `SELECT DISTINCT ON (node_name, container_name) * FROM "${names.table}"
    WHERE sample_time <= $1::bigint ORDER BY node_name, container_name, sample_time DESC`;
  const pairs = `${WIDE.nodes * (WIDE.containers + 1)} pairs`;
  const out: Measured[] = [
    await measureFigure(
      ring,
      'overview query, server-side (EXPLAIN ANALYZE)',
      async () => ({ ms: await serverMs(db, overview, until), returned: pairs }),
      await planIndexes(db, names.table, overview, until),
    ),
    await measureFigure(
      ring,
      'baseline: DISTINCT ON over the ring, server-side',
      async () => ({ ms: await serverMs(db, baseline, until), returned: pairs }),
      await planIndexes(db, names.table, baseline, until),
    ),
    await measure(ring, 'overview: latest() as the client sees it', async () => {
      const rows = await store.latest({ nowMs: end * 1000 });
      return `${rows.length} rows`;
    }),
  ];
  // Each request a second later than the one before: none is answered from the shared read.
  let second = end;
  const dashboard = await startDashboard({ store, port: 0, now: () => ++second * 1000 });
  try {
    const get = async (path: string) => {
      const res = await fetch(`${dashboard.url}${path}`);
      const body = await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return `${(body.byteLength / 1e6).toFixed(1)} MB`;
    };
    out.push(
      await measure(
        ring,
        'GET /api/nodes over HTTP (every column of 11,000 rows)',
        () => get('api/nodes'),
        async () => '-',
      ),
    );
    out.push({
      ...(await measure(
        ring,
        'GET /metrics over HTTP',
        () => get('metrics'),
        async () => '-',
      )),
      target: METRICS_TARGET_MS,
    });
  } finally {
    await dashboard.close();
  }
  return out;
}

export async function run(): Promise<void> {
  const end = Math.floor(Date.now() / 1000);
  const results: Measured[] = [];
  const fills: string[] = [];
  for (const [name, series] of [
    ['fleet', fleet(20, 9, 5_000, end)],
    ['long', fleet(4, 1, 125_000, end)],
    ['wide', wideFleet(end)],
  ] as const) {
    if (!ONLY.includes(name)) continue;
    const ring = await openRing(name, series);
    fills.push(`${name} ${ring.fillSeconds.toFixed(0)} s`);
    try {
      if (name === 'fleet') results.push(...(await fleetQueries(ring)));
      else if (name === 'wide') results.push(...(await wideQueries(ring)));
      else
        results.push(
          ...(await chartWindows(ring, 'node-02', [
            ['1 h', 3_600],
            ['6 h', 6 * 3_600],
            ['24 h', 24 * 3_600],
            ['all', 0],
          ])),
        );
    } finally {
      await dropRing(ring);
    }
  }

  console.log(
    `dashboard: 1,000,000-row rings (wide: 990,000) on ${URL.replace(/:[^:@/]*@/, ':***@')} (filled in ${fills.join(', ')}); median and slowest of ${RUNS} runs`,
  );
  const ms = (n: number) => n.toFixed(2);
  console.log(
    textTable(
      [
        [
          'ring',
          'query',
          'median_ms',
          'max_ms',
          'target_ms',
          'returned',
          'indexes (EXPLAIN, last statement)',
        ],
        ...results.map((r) => [
          r.ring,
          r.name,
          ms(r.median),
          ms(r.max),
          `${r.target ?? TARGET_MS} ${r.median <= (r.target ?? TARGET_MS) ? 'yes' : 'NO'}`,
          r.returned,
          r.indexes,
        ]),
      ],
      [false, false, true, true, false, false, false],
    ),
  );
  const find = (ring: string, name: string) =>
    results.find((r) => r.ring === ring && r.name === name)?.median ?? Number.NaN;
  const round2 = (n: number) => Math.round(n * 100) / 100;
  const ratio =
    find('wide', 'baseline: DISTINCT ON over the ring, server-side') /
    find('wide', 'overview query, server-side (EXPLAIN ANALYZE)');
  console.log(`overview query at 11,000 pairs: ${ratio.toFixed(1)}× faster than the DISTINCT ON baseline`);
  console.log(
    JSON.stringify({
      bench: 'dashboard',
      overview_ms: round2(find('fleet', 'overview: latest() (/api/nodes)')),
      node_window_ms: round2(find('fleet', 'node window 1 h')),
      pairs: WIDE.nodes * (WIDE.containers + 1),
      overview_server_ms: round2(find('wide', 'overview query, server-side (EXPLAIN ANALYZE)')),
      overview_target_ms: TARGET_MS,
      overview_baseline_ms: round2(find('wide', 'baseline: DISTINCT ON over the ring, server-side')),
      overview_vs_baseline: round2(ratio),
      latest_ms: round2(find('wide', 'overview: latest() as the client sees it')),
      api_nodes_ms: round2(find('wide', 'GET /api/nodes over HTTP (every column of 11,000 rows)')),
      metrics_ms: round2(find('wide', 'GET /metrics over HTTP')),
      metrics_target_ms: METRICS_TARGET_MS,
    }),
  );
}
