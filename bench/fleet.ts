/**
 * `npm run bench -- fleet`: how many agents one PostgreSQL server on this machine takes, each agent
 * writing one tick (1 host row + 10 container rows) per second over its own single connection, as
 * `ringmon run` does (`connection: { poolSize: 1 }`), through pgbouncer in transaction pooling and
 * directly (the baseline), in the same run against the same server and ring.
 *
 * Every simulated agent lives in this one Node process and behaves as src/agent/agent.ts does: a
 * drift-free schedule (tick k due at phase + k s; start phases spread evenly over the first second;
 * a tick late by a whole interval is skipped), at most one write in flight, ticks that arrive
 * meanwhile buffered (at most 10,000 rows, oldest dropped) and written together in the next write
 * (up to 500 rows), a failed write kept and retried after 0.5 s, doubling to 10 s. Unlike the agent
 * the rows in flight are out of the buffer, so an overflow never drops them.
 *
 * A cell: N agents start; after WARMUP s, and once every agent has committed at least once (a
 * connection the pool closed while the fleet idled is open again), SECONDS s are measured. Then the
 * ticks stop, the agents get 10 s to write what they hold (the agent's stop), and whatever of the
 * measured ticks is still unwritten, dropped or skipped is lost. Latency is from a tick's due time
 * to the moment its write's commit reaches the agent, so it includes waiting behind the write in
 * flight, pgbouncer's queue and this process's event loop (which runs all agents). Stored rows/s
 * counts rows committed within the measured seconds.
 *
 * CPU: the server's is the postmaster's and its children's utime + stime from /proc (the postmaster's
 * cutime/cstime keep what exited workers used), pgbouncer's its own, Node's its own (the agents'
 * client work: building rows, checking and encoding 550 parameters and a 12 KB statement text per
 * tick, is load on the same 2 cores), and "other" the machine's busy time from /proc/stat minus
 * those three: other programs on this machine and interrupt time no process is charged with.
 * "loop p99" is this process's event-loop delay: high, it says the agents themselves were late.
 * The agents' thread runs at real-time priority (see raisePriority) so that hundreds of runnable
 * backends do not starve it; past about 1,000 agents this one process (its heap included: each
 * store keeps the statement text of every batch size it wrote) is a limit of its own, which the
 * skipped ticks and "loop p99" show.
 *
 * The server is a private one (test/support/servers.ts) with fsync on (a durable server, as in
 * production; this disk's fdatasync takes about 0.45 ms), shared_buffers 512MB (the ring and its
 * indexes stay cached) and max_connections for the largest direct fleet plus pgbouncer's pool.
 * The ring has capacity 500,000, filled before the first cell, so that every write overwrites a row
 * (the ring's steady state) and no cell laps it more than once: its size does not matter here.
 *
 * Environment: RINGMON_BENCH_FLEET_AGENTS (default 100,250,500,1000,2000),
 * RINGMON_BENCH_FLEET_SECONDS (20), RINGMON_BENCH_FLEET_WARMUP (5), RINGMON_BENCH_FLEET_POOL
 * (pgbouncer's server connections, default 8), RINGMON_BENCH_FLEET_PATHS (pgbouncer,direct),
 * RINGMON_BENCH_FLEET_MAX_CONNECTIONS (the server's max_connections; lower it to see direct refused).
 * Last line: {"bench":"fleet","max_agents":N,"path":"…","p99_ms":N,"lost":N,"cells":[…]}
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import type { SampleInput } from '../src/columns.js';
import { RingStore } from '../src/store/ring/ring.js';
import { createTableSql, ringNames } from '../src/store/ring/schema.js';
import { agentTick, fillSql } from '../test/store/synthetic.js';
import {
  type PrivateBouncer,
  type PrivateServer,
  serversUnavailable,
  startPgbouncer,
  startPostgres,
  stopAllOnSignals,
} from '../test/support/servers.js';

const numberList = (text: string) =>
  text
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);

const AGENTS = numberList(process.env.RINGMON_BENCH_FLEET_AGENTS ?? '100,250,500,1000,2000').sort(
  (a, b) => a - b,
);
const SECONDS = Number(process.env.RINGMON_BENCH_FLEET_SECONDS ?? 20);
const WARMUP_S = Number(process.env.RINGMON_BENCH_FLEET_WARMUP ?? 5);
/**
 * pgbouncer's server connections. A write holds one only while the server works on it (3 ms of CPU
 * for an 11-row tick as an unnamed statement, plus its WAL flush), and the server has 2 cores, so a
 * handful should do; but the backends share those cores with pgbouncer, the agents and whatever else
 * runs, so each statement takes several times its CPU in wall time. Measured with 250 and 400
 * agents (8 s cells): pools of 2 and 4 fell behind already at 250 agents (p50 about 1 s), 8 and 16
 * held 250 (p99 116 and 106 ms) and both failed at 400 (16 less badly). 8 is the smallest that held.
 */
