/**
 * `npm run bench -- containers`: container-sampler ticks against a real engine with 10 running containers,
 * Engine API reader, once a second (the engine refreshes container stats about once a second).
 *
 * Measured per tick: the wall time of `tick()` and this process's CPU time (user + system) during it; and,
 * over the whole run, the process's CPU per 1 s tick period minus the same process's CPU per idle second
 * before any reader was opened. That difference is the tick plus the background upkeep of the stats
 * streams (one frame a second per container), without the runtime's own idle cost (tsx alone burns several
 * ms a second). The JSON line reports the median tick wall time and that per-period difference.
 * Targets (issue 4): ≤ 100 ms wall and ≤ 5 ms CPU per tick. The engine comes from
 * RINGMON_TEST_DOCKER_HOST, or is started with scripts/docker-engine.sh when run as root.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerSampler, EngineApiReader } from '../src/collect/docker/index.js';
import { acquireEngine, TEST_LABEL } from '../test/docker/live-engine.js';

const CONTAINERS = 10;
const WARMUP = 2;
const TICKS = 15;
const PERIOD_MS = 1000;
const BASELINE_S = 5;

interface Stats {
  median: number;
  p95: number;
  max: number;
}

interface Result {
  wall: Stats;
  cpu: Stats;
  /** Process CPU per tick period, ms. */
  cpuPerPeriod: number;
  rows: number;
}

function summarize(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? Number.NaN };
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Process CPU per second while only sleeping: the runtime's own cost, subtracted from the periods. */
async function idleCpuPerSecond(): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < BASELINE_S; i++) await sleep(1000);
  return cpuMs(process.cpuUsage(start)) / BASELINE_S;
}

async function measure(sampler: ContainerSampler): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) {
    await sampler.tick();
    await sleep(PERIOD_MS);
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  let rows = 0;
  const start = process.cpuUsage();
  let next = performance.now();
  for (let i = 0; i < TICKS; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    rows = (await sampler.tick()).length;
    wall.push(performance.now() - t0);
    cpu.push(cpuMs(process.cpuUsage(cpu0)));
    next += PERIOD_MS;
    await sleep(Math.max(0, next - performance.now()));
  }
  return {
    wall: summarize(wall),
    cpu: summarize(cpu),
    cpuPerPeriod: cpuMs(process.cpuUsage(start)) / TICKS,
    rows,
  };
}

export async function run(): Promise<void> {
  const found = await acquireEngine();
  if (!found.engine) {
    console.log(`containers bench skipped: ${found.reason}`);
    return;
  }
  const engine = found.engine;
  const names = Array.from({ length: CONTAINERS }, (_, i) => `ringmon-bench-${i}`);
  const samplers: ContainerSampler[] = [];
  try {
    await engine.docker(['network', 'create', '--label', TEST_LABEL, 'ringmon-bench'], { allowFail: true });
    await Promise.all(
      names.map((name) =>
        engine.docker([
          'run',
          '-d',
          '--label',
          TEST_LABEL,
          '--name',
          name,
          '--network',
          'ringmon-bench',
          engine.image,
          'sh',
          '-c',
          'while :; do sleep 1; done',
        ]),
      ),
    );
    const idle = await idleCpuPerSecond();
    const measureMode = async (selectors: string[] | 'all') => {
      const sampler = new ContainerSampler(EngineApiReader.fromEnv(engine.env), {
        selectors,
        nodeName: 'bench',
        intervalSeconds: 1,
      });
      samplers.push(sampler);
      try {
        return await measure(sampler);
      } finally {
        sampler.close();
      }
    };
    const resAll = await measureMode('all');
    const resNamed = await measureMode(names);

    const line = (mode: string, r: Result) =>
      `${mode.padEnd(18)} ${String(r.rows).padStart(4)} ${[
        r.wall.median,
        r.wall.p95,
        r.wall.max,
        r.cpu.median,
        r.cpu.p95,
        r.cpu.max,
        r.cpuPerPeriod,
        r.cpuPerPeriod - idle,
      ]
        .map((n) => r2(n).toFixed(2).padStart(9))
        .join(' ')}`;
    console.log(
      `containers bench: ${CONTAINERS} running containers, ${TICKS} ticks 1 s apart per mode, engine ${engine.dockerHost}`,
    );
    console.log(
      `${'mode'.padEnd(18)} rows  wall med  wall p95  wall max   cpu med   cpu p95   cpu max  cpu/1s    − idle   (ms)`,
    );
    console.log(line('--all-containers', resAll));
    console.log(line('--container ×10', resNamed));
    const perTick = resAll.cpuPerPeriod - idle;
    console.log(
      `idle process CPU ${r2(idle).toFixed(2)} ms/s (runtime, subtracted); ` +
        `targets (--all-containers): wall ≤ 100 ms ${resAll.wall.median <= 100 ? 'met' : 'MISSED'}, ` +
        `CPU ≤ 5 ms per 1 s tick incl. stream upkeep ${perTick <= 5 ? 'met' : 'MISSED'}`,
    );
    console.log(
      JSON.stringify({
        bench: 'containers',
        containers: CONTAINERS,
        tick_wall_ms: r2(resAll.wall.median),
        tick_cpu_ms: r2(perTick),
      }),
    );
  } finally {
    for (const s of samplers) s.close();
    await engine.release();
  }
}
