/**
 * `npm run bench -- ring`: ring writes against plain appends of the same rows, on the local
 * PostgreSQL, and the embedded PGlite store's rows/s and memory.
 *
 * Server cells: batches of 1 and 11 rows, 1 and 8 connections, capacity 10,000 and 1,000,000. Both
 * tables have the ring's DDL and indexes and start full (capacity rows), so every ring write is an
 * overwrite. Six kinds of write per cell:
 *   ring              RingStore.write, whatever the store does, through its own pool: what ships
 *                     (when this kind was added, unnamed statements, parsed and planned on every
 *                     execution);
 *   ring_shared       RingStore.write into a ring of the same capacity shared out per node
 *                     (nodeShare = capacity ÷ 110: the fill's 100 nodes hold a share each, every
 *                     writer takes one of the 10 free ones; its first capacity ÷ 110 rows fill an
 *                     empty share, the rest overwrite): what a share costs over the pool;
 *   ring_raw_unnamed  the ring's exact write statement (writeSql(names, sequence, rows, false), the
 *                     parameters as RingStore#writeChunk builds them), unnamed, on a pg.Client per
 *                     writer: the naming alone, without the store's validation, bookkeeping and pool;
 *   ring_prepared     the same, as a NAMED prepared statement: the store's old way (the baseline);
 *   append_unnamed    a plain multi-row INSERT … VALUES of the same rows, unnamed, without ring logic;
 *   append_prepared   the same append, named prepared.
 * The raw ring kinds run the store's maintenance as the store would (a VACUUM every capacity ÷ 4
 * ids, in the background, on the writer's store); they never register pairs, which the store does
 * once per pair and lap. Other work on a shared machine makes single runs noisy, so each cell runs
 * the six kinds in turn ROUNDS times (WARMUP_S, then MEASURE_S counted; each round starts one kind
 * further on) and reports the median of each. Target: ring ≥ 0.9 × append in every cell.
 *
 * PGlite runs in child processes, so that each configuration's memory is measured alone: a new
 * data directory, writes at full speed, RSS sampled while 33,000 rows go by (3.3 laps of a
 * 10,000-row ring), then a reopen. The children run under tsx, which adds about 30 MiB to RSS
 * over plain node (measured: 71 vs 39 MiB at start); the table prints that baseline too.
 *
 * Server: RINGMON_BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test.
 * Last line: {"bench":"ring","cells":[{"batch":11,"conns":8,"capacity":1000000,"ring_rows_s":N,"append_rows_s":N,
 * "ring_prepared_rows_s":N,"ring_raw_unnamed_rows_s":N,"append_unnamed_rows_s":N,"append_prepared_rows_s":N,
 * "ring_vs_ring_prepared":R,"ring_vs_append_unnamed":R},…]}; append_rows_s is the prepared append,
 * as before.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type { SampleInput } from '../src/columns.js';
import { TYPES } from '../src/store/client/postgres.js';
import type { PgliteTuning } from '../src/store/client/sql-client.js';
import { toRowValues } from '../src/store/ring/input-values.js';
import { RingStore } from '../src/store/ring/ring.js';
import {
  createIndexSql,
  createTableSql,
  INPUT_COLUMNS,
  quoteIdent,
  ringNames,
} from '../src/store/ring/schema.js';
import { writeSql } from '../src/store/ring/sql.js';
import { agentTick, fillSql } from '../test/store/synthetic.js';

const URL = process.env.RINGMON_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const WARMUP_S = 0.5;
const MEASURE_S = 2;
const ROUNDS = 3;
const CAPACITIES = [10_000, 1_000_000];
const CONNS = [1, 8];
const BATCHES = [1, 11];

interface Cell {
  batch: number;
  conns: number;
  capacity: number;
  /** RingStore.write, through the store's pool: what ships. */
  ring_rows_s: number;
  /** The append, named prepared: what this field meant before the store went unnamed. */
  append_rows_s: number;
  /** The ring's statement, named prepared, on a pg.Client per writer: the store's old way. */
  ring_prepared_rows_s: number;
  /** The same statement and client, unnamed: the naming alone, without the store's own path. */
  ring_raw_unnamed_rows_s: number;
  append_unnamed_rows_s: number;
  append_prepared_rows_s: number;
  ring_vs_ring_prepared: number;
  ring_vs_append_unnamed: number;
  /** RingStore.write into the ring shared out per node. */
  ring_shared_rows_s: number;
  ring_shared_vs_ring: number;
}