const POOL = Number(process.env.RINGMON_BENCH_FLEET_POOL ?? 8);
const PATHS = (process.env.RINGMON_BENCH_FLEET_PATHS ?? 'pgbouncer,direct')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Path => s === 'pgbouncer' || s === 'direct');
const MAX_AGENTS = Math.max(...AGENTS);
const MAX_CONNECTIONS = Number(process.env.RINGMON_BENCH_FLEET_MAX_CONNECTIONS ?? MAX_AGENTS + POOL + 20);

const CAPACITY = 500_000;
const TABLE = 'fleet_ring';
const INTERVAL_MS = 1000;
const ROWS_PER_TICK = 11;
const BUFFER_ROWS = 10_000;
const MAX_BATCH_ROWS = 500;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const FLUSH_MS = 10_000;
/** How long a cell waits beyond WARMUP for every agent's first commit before measuring anyway. */
const WARMUP_EXTRA_MAX_MS = 10_000;
const CANCEL_AFTER_MS = 3000;
const OPEN_CONCURRENCY = 32;
const HELD_P99_MS = 100;

type Path = 'pgbouncer' | 'direct';

interface Cell {
  path: Path;
  agents: number;
  refused: number;
  offered_rows_s: number;
  stored_rows_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /** lost_skipped + lost_dropped + lost_unwritten. */
  lost: number;
  /** Rows of ticks skipped because their timer fired a whole interval late (this process starved). */
  lost_skipped: number;
  /** Rows the full buffer dropped. */
  lost_dropped: number;
  /** Rows still buffered or in flight when the flush after the cell ended. */
  lost_unwritten: number;
  /** Failed writes in the measured seconds and the flush (each retried). */
  write_errors: number;
  /** Failed writes during the warm-up: mostly reconnections after the pool closed an idle connection. */
  warmup_errors: number;
  pg_cpu_us_per_row: number | null;
  pg_cores: number;
  bouncer_cores: number | null;
  node_cores: number;
  other_cores: number;
  loop_p99_ms: number;
  vacuums: number;
  warmup_s: number;
  node_rss_mib: number;
  held: boolean;
  error?: string;
}

/** The bench's rows have the shape of bench/ring.ts's ticks: every metric filled. */
function tickRows(agent: number, k: number, sampleTime: number): SampleInput[] {
  return agentTick(`fleet-agent-${agent}`, k, sampleTime);
}

/**
 * A tick waiting to be written. Its rows are built when the write starts: 2,000 agents minutes
 * behind hold over a million rows, whose objects would cost gigabytes of heap and second-long
 * collections in this process, which real agents, one per host, do not share.
 */
interface Tick {
  due: number;
  k: number;
  sampleTime: number;
  measured: boolean;
}

/** What one cell's agents share: the measured window and what happened in it. */
class CellRun {
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;
  /** No tick is due at or after this. */
  stopAt = Number.POSITIVE_INFINITY;
  /** No write starts after this. */
  closed = false;
  latencies: number[] = [];
  rowsStoredInWindow = 0;
  skippedRows = 0;
  droppedRows = 0;
  warmupErrors = 0;
  writeErrors = 0;
  lastError: string | undefined;
  measuredTicks = 0;
  agentsCommitted = 0;

