/**
 * `npm run bench -- import`: what each entry point costs to import, over a bare node in the same
 * run. Each sample is a fresh `node` that imports the entry and prints `performance.now()` at the
 * end of its script (which counts from the process's time origin), so the spawn and the exit stay
 * out of it; the baseline is the same node printing it without importing anything. Pairs are
 * interleaved, so a burst of load from other processes weighs on both sides of a pair. Target:
 * `ringmon` ≤ 50 ms over the baseline (it loads no Docker, web or CLI code; test/package.test.ts
 * checks that part).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { textTable } from '../src/format/text.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = ['ringmon', 'ringmon/store', 'ringmon/docker', 'ringmon/web'] as const;
const PAIRS = 15;
const TARGET_MS = 50;

function scriptEndMs(args: string[]): { ms: number; rssMiB: number } {
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.trim()}`);
  const [ms, rss] = result.stdout.trim().split(' ').map(Number);
  return { ms: ms!, rssMiB: rss! / 2 ** 20 };
}

const REPORT = 'console.log(performance.now() + " " + process.memoryUsage().rss);';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function run(): Promise<void> {
  const bare = ['--input-type=module', '-e', REPORT];
  const rows: { entry: string; ms: number; rssMiB: number; baseMs: number }[] = [];
  for (const entry of ENTRIES) {
    const importing = ['--input-type=module', '-e', `import '${entry}'; ${REPORT}`];
    // Once each first: the first run of a file pays for reading it from disk.
    scriptEndMs(bare);
    scriptEndMs(importing);
    const costs: number[] = [];
    const rss: number[] = [];
    const base: number[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const b = scriptEndMs(bare);
      const i = scriptEndMs(importing);
      costs.push(i.ms - b.ms);
      rss.push(i.rssMiB - b.rssMiB);
      base.push(b.ms);
    }
    rows.push({ entry, ms: median(costs), rssMiB: median(rss), baseMs: median(base) });
  }
  const main = rows[0]!;
  console.log(
    `import: cost of each entry over a bare node (median of ${PAIRS} interleaved pairs; target ringmon ≤ ${TARGET_MS} ms)`,
  );
  console.log(
    textTable(
      [
        ['entry', 'import_ms', 'rss_MiB', 'x_ringmon'],
        ...rows.map((r) => [r.entry, r.ms.toFixed(1), r.rssMiB.toFixed(1), (r.ms / main.ms).toFixed(2)]),
      ],
      [false, true, true, true],
    ),
  );
  console.log(`bare node: ${median(rows.map((r) => r.baseMs)).toFixed(1)} ms to the end of its script`);
  console.log(
    JSON.stringify({
      bench: 'import',
      target_ms: TARGET_MS,
      within_target: main.ms <= TARGET_MS,
      ...Object.fromEntries(rows.map((r) => [`${r.entry.replace('/', '_')}_ms`, Math.round(r.ms * 10) / 10])),
      ...Object.fromEntries(
        rows.map((r) => [`${r.entry.replace('/', '_')}_rss_mib`, Math.round(r.rssMiB * 10) / 10]),
      ),
    }),
  );
}
