/**
 * `npm run bench -- containers`: container-sampler ticks against a real engine with 10 running containers,
 * Engine API reader, once a second (the engine refreshes container stats once a second). Per tick: wall
 * time of `tick()`, this process's CPU time during `tick()`, and this process's CPU time over the whole
 * second (which adds the background work of the stats streams: receiving one frame a second per container).
 * Targets (issue 4): ≤ 100 ms wall and ≤ 5 ms CPU per tick; the JSON line reports the median wall time and
 * the whole-second CPU (the larger, honest figure). The engine comes from RINGMON_TEST_DOCKER_HOST, or is
 * started with scripts/docker-engine.sh when run as root.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerSampler, EngineApiReader } from '../src/collect/docker/index.js';
import { acquireEngine, TEST_LABEL } from '../test/docker/live-engine.js';

const CONTAINERS = 10;
const WARMUP = 2;
const TICKS = 15;
const PERIOD_MS = 1000;

interface Stats {
  median: number;
  p95: number;
  max: number;
}

function summarize(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? Number.NaN };
}

interface Result {
  wall: Stats;
  cpu: Stats;
  /** Process CPU over all measured periods ÷ ticks, ms. */
  cpuPerPeriod: number;
  rows: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

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

const r2 = (n: number) => Math.round(n * 100) / 100;

export async function run(): Promise<void> {
  const found = await acquireEngine();
  if (!found.engine) {
    console.log(`containers bench skipped: ${found.reason}`);
    return;
  }
  const engine = found.engine;
  const names = Array.from({ length: CONTAINERS }, (_, i) => `ringmon-bench-${i}`);
  let samplers: ContainerSampler[] = [];
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
    const open = (selectors: string[] | 'all') =>
      new ContainerSampler(EngineApiReader.fromEnv(engine.env), {
        selectors,
        nodeName: 'bench',
        intervalSeconds: 1,
      });
    samplers = [open('all'), open(names)];
    const [all, named] = samplers as [ContainerSampler, ContainerSampler];
    const resAll = await measure(all);
    const resNamed = await measure(named);

    const line = (mode: string, r: { wall: Stats; cpu: Stats; rows: number }) =>
      `${mode.padEnd(22)} ${String(r.rows).padStart(4)} ${[
        r.wall.median,
        r.wall.p95,
        r.wall.max,
        r.cpu.median,
        r.cpu.p95,
        r.cpu.max,
      ]
        .map((n) => r2(n).toFixed(2).padStart(9))
        .join(' ')}`;
    console.log(
      `containers bench: ${CONTAINERS} running containers, ${TICKS} ticks each, engine ${engine.dockerHost}`,
    );
    console.log(
      `${'mode'.padEnd(22)} rows  wall med  wall p95  wall max   cpu med   cpu p95   cpu max  cpu/1s-tick   (ms)`,
    );
    console.log(line('--all-containers', resAll));
    console.log(line('--container ×10', resNamed));
    console.log(
      `targets (--all-containers): wall median ≤ 100 ms ${resAll.wall.median <= 100 ? 'met' : 'MISSED'}; ` +
        `CPU per 1 s tick incl. stream upkeep ≤ 5 ms ${resAll.cpuPerPeriod <= 5 ? 'met' : 'MISSED'}`,
    );
    console.log(
      JSON.stringify({
        bench: 'containers',
        containers: CONTAINERS,
        tick_wall_ms: r2(resAll.wall.median),
        tick_cpu_ms: r2(resAll.cpuPerPeriod),
      }),
    );
  } finally {
    for (const s of samplers) s.close();
    await engine.release();
  }
}
