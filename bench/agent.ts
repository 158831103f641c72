/**
 * `npm run bench -- agent`: what the long-running agent costs. The agent runs at 1 Hz, host only,
 * writing to the local PostgreSQL server, for RINGMON_BENCH_AGENT_SECONDS (default 60) seconds;
 * beside it, in the same window, a baseline Node process that only reads the same kernel files once
 * a second. Both are measured from outside through /proc/PID/stat (CPU) and /proc/PID/status (RSS).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { textTable } from '../src/cli/format.js';
import { ringNames } from '../src/store/schema.js';

const PG_URL = process.env.RINGMON_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.RINGMON_BENCH_AGENT_SECONDS ?? 60);
// Start-up (module loading, JIT compilation on background threads) is over well within this.
const WARMUP_SECONDS = 15;
const TICKS_PER_SECOND = 100; // USER_HZ

const bin = fileURLToPath(new URL('../bin/ringmon.js', import.meta.url));

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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

export async function run(): Promise<void> {
  const table = `ringmon_bench_agent_${process.pid}`;
  const agent = spawn(
    process.execPath,
    [
      bin,
      'run',
      '--database-url',
      PG_URL,
      '--table',
      table,
      '--interval',
      '1',
      '--log-level',
      'warn',
      '--node-name',
      'bench',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const baseline = spawn(process.execPath, ['-e', BASELINE], { stdio: 'ignore' });
  const children: ChildProcess[] = [agent, baseline];
  try {
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
    const start = {
      agent: cpuSeconds(agent.pid!),
      baseline: cpuSeconds(baseline.pid!),
      at: performance.now(),
    };
    let agentRssMax = 0;
    let baselineRssMax = 0;
    const poll = setInterval(() => {
      agentRssMax = Math.max(agentRssMax, rssMiB(agent.pid!));
      baselineRssMax = Math.max(baselineRssMax, rssMiB(baseline.pid!));
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    clearInterval(poll);
    const wall = (performance.now() - start.at) / 1000;
    const agentPct = ((cpuSeconds(agent.pid!) - start.agent) / wall) * 100;
    const baselinePct = ((cpuSeconds(baseline.pid!) - start.baseline) / wall) * 100;
    console.log(
      `agent: ${SECONDS} s at 1 Hz, host only, writing to ${new URL(PG_URL).host} (CPU from /proc/PID/stat, 10 ms ticks)`,
    );
    console.log(
      textTable(
        [
          ['process', 'cpu % of a core', 'max RSS MiB'],
          ['ringmon run', agentPct.toFixed(3), agentRssMax.toFixed(1)],
          ['baseline: read the files', baselinePct.toFixed(3), baselineRssMax.toFixed(1)],
        ],
        [false, true, true],
      ),
    );
    console.log(
      JSON.stringify({
        bench: 'agent',
        cpu_pct: round3(agentPct),
        rss_mib: round1(agentRssMax),
        baseline_cpu_pct: round3(baselinePct),
      }),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const admin = new pg.Client(PG_URL);
    await admin.connect();
    const n = ringNames(table);
    await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.meta}, ${n.groups}`);
    await admin.end();
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
