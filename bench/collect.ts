/**
 * `npm run bench -- collect`: CPU time per host snapshot, ringmon against two baselines measured in
 * the same run on the same files:
 * - floor: the same kernel files read through descriptors kept open into one reused buffer, no parsing
 *   (what any collector must pay);
 * - systeminformation: the npm package's calls for the same figures (load, memory, disk I/O,
 *   network, temperature), its child processes' CPU included.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import si from 'systeminformation';
import { HostCollector } from '../src/collect/host/collector.js';
import { hostMetrics } from '../src/collect/host/metrics.js';
import { textTable } from '../src/format/text.js';

/** CPU µs used so far by this process and by its children that have ended. */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  // /proc/self/stat fields 16 and 17 (cutime, cstime) are the reaped children's CPU in USER_HZ ticks.
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const childrenTicks = Number(fields[13]) + Number(fields[14]);
  return usage.user + usage.system + childrenTicks * 10_000;
}

async function measure(iterations: number, step: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(50, iterations); i++) await step(); // warm up: JIT, buffers, caches
  const start = cpuMicros();
  for (let i = 0; i < iterations; i++) await step();
  return (cpuMicros() - start) / iterations;
}

export async function run(): Promise<void> {
  const collector = HostCollector.open();
  let previous = collector.snapshot();
  const ringmon = () => {
    const current = collector.snapshot();
    hostMetrics(previous, current);
    previous = current;
  };

  // The floor reads exactly the files ringmon reads, temperature sensors included.
  const paths = ['stat', 'loadavg', 'meminfo', 'diskstats', 'net/dev'].map((f) => join('/proc', f));
  paths.push(...(collector.temperatureSource?.inputs ?? []));
  const fds = paths.map((path) => openSync(path, 'r'));
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const floor = () => {
    for (const fd of fds) readSync(fd, buffer, 0, buffer.length, 0);
  };

  const systeminformation = () =>
    Promise.all([si.currentLoad(), si.mem(), si.disksIO(), si.networkStats('*'), si.cpuTemperature()]);

  const rounds = 3;
  const results = { ringmon: [] as number[], floor: [] as number[], systeminformation: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    results.floor.push(await measure(20_000, floor));
    results.ringmon.push(await measure(20_000, ringmon));
    results.systeminformation.push(await measure(10, systeminformation));
  }
  collector.close();
  for (const fd of fds) closeSync(fd);

  // The median of the rounds: the machine is shared, and one noisy round should not decide.
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ringmonUs = median(results.ringmon);
  const floorUs = median(results.floor);
  const siUs = median(results.systeminformation);
  const row = (name: string, us: number) => [
    name,
    us.toFixed(1),
    (us / floorUs).toFixed(2),
    (us / ringmonUs).toFixed(2),
  ];
  console.log(`collect: CPU per host snapshot (median of ${rounds} rounds; files: ${paths.join(' ')})`);
  console.log(
    textTable(
      [
        ['collector', 'cpu_us', 'x_floor', 'x_ringmon'],
        row('floor (read only)', floorUs),
        row('ringmon', ringmonUs),
        row('systeminformation', siUs),
      ],
      [false, true, true, true],
    ),
  );
  console.log(
    JSON.stringify({
      bench: 'collect',
      ringmon_us: round1(ringmonUs),
      floor_us: round1(floorUs),
      systeminformation_us: round1(siUs),
    }),
  );
}

const round1 = (n: number) => Math.round(n * 10) / 10;