/** An agent's tick: one host row and ten container rows with every metric filled. */
function tickRows(writer: number, t: number): SampleInput[] {
  return agentTick(`bench-node-${writer}`, t, 1_800_000_000 + t);
}

/** Rows for the k-th write of `batch` rows by `writer`. */
function batchRows(writer: number, k: number, batch: number): SampleInput[] {
  if (batch === 11) return tickRows(writer, k);
  return [tickRows(writer, Math.floor(k / 11))[k % 11]!];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Runs `conns` loops of `write` for WARMUP_S + MEASURE_S; returns rows per second measured. */
async function drive(
  conns: number,
  batch: number,
  write: (conn: number, rows: SampleInput[]) => Promise<unknown>,
): Promise<number> {
  let counting = false;
  let stop = false;
  let rows = 0;
  const loops = Array.from({ length: conns }, async (_, w) => {
    let k = 0;
    while (!stop) {
      await write(w, batchRows(w, k++, batch));
      if (counting) rows += batch;
    }
  });
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  const counted = rows;
  stop = true;
  await Promise.all(loops);
  return Math.round(counted / seconds);
}

function valuesSql(table: string, batch: number): string {
  const cols = ['slot', ...INPUT_COLUMNS.map((c) => c.name)].map(quoteIdent);
  const width = cols.length;
  const tuples = Array.from(
    { length: batch },
    (_, r) => `(${cols.map((_, c) => `$${r * width + c + 1}`).join(', ')})`,
  );
  return `INSERT INTO ${quoteIdent(table)} (${cols.join(', ')}) VALUES ${tuples.join(', ')}`;
}

async function dropRing(admin: pg.Client, table: string): Promise<void> {
  const n = ringNames(table);
  await admin.query(
    `DROP TABLE IF EXISTS ${[n.table, n.meta, n.pairs, n.shares].map(quoteIdent).join(', ')}`,
  );
  // The write function outlives its table (it names the table only in its body).
  await admin.query(`DROP FUNCTION IF EXISTS ${quoteIdent(n.writeFunction)}(jsonb)`);
}

/** A full ring of `capacity` rows, made the fast way: fill a bare table, then let the store adopt it. */
async function fullRing(admin: pg.Client, table: string, capacity: number): Promise<RingStore> {
  await dropRing(admin, table);
  await admin.query(createTableSql(ringNames(table), { unlogged: false }));
  for (const sql of fillSql(table, { rows: capacity, nodes: 100, containers: 10 })) await admin.query(sql);
  const store = await RingStore.open({ db: URL, tableName: table, capacity });
  await store.vacuum({ analyze: true });
  return store;
}

/** The same DDL, indexes and rows, without the ring. */
async function appendTable(admin: pg.Client, table: string, capacity: number): Promise<void> {
  const names = ringNames(table);
  await admin.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  await admin.query(createTableSql(names, { unlogged: false }));
  for (const sql of fillSql(table, { rows: capacity, nodes: 100, containers: 10 })) await admin.query(sql);
  for (const index of names.indexes) await admin.query(createIndexSql(names, index));
  await admin.query(`VACUUM ANALYZE ${quoteIdent(table)}`);
}

/**
 * The store's maintenance for writes that bypass it (the raw ring kinds): when a batch's ids cross
 * a multiple of vacuumEvery (capacity ÷ 4, at least 200), VACUUM in the background on that writer's
 * store, with ANALYZE and a refresh of the pairs on the first lap and every tenth, one at a time per
 * writer, as RingStore's #maybeMaintain does. Without it those rounds would skip the vacuums (and
 * the plan invalidations they cause) that the store's rounds pay for.
 */
function maintainer(store: RingStore, capacity: number) {
  const every = Math.max(200, Math.ceil(capacity / 4));
  let running: Promise<void> | undefined;
  return {
    after(ids: readonly { id: number }[]): void {
      if (running !== undefined || ids.length === 0) return;
      let first = Number.POSITIVE_INFINITY;
      let last = 0;
      for (const { id } of ids) {
        if (id < first) first = id;
        if (id > last) last = id;
      }
      if (Math.floor(last / every) === Math.floor((first - 1) / every)) return;
      const lap = Math.floor(last / capacity);
      const slow = lap !== Math.floor((first - 1) / capacity) && lap % 10 === 1;
      running = (async () => {
        await store.vacuum({ analyze: slow });
        if (slow) await store.refreshPairs();
      })()
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
        });
    },
    settle: async () => {
      await running;
    },
  };
}

/** The write kinds of a cell, in the order of round 0; each round starts one kind further on. */
const KINDS = [
  'append_unnamed',
  'append_prepared',
  'ring',
  'ring_raw_unnamed',
  'ring_prepared',
  'ring_shared',
] as const;
type Kind = (typeof KINDS)[number];