  measures(due: number): boolean {
    return due >= this.windowStart && due < this.windowEnd;
  }
}

class SimAgent {
  readonly #store: RingStore;
  readonly #index: number;
  readonly #run: CellRun;
  readonly #phase: number;
  #tick = 0;
  #timer: NodeJS.Timeout | undefined;
  #buffer: Tick[] = [];
  #bufferedRows = 0;
  #inFlight: Tick[] = [];
  #writing: Promise<void> | null = null;
  #retryAt = 0;
  #backoff = RETRY_FIRST_MS;
  #committedOnce = false;

  constructor(store: RingStore, index: number, run: CellRun, phase: number) {
    this.#store = store;
    this.#index = index;
    this.#run = run;
    this.#phase = phase;
    this.#arm();
  }

  /** The measured ticks this agent still holds (buffered or in flight): lost when the cell ends. */
  unwrittenMeasuredRows(): number {
    let n = 0;
    for (const t of this.#buffer) if (t.measured) n += ROWS_PER_TICK;
    for (const t of this.#inFlight) if (t.measured) n += ROWS_PER_TICK;
    return n;
  }

  stopTicking(): void {
    clearTimeout(this.#timer);
  }

  /** The write in flight, if any. */
  get writing(): Promise<void> | null {
    return this.#writing;
  }

  #dueOf(k: number): number {
    return this.#phase + k * INTERVAL_MS;
  }

  #arm(): void {
    const due = this.#dueOf(this.#tick);
    if (due >= this.#run.stopAt) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, due - performance.now()));
  }

  #fire(): void {
    const now = performance.now();
    // As src/agent/schedule.ts: a tick late by a whole interval or more is skipped, not fired late.
    const latest = Math.floor((now - this.#phase) / INTERVAL_MS);
    for (let k = this.#tick; k < latest; k++) {
      if (this.#run.measures(this.#dueOf(k))) {
        this.#run.measuredTicks++;
        this.#run.skippedRows += ROWS_PER_TICK;
      }
    }
    const k = Math.max(this.#tick, latest);
    const due = this.#dueOf(k);
    this.#tick = k + 1;
    if (due < this.#run.stopAt) {
      const measured = this.#run.measures(due);
      if (measured) this.#run.measuredTicks++;
      const sampleTime = Math.floor((performance.timeOrigin + due) / 1000);
      this.#push({ due, k, sampleTime, measured });
      this.#kick();
    }
    this.#arm();
  }

  #push(tick: Tick): void {
    this.#buffer.push(tick);
    this.#bufferedRows += ROWS_PER_TICK;
    while (this.#bufferedRows > BUFFER_ROWS) {
      const dropped = this.#buffer.shift()!;
      this.#bufferedRows -= ROWS_PER_TICK;
      if (dropped.measured) this.#run.droppedRows += ROWS_PER_TICK;
    }
  }

  #kick(): void {
    if (this.#writing || this.#buffer.length === 0 || this.#run.closed) return;
    if (performance.now() < this.#retryAt) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = null;
    });
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0 && !this.#run.closed) {
      const n = Math.min(this.#buffer.length, Math.max(1, Math.floor(MAX_BATCH_ROWS / ROWS_PER_TICK)));
      const rows = n * ROWS_PER_TICK;
      this.#inFlight = this.#buffer.splice(0, n);
      this.#bufferedRows -= rows;
      const batch = this.#inFlight.flatMap((t) => tickRows(this.#index, t.k, t.sampleTime));
      try {
        await this.#store.write(batch);
      } catch (err) {
        this.#buffer.unshift(...this.#inFlight);
        this.#bufferedRows += rows;
        this.#inFlight = [];
        // Writes cancelled after the cell ended are the bench's doing, not the server's.
        if (this.#run.closed) return;
        if (performance.now() < this.#run.windowStart) this.#run.warmupErrors++;
        else this.#run.writeErrors++;
        this.#run.lastError = err instanceof Error ? err.message : String(err);
        this.#retryAt = performance.now() + this.#backoff;
        setTimeout(() => this.#kick(), this.#backoff);
        this.#backoff = Math.min(this.#backoff * 2, RETRY_MAX_MS);
        return;
      }
      const now = performance.now();
      this.#backoff = RETRY_FIRST_MS;
      if (!this.#committedOnce) {
        this.#committedOnce = true;
        this.#run.agentsCommitted++;
      }
      if (now >= this.#run.windowStart && now < this.#run.windowEnd) this.#run.rowsStoredInWindow += rows;
      // After the cell closed these ticks were already counted as lost.
      if (!this.#run.closed)
        for (const t of this.#inFlight) if (t.measured) this.#run.latencies.push(now - t.due);
      this.#inFlight = [];
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledWithin(fleet: SimAgent[], ms: number): Promise<boolean> {
  const done = Promise.all(fleet.map((a) => a.writing)).then(() => true);
  return Promise.race([done, sleep(ms).then(() => false)]);
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The machine's busy and total CPU seconds so far, from the first line of /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / 100, total: (busy + idle + iowait) / 100 };
}

function nodeCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function openFilesLimit(): number | null {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined ? null : Number(soft);
}

/**
 * Real agents have CPUs of their own; here they share 2 cores with the server, and at equal
 * priority the scheduler starves the one thread that runs all of them once hundreds of backends are
 * runnable (direct, overloaded): their timers fire seconds late, ticks are skipped, and the latency
 * measured is this process's, not the server's. Nice −10 is not enough against 500 runnable
 * backends (weight 9,548 against 500 × 1,024), so the main thread gets round-robin real-time
 * priority: it runs whenever it has work, which is well under a core, and the server gets the rest
 * (the kernel caps real-time threads at 95 % of each second anyway). The agents' CPU still comes
 * out of the server's share, as the table shows. RINGMON_BENCH_FLEET_SCHED=nice or =none instead.
 */
function raisePriority(): string {
  const mode = process.env.RINGMON_BENCH_FLEET_SCHED ?? 'rr';
  if (mode === 'none') return 'the agents (this process) run at the same priority as the server';
  if (mode === 'rr') {
    try {
      execFileSync('chrt', ['--rr', '--pid', '1', String(process.pid)], { stdio: 'ignore' });
      return "the agents (this process's main thread) run at real-time round-robin priority, ahead of the server";
    } catch {
      // Not root, or no chrt: fall back to nice.
    }
  }
  try {
    setPriority(0, -10);
    return 'the agents (this process) run at nice −10, ahead of the server and pgbouncer';
  } catch {
    return 'the agents (this process) run at the same priority as the server (only root may raise it)';
  }
}

async function openFleet(
  url: string,
  have: RingStore[],
  want: number,
): Promise<{ refused: number; error?: string }> {
  let refused = 0;
  let error: string | undefined;
  let next = have.length;
  const opened: (RingStore | undefined)[] = [];
  await Promise.all(
    Array.from({ length: OPEN_CONCURRENCY }, async () => {
      while (next < want) {
        const i = next++;
        try {
          opened[i] = await RingStore.open({
            db: url,
            tableName: TABLE,
            capacity: CAPACITY,
            capacityMode: 'adopt',
            connection: { poolSize: 1, applicationName: 'ringmon-fleet' },
          });
        } catch (err) {
          refused++;
          error ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  for (const store of opened) if (store !== undefined) have.push(store);
  return { refused, ...(error !== undefined ? { error } : {}) };
}

async function vacuumCount(admin: pg.Client): Promise<number> {
  const res = await admin.query<{ n: number }>(
    `SELECT (coalesce(vacuum_count, 0) + coalesce(autovacuum_count, 0))::integer AS n
       FROM pg_stat_user_tables WHERE relname = $1`,
    [TABLE],
  );
  return res.rows[0]?.n ?? 0;
}

async function runCell(
  path: Path,
  stores: RingStore[],
  agents: number,
  server: PrivateServer,
  bouncer: PrivateBouncer | undefined,
  admin: pg.Client,
): Promise<Omit<Cell, 'refused' | 'held'>> {
  const run = new CellRun();
  const start = performance.now() + 200;
  const fleet = stores
    .slice(0, agents)
    .map((store, i) => new SimAgent(store, i, run, start + (i / agents) * INTERVAL_MS));
  const warmupEnd = start + WARMUP_S * 1000;
  await sleep(warmupEnd - performance.now());
  // Measure only once every agent has a working connection, at most WARMUP_EXTRA_MAX_MS later.
  while (run.agentsCommitted < agents && performance.now() < warmupEnd + WARMUP_EXTRA_MAX_MS)
    await sleep(100);
  const vac0 = await vacuumCount(admin);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const cpu0 = {
    pg: server.cpuSeconds(),
    bouncer: bouncer?.cpuSeconds() ?? 0,
    node: nodeCpuSeconds(),
    machine: machineCpu(),
  };
  run.windowStart = performance.now();
  run.windowEnd = run.windowStart + SECONDS * 1000;
  run.stopAt = run.windowEnd;
  loop.enable();
  await sleep(run.windowEnd - performance.now());
  loop.disable();
  const seconds = (performance.now() - run.windowStart) / 1000;
  const cpu1 = {
    pg: server.cpuSeconds(),
    bouncer: bouncer?.cpuSeconds() ?? 0,
    node: nodeCpuSeconds(),
    machine: machineCpu(),
  };
  const vac1 = await vacuumCount(admin);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  for (const a of fleet) a.stopTicking();
  // The agent's stop: what is buffered gets FLUSH_MS to reach the database.
  const flushEnd = performance.now() + FLUSH_MS;
  while (performance.now() < flushEnd && fleet.some((a) => a.unwrittenMeasuredRows() > 0)) await sleep(50);
  run.closed = true;
  const unwritten = fleet.reduce((n, a) => n + a.unwrittenMeasuredRows(), 0);
  // An overloaded cell leaves one write per agent in flight, hundreds of rows each: minutes of
  // server time that would run into the next cell. They no longer count, so cancel them.
  if (!(await settledWithin(fleet, CANCEL_AFTER_MS))) {
    await admin.query(
      `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()`,
    );
  }
  await Promise.all(fleet.map((a) => a.writing));
  await Promise.all(stores.slice(0, agents).map((s) => s.settle()));
  const sorted = run.latencies.sort((a, b) => a - b);
  const pgCpu = cpu1.pg - cpu0.pg;
  const bouncerCpu = cpu1.bouncer - cpu0.bouncer;
  const nodeCpu = cpu1.node - cpu0.node;
  const machineBusy = cpu1.machine.busy - cpu0.machine.busy;
  const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
  const ms = (x: number | null) => (x === null ? null : round(x, 1));
  return {
    path,
    agents,
    offered_rows_s: Math.round((run.measuredTicks * ROWS_PER_TICK) / SECONDS),
    stored_rows_s: Math.round(run.rowsStoredInWindow / seconds),
    p50_ms: ms(percentile(sorted, 0.5)),
    p99_ms: ms(percentile(sorted, 0.99)),
    max_ms: ms(sorted.at(-1) ?? null),
    lost: run.skippedRows + run.droppedRows + unwritten,
    lost_skipped: run.skippedRows,
    lost_dropped: run.droppedRows,
    lost_unwritten: unwritten,
    write_errors: run.writeErrors,
    warmup_errors: run.warmupErrors,
    pg_cpu_us_per_row: run.rowsStoredInWindow > 0 ? Math.round((pgCpu / run.rowsStoredInWindow) * 1e6) : null,
    pg_cores: round(pgCpu / seconds),
    bouncer_cores: bouncer === undefined ? null : round(bouncerCpu / seconds),
    node_cores: round(nodeCpu / seconds),
    other_cores: round(Math.max(0, machineBusy - pgCpu - bouncerCpu - nodeCpu) / seconds),
    loop_p99_ms: round(loop.percentile(99) / 1e6, 1),
    vacuums: vac1 - vac0,
    warmup_s: round((run.windowStart - start) / 1000, 1),
    node_rss_mib: rss,
    ...(run.lastError !== undefined ? { error: run.lastError } : {}),
  };
}

/** A full ring: a bare table filled server-side, then adopted by the store, so writes overwrite. */
async function fillRing(url: string): Promise<void> {
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    await admin.query(createTableSql(ringNames(TABLE), { unlogged: false }));
    for (const sql of fillSql(TABLE, { rows: CAPACITY, nodes: 100, containers: 10 })) await admin.query(sql);
  } finally {
    await admin.end();
  }
  const store = await RingStore.open({ db: url, tableName: TABLE, capacity: CAPACITY });
  await store.vacuum({ analyze: true });
  await store.close();
}

const fmt = (x: number | null, width: number, digits = 0) =>
  (x === null ? '—' : digits > 0 ? x.toFixed(digits) : String(x)).padStart(width);

function printTable(cells: Cell[]): void {
  console.log(
    '\n path       agents  offered r/s  stored r/s  p50 ms  p99 ms   max ms    lost (skip/drop/unwr)  errors  pg µs/row  pg cores  bouncer  node  other  loop p99  vac  warm-up s (errors)  RSS MiB',
  );
  for (const c of cells) {
    if (c.refused > 0) {
      console.log(
        ` ${c.path.padEnd(9)}  ${fmt(c.agents, 6)}  refused: ${c.refused} of ${c.agents} agents could not open the ring (${c.error ?? ''})`,
      );
      continue;
    }
    console.log(
      ` ${c.path.padEnd(9)}  ${fmt(c.agents, 6)}  ${fmt(c.offered_rows_s, 11)}  ${fmt(c.stored_rows_s, 10)}  ${fmt(c.p50_ms, 6, 1)}  ${fmt(c.p99_ms, 6, 1)}  ${fmt(c.max_ms, 7, 0)}  ${fmt(c.lost, 6)} ${`(${c.lost_skipped}/${c.lost_dropped}/${c.lost_unwritten})`.padEnd(16)}  ${fmt(c.write_errors, 6)}  ${fmt(c.pg_cpu_us_per_row, 9)}  ${fmt(c.pg_cores, 8, 2)}  ${fmt(c.bouncer_cores, 7, 2)}  ${fmt(c.node_cores, 4, 2)}  ${fmt(c.other_cores, 5, 2)}  ${fmt(c.loop_p99_ms, 8, 1)}  ${fmt(c.vacuums, 3)}  ${fmt(c.warmup_s, 9, 1)} ${`(${c.warmup_errors})`.padEnd(8)}  ${fmt(c.node_rss_mib, 7)}`,
    );
  }
}

export async function run(): Promise<void> {
  if (serversUnavailable !== null) {
    console.log(`fleet: skipped, ${serversUnavailable}`);
    console.log(JSON.stringify({ bench: 'fleet', skipped: serversUnavailable }));
    return;
  }
  stopAllOnSignals();
  const limit = openFilesLimit();
  const sockets = (PATHS.length * MAX_AGENTS) as number;
  console.log(
    `fleet: ${AGENTS.join(', ')} agents × 1 tick (11 rows) per second, each over its own connection; ${PATHS.join(' and ')}; ` +
      `${WARMUP_S} s warm-up + ${SECONDS} s measured per cell; pgbouncer pool ${POOL}; ring capacity ${CAPACITY.toLocaleString('en')} (full); ` +
      `${cpus().length} cores shared by the server, pgbouncer and this process; Node open-files limit ${limit ?? '?'}`,
  );
  if (limit !== null && limit < sockets + 200) {
    console.log(
      `  warning: ${sockets} sockets need a higher open-files limit than ${limit} (ulimit -n ${sockets + 500}); expect EMFILE`,
    );
  }
  const server = await startPostgres({
    maxConnections: MAX_CONNECTIONS,
    settings: { fsync: 'on', shared_buffers: '512MB' },
  });
  let bouncer: PrivateBouncer | undefined;
  const fleets: Record<Path, RingStore[]> = { pgbouncer: [], direct: [] };
  const cells: Cell[] = [];
  let admin: pg.Client | undefined;
  try {
    const url = await server.createDatabase('fleet');
    let t0 = performance.now();
    await fillRing(url);
    console.log(
      `private PostgreSQL on port ${server.port} (max_connections ${MAX_CONNECTIONS}); ring filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    admin = new pg.Client(url);
    await admin.connect();
    if (PATHS.includes('pgbouncer')) {
      bouncer = await startPgbouncer({ target: server, poolSize: POOL, maxClientConn: MAX_AGENTS + 100 });
      console.log(`pgbouncer on port ${bouncer.port}: transaction pooling, ${POOL} server connections`);
    }
    // After the servers started: they would inherit the priority.
    console.log(raisePriority());
    for (const agents of AGENTS) {
      for (const path of PATHS) {
        const stores = fleets[path];
        const url2 = path === 'pgbouncer' ? bouncer!.url('fleet') : url;
        t0 = performance.now();
        const before = stores.length;
        const { refused, error } = await openFleet(url2, stores, agents);
        if (stores.length > before) {
          console.log(
            `  ${path}: opened ${stores.length - before} more stores in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
          );
        }
        if (refused > 0) {
          cells.push({
            path,
            agents,
            refused,
            offered_rows_s: agents * ROWS_PER_TICK,
            stored_rows_s: 0,
            p50_ms: null,
            p99_ms: null,
            max_ms: null,
            lost: 0,
            lost_skipped: 0,
            lost_dropped: 0,
            lost_unwritten: 0,
            write_errors: 0,
            warmup_errors: 0,
            pg_cpu_us_per_row: null,
            pg_cores: 0,
            bouncer_cores: null,
            node_cores: 0,
            other_cores: 0,
            loop_p99_ms: 0,
            vacuums: 0,
            warmup_s: 0,
            node_rss_mib: 0,
            held: false,
            ...(error !== undefined ? { error } : {}),
          });
          console.log(`  ${path} ${agents}: ${refused} agents refused: ${error}`);
          continue;
        }
        const r = await runCell(
          path,
          stores,
          agents,
          server,
          path === 'pgbouncer' ? bouncer : undefined,
          admin,
        );
        const held = r.lost === 0 && r.p99_ms !== null && r.p99_ms <= HELD_P99_MS;
        const cell: Cell = { ...r, refused: 0, held };
        cells.push(cell);
        console.log(
          `  ${path} ${agents}: stored ${r.stored_rows_s} of ${r.offered_rows_s} rows/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, lost ${r.lost}, errors ${r.write_errors} (warm-up ${r.warmup_errors})${r.error ? ` (last: ${r.error})` : ''}`,
        );
      }
    }
  } finally {
    for (const stores of Object.values(fleets)) {
      await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    }
    await admin?.end().catch(() => undefined);
    await bouncer?.stop();
    await server.stop();
  }
  printTable(cells);
  const best = (path: Path) =>
    cells
      .filter((c) => c.path === path && c.held)
      .sort((a, b) => b.agents - a.agents || (a.p99_ms ?? 0) - (b.p99_ms ?? 0))[0];
  const candidates = PATHS.map(best).filter((c): c is Cell => c !== undefined);
  candidates.sort((a, b) => b.agents - a.agents || (a.p99_ms ?? 0) - (b.p99_ms ?? 0));
  const top = candidates[0];
  console.log(
    top === undefined
      ? `\nno cell held p99 ≤ ${HELD_P99_MS} ms with nothing lost`
      : `\nlargest fleet held (p99 ≤ ${HELD_P99_MS} ms, nothing lost): ${top.agents} agents, ${top.path} (p99 ${top.p99_ms} ms)` +
          PATHS.filter((p) => p !== top.path)
            .map((p) => `; ${p}: ${best(p)?.agents ?? 'none'}`)
            .join(''),
  );
  console.log(
    JSON.stringify({
      bench: 'fleet',
      max_agents: top?.agents ?? 0,
      path: top?.path ?? null,
      p99_ms: top?.p99_ms ?? null,
      lost: top?.lost ?? null,
      pool_size: POOL,
      seconds: SECONDS,
      warmup_s: WARMUP_S,
      capacity: CAPACITY,
      cores: cpus().length,
      cells,
    }),
  );
}
