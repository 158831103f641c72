/**
 * `npm run bench -- agent`: what the long-running agent costs. Agents run at 1 Hz, host only, one
 * writing to the local PostgreSQL server and one to the embedded default (a PGlite data directory),
 * for RINGMON_BENCH_AGENT_SECONDS (default 120) seconds; beside them, in the same window, a
 * baseline Node process that only reads the same kernel files once a second. All are measured from
 * outside through /proc/PID/task/TID/schedstat (CPU, in nanoseconds) and /proc/PID/status (RSS), and
 * each agent's CPU is given as a ratio to the baseline's (target: TARGET_RATIO).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { textTable } from '../src/format/text.js';
import { ringNames } from '../src/store/ring/schema.js';
import {
  acquireEngine,
  type LiveEngine,
  removeTestContainers,
  startTestContainer,
  TEST_LABEL,
} from '../test/docker/live-engine.js';

const PG_URL = process.env.RINGMON_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
// Two minutes: V8's compiling on its background threads, which fades after start-up, weighs less.
const SECONDS = Number(process.env.RINGMON_BENCH_AGENT_SECONDS ?? 120);
/** The target: an agent costs at most this many times the bare loop reading the same files. */
const TARGET_RATIO = 2;
// Start-up (module loading, JIT compilation on background threads) is over well within this.
const WARMUP_SECONDS = 15;

const bin = fileURLToPath(new URL('../bin/ringmon.js', import.meta.url));

/**
 * CPU seconds a process's threads have run so far, from the scheduler's own nanosecond count
 * (schedstat), not /proc/PID/stat's 10 ms ticks: the bare loop uses ~0.06 % of a core, 6–8 ticks
 * in the window, so ticks alone moved a ratio by ±15 %. Node's threads (main, libuv's pool, V8's
 * platform threads) live as long as the process, so none leaves with its time uncounted.
 */
function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

/** Resident memory now, MiB. */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(match?.[1] ?? 0) / 1024;
}

const BASELINE = `
  const { readFileSync } = require('node:fs');
  const files = ['/proc/stat', '/proc/loadavg', '/proc/meminfo', '/proc/diskstats', '/proc/net/dev'];
  setInterval(() => { for (const f of files) readFileSync(f, 'latin1'); }, 1000);
`;

const CONTAINERS = 10;

export async function run(): Promise<void> {
  const table = `ringmon_bench_agent_${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'ringmon-bench-agent-'));
  const agentArgs = (node: string, extra: string[] = [], db = ['--database-url', PG_URL]) => [
    bin,
    'run',
    ...db,
    '--table',
    table,
    '--interval',
    '1',
    '--log-level',
    'warn',
    '--node-name',
    node,
    ...extra,
  ];
  // With a Docker engine (as root, or RINGMON_TEST_DOCKER_HOST), a third process samples 10 containers too.
  const found = await acquireEngine();
  const engine: LiveEngine | null = found.engine;
  if (!found.engine)
    console.log(`agent bench: no Docker engine (${found.reason}); measuring the host-only agent`);
  if (engine) await startContainers(engine);
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] as ['ignore', 'ignore', 'inherit'] };
  const measured: { name: string; child: ChildProcess }[] = [
    {
      name: 'baseline: read the files',
      child: spawn(process.execPath, ['-e', BASELINE], { stdio: 'ignore' }),
    },
    {
      name: 'ringmon run (host only, PostgreSQL)',
      child: spawn(process.execPath, agentArgs('bench'), quiet),
    },
    {
      name: 'ringmon run (host only, embedded)',
      child: spawn(process.execPath, agentArgs('bench', [], ['--data-dir', dataDir]), quiet),
    },
  ];
  if (engine) {
    measured.push({
      name: `ringmon run --all-containers (${CONTAINERS})`,
      child: spawn(process.execPath, agentArgs('bench-containers', ['--all-containers']), {
        ...quiet,
        env: { ...process.env, ...engine.env },
      }),
    });
  }
  try {
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
    const startAt = performance.now();
    const startCpu = measured.map(({ child }) => cpuSeconds(child.pid!));
    const rssMax = measured.map(() => 0);
    const poll = setInterval(() => {
      measured.forEach(({ child }, i) => {
        rssMax[i] = Math.max(rssMax[i]!, rssMiB(child.pid!));
      });
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    clearInterval(poll);
    const wall = (performance.now() - startAt) / 1000;
    const pct = measured.map(({ child }, i) => ((cpuSeconds(child.pid!) - startCpu[i]!) / wall) * 100);
    console.log(
      `agent: ${SECONDS} s at 1 Hz writing to ${new URL(PG_URL).host} and to an embedded store, side by side (CPU from the threads' schedstat, in ns; target ≤ ${TARGET_RATIO}× the baseline)`,
    );
    const baseline = pct[0]!;
    const ratio = (i: number) => (baseline > 0 ? pct[i]! / baseline : Number.POSITIVE_INFINITY);
    const rows = measured.map(({ name }, i) => [
      name,
      pct[i]!.toFixed(3),
      i === 0 ? '1.00' : ratio(i).toFixed(2),
      rssMax[i]!.toFixed(1),
    ]);
    console.log(
      textTable(
        [['process', 'cpu % of a core', '× baseline', 'max RSS MiB'], ...rows],
        [false, true, true, true],
      ),
    );
    const withContainers = engine
      ? {
          containers: CONTAINERS,
          containers_cpu_pct: round3(pct[3]!),
          containers_ratio_to_baseline: round2(ratio(3)),
          containers_rss_mib: round1(rssMax[3]!),
        }
      : {};
    console.log(
      JSON.stringify({
        bench: 'agent',
        seconds: SECONDS,
        cpu_pct: round3(pct[1]!),
        ratio_to_baseline: round2(ratio(1)),
        rss_mib: round1(rssMax[1]!),
        embedded_cpu_pct: round3(pct[2]!),
        embedded_ratio_to_baseline: round2(ratio(2)),
        embedded_rss_mib: round1(rssMax[2]!),
        baseline_cpu_pct: round3(baseline),
        target_ratio: TARGET_RATIO,
        ...withContainers,
      }),
    );
  } finally {
    for (const { child } of measured) child.kill('SIGTERM');
    if (engine) {
      await removeTestContainers(engine.docker);
      await engine.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    rmSync(dataDir, { recursive: true, force: true });
    const admin = new pg.Client(PG_URL);
    await admin.connect();
    const n = ringNames(table);
    await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.meta}, ${n.pairs}, ${n.shares} CASCADE`);
    await admin.query(`DROP FUNCTION IF EXISTS ${n.writeFunction}(jsonb)`);
    await admin.end();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function startContainers(engine: LiveEngine): Promise<void> {
  await removeTestContainers(engine.docker);
  await engine.docker(['network', 'create', '--label', TEST_LABEL, 'ringmon-bench-agent'], {
    allowFail: true,
  });
  await Promise.all(
    Array.from({ length: CONTAINERS }, (_, i) =>
      startTestContainer(
        engine,
        `ringmon-bench-agent-${i}`,
        ['--network', 'ringmon-bench-agent'],
        'while :; do sleep 1; done',
      ),
    ),
  );
}