async function connectAll(conns: number): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: conns }, async () => {
      const c = new pg.Client(URL);
      await c.connect();
      return c;
    }),
  );
}

async function serverCells(): Promise<Cell[]> {
  const admin = new pg.Client(URL);
  await admin.connect();
  const cells: Cell[] = [];
  try {
    for (const capacity of CAPACITIES) {
      const ringTable = `bench_ring_${capacity}`;
      const appendName = `bench_append_${capacity}`;
      const t0 = performance.now();
      const main = await fullRing(admin, ringTable, capacity);
      const sharedTable = `bench_ring_shared_${capacity}`;
      const sharedMain = await fullRing(admin, sharedTable, capacity);
      await sharedMain.setCapacity(capacity, { nodeShare: Math.floor(capacity / 110) });
      await sharedMain.vacuum({ analyze: true });
      await appendTable(admin, appendName, capacity);
      const names = ringNames(ringTable);
      const seq = await admin.query<{ seq: string }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
        quoteIdent(names.table),
        'id',
      ]);
      const sequence = seq.rows[0]!.seq;
      console.log(
        `capacity ${capacity}: both tables filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      // Appended rows need slots no full table holds.
      let nextSlot = 2_000_000_000;
      for (const conns of CONNS) {
        const stores = [main];
        while (stores.length < conns) stores.push(await RingStore.open({ db: URL, tableName: ringTable }));
        const sharedStores = [sharedMain];
        while (sharedStores.length < conns)
          sharedStores.push(await RingStore.open({ db: URL, tableName: sharedTable }));
        // The raw kinds' own connections: one for the appends, one for the ring, per writer.
        const appendClients = await connectAll(conns);
        const ringClients = await connectAll(conns);
        const maintainers = stores.map((s) => maintainer(s, capacity));
        for (const batch of BATCHES) {
          const values = valuesSql(appendName, batch);
          // The ring's statement as RingStore builds it for a batch whose pairs are registered.
          const ringSql = writeSql(names, sequence, batch, false, true);
          const appendWrite = (prepared: boolean) => (w: number, rows: SampleInput[]) => {
            const params: unknown[] = [];
            for (const v of toRowValues(rows, true)) params.push(nextSlot++, ...v);
            return appendClients[w]!.query({
              text: values,
              values: params,
              ...(prepared ? { name: `append_${capacity}_${batch}` } : {}),
            });
          };
          const ringWrite = (prepared: boolean) => async (w: number, rows: SampleInput[]) => {
            // As RingStore's #writeChunk: the values of every row in one flat list, by a loop.
            const params: unknown[] = [];
            for (const row of toRowValues(rows, true)) for (const value of row) params.push(value);
            const res = await ringClients[w]!.query<{ id: number }>({
              text: ringSql,
              values: params,
              types: TYPES,
              ...(prepared ? { name: `ring_${capacity}_${batch}` } : {}),
            });
            maintainers[w]!.after(res.rows);
          };
          const writers: Record<Kind, (w: number, rows: SampleInput[]) => Promise<unknown>> = {
            append_unnamed: appendWrite(false),
            append_prepared: appendWrite(true),
            ring: (w, rows) => stores[w]!.write(rows),
            ring_raw_unnamed: ringWrite(false),
            ring_prepared: ringWrite(true),
            ring_shared: (w, rows) => sharedStores[w]!.write(rows),
          };
          const runs: Record<Kind, number[]> = {
            append_unnamed: [],
            append_prepared: [],
            ring: [],
            ring_raw_unnamed: [],
            ring_prepared: [],
            ring_shared: [],
          };
          for (let round = 0; round < ROUNDS; round++) {
            for (let i = 0; i < KINDS.length; i++) {
              const kind = KINDS[(round + i) % KINDS.length]!;
              runs[kind].push(await drive(conns, batch, writers[kind]));
              await Promise.all([
                ...stores.map((s) => s.settle()),
                ...sharedStores.map((s) => s.settle()),
                ...maintainers.map((m) => m.settle()),
              ]);
            }
          }
          const m = (kind: Kind) => median(runs[kind]);
          const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
          const cell: Cell = {
            batch,
            conns,
            capacity,
            ring_rows_s: m('ring'),
            append_rows_s: m('append_prepared'),
            ring_prepared_rows_s: m('ring_prepared'),
            ring_raw_unnamed_rows_s: m('ring_raw_unnamed'),
            append_unnamed_rows_s: m('append_unnamed'),
            append_prepared_rows_s: m('append_prepared'),
            ring_vs_ring_prepared: ratio(m('ring'), m('ring_prepared')),
            ring_vs_append_unnamed: ratio(m('ring'), m('append_unnamed')),
            ring_shared_rows_s: m('ring_shared'),
            ring_shared_vs_ring: ratio(m('ring_shared'), m('ring')),
          };
          cells.push(cell);
          console.log(`  batch ${String(batch).padStart(2)}, ${conns} conn (rows/s, rounds in run order):`);
          for (const kind of KINDS)
            console.log(`    ${kind.padEnd(17)} ${runs[kind].join(' / ')} → ${m(kind)}`);
          console.log(
            `    ring / ring_prepared ${cell.ring_vs_ring_prepared.toFixed(2)}, ring / append_unnamed ${cell.ring_vs_append_unnamed.toFixed(2)}`,
          );
        }
        for (const s of [...stores.slice(1), ...sharedStores.slice(1)]) await s.close();
        for (const c of [...appendClients, ...ringClients]) await c.end();
      }
      const state = await main.state();
      console.log(
        `  ring after the runs: ${state.rowsUsed} rows, ${(state.totalBytes / 2 ** 20).toFixed(1)} MiB, last vacuum ${state.lastVacuum?.toISOString() ?? 'never'}`,
      );
      await main.close();
      await sharedMain.close();
      await dropRing(admin, ringTable);
      await dropRing(admin, sharedTable);
      await admin.query(`DROP TABLE ${quoteIdent(appendName)}`);
    }
  } finally {
    await admin.end();
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------
// PGlite, in child processes

interface PgliteResult {
  rssBaselineMiB: number;
  createMs: number;
  rssAfterOpenMiB: number;
  rows11PerS: number;
  rows1PerS: number;
  rssSamplesMiB: number[];
  rowsWritten: number;
  ringMiB: number;
  reopenMs: number;
  rssAfterReopenMiB: number;
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);

const CONFIGS: Record<string, { label: string; tuning: PgliteTuning }> = {
  store: {
    label: 'store defaults (shared_buffers 8MB, max_connections 5, initdb in a child, baseline wasm)',
    tuning: {},
  },
  optimized: {
    label: 'store defaults but optimised wasm (optimizeWasm: true)',
    tuning: { optimizeWasm: true },
  },
  defaults: {
    label:
      "PGlite's own defaults (shared_buffers 128MB, max_connections 100, initdb in process, optimised wasm)",
    tuning: {
      sharedBuffers: '128MB',
      settings: { max_connections: '100' },
      initInChildProcess: false,
      optimizeWasm: true,
    },
  },
};

async function pgliteChild(config: string): Promise<PgliteResult> {
  const tuning = CONFIGS[config]!.tuning;
  const root = mkdtempSync(path.join(tmpdir(), 'ringmon-bench-pglite-'));
  const dir = path.join(root, 'data');
  const rssBaselineMiB = rssMiB();
  try {
    let t0 = performance.now();
    let store = await RingStore.open({ db: dir, capacity: 10_000, connection: { pglite: tuning } });
    const createMs = Math.round(performance.now() - t0);
    const rssAfterOpenMiB = rssMiB();
    const rate = async (batch: number, seconds: number) => {
      let k = 0;
      let rows = 0;
      const start = performance.now();
      while (performance.now() - start < seconds * 1000) {
        await store.write(batchRows(0, k++, batch));
        rows += batch;
      }
      return Math.round(rows / ((performance.now() - start) / 1000));
    };
    const rows11PerS = await rate(11, 2);
    const rows1PerS = await rate(1, 2);
    const rssSamplesMiB: number[] = [];
    let written = 0;
    for (let k = 0; written < 33_000; k++) {
      await store.write(tickRows(1, k));
      written += 11;
      if (written % 11_000 === 0) rssSamplesMiB.push(rssMiB());
    }
    await store.settle();
    const ringMiB = Math.round(((await store.state()).totalBytes / 2 ** 20) * 10) / 10;
    await store.close();
    t0 = performance.now();
    store = await RingStore.open({ db: dir, connection: { pglite: tuning } });
    const reopenMs = Math.round(performance.now() - t0);
    for (let k = 0; k < 100; k++) await store.write(tickRows(2, k));
    await store.recent({ limit: 100 });
    const rssAfterReopenMiB = rssMiB();
    await store.close();
    return {
      rssBaselineMiB,
      createMs,
      rssAfterOpenMiB,
      rows11PerS,
      rows1PerS,
      rssSamplesMiB,
      rowsWritten: written,
      ringMiB,
      reopenMs,
      rssAfterReopenMiB,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A new process that reopens a directory an earlier one made: the agent's restart. */
async function pgliteReopenChild(): Promise<{ rssBaselineMiB: number; reopenMs: number; rssMiB: number }> {
  const rssBaselineMiB = rssMiB();
  const t0 = performance.now();
  const store = await RingStore.open({ db: process.env.RINGMON_BENCH_PGLITE_DIR! });
  const reopenMs = Math.round(performance.now() - t0);
  for (let k = 0; k < 2000; k++) await store.write(tickRows(3, k));
  await store.settle();
  const rss = rssMiB();
  await store.close();
  return { rssBaselineMiB, reopenMs, rssMiB: rss };
}

const execFileP = promisify(execFile);

async function inChild<T>(mode: string, env: Record<string, string> = {}): Promise<T> {
  const self = fileURLToPath(import.meta.url);
  // execArgv carries tsx's loader, so the child runs this same TypeScript file.
  const { stdout } = await execFileP(process.execPath, [...process.execArgv, self], {
    env: { ...process.env, RINGMON_BENCH_RING_CHILD: mode, ...env },
    maxBuffer: 16 * 2 ** 20,
    timeout: 600_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
}

async function pgliteRows(): Promise<void> {
  console.log('\nPGlite (embedded, capacity 10,000, each configuration in its own process):');
  for (const [name, config] of Object.entries(CONFIGS)) {
    const r = await inChild<PgliteResult>(name);
    console.log(`  ${config.label}`);
    console.log(
      `    RSS before opening ${r.rssBaselineMiB} MiB; create ${r.createMs} ms, RSS after ${r.rssAfterOpenMiB} MiB; ${r.rows11PerS} rows/s in 11-row batches, ${r.rows1PerS} rows/s single rows`,
    );
    console.log(
      `    RSS every 11,000 of ${r.rowsWritten} rows: ${r.rssSamplesMiB.join(', ')} MiB (ring ${r.ringMiB} MiB on disk); reopened in ${r.reopenMs} ms, RSS ${r.rssAfterReopenMiB} MiB`,
    );
  }
  const root = mkdtempSync(path.join(tmpdir(), 'ringmon-bench-pglite-'));
  const dir = path.join(root, 'data');
  try {
    const seed = await RingStore.open({ db: dir, capacity: 10_000 });
    for (let k = 0; k < 1000; k++) await seed.write(tickRows(4, k));
    await seed.close();
    const reopen = await inChild<{ rssBaselineMiB: number; reopenMs: number; rssMiB: number }>('reopen', {
      RINGMON_BENCH_PGLITE_DIR: dir,
    });
    console.log(
      `  a new process reopening a ring an earlier one made (store defaults): RSS before ${reopen.rssBaselineMiB} MiB, open ${reopen.reopenMs} ms, RSS after 22,000 more rows ${reopen.rssMiB} MiB`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  console.log(
    `ring writes vs plain appends on ${URL.replace(/:[^:@/]*@/, ':***@')} (${ROUNDS} rounds of ${WARMUP_S} s warm-up + ${MEASURE_S} s per cell and kind)`,
  );
  const cells = await serverCells();
  console.log(
    '\n batch  conns  capacity  ring rows/s  ring raw unnamed  ring prepared  append unnamed  append prepared  ring/ring prep  ring/append unn  ring shared rows/s  shared/ring',
  );
  for (const c of cells) {
    console.log(
      [
        String(c.batch).padStart(6),
        String(c.conns).padStart(6),
        String(c.capacity).padStart(9),
        String(c.ring_rows_s).padStart(12),
        String(c.ring_raw_unnamed_rows_s).padStart(17),
        String(c.ring_prepared_rows_s).padStart(14),
        String(c.append_unnamed_rows_s).padStart(15),
        String(c.append_prepared_rows_s).padStart(16),
        c.ring_vs_ring_prepared.toFixed(2).padStart(15),
        c.ring_vs_append_unnamed.toFixed(2).padStart(16),
        String(c.ring_shared_rows_s).padStart(19),
        c.ring_shared_vs_ring.toFixed(2).padStart(12),
      ].join(' '),
    );
  }
  await pgliteRows();
  console.log(JSON.stringify({ bench: 'ring', cells }));
}

const child = process.env.RINGMON_BENCH_RING_CHILD;
if (child !== undefined) {
  const result = child === 'reopen' ? await pgliteReopenChild() : await pgliteChild(child);
  console.log(JSON.stringify(result));
}
