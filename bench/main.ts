/**
 * `npm run bench -- NAME [NAME …]` runs the benchmarks named (all when none is named).
 * Each bench/NAME.ts exports `run(): Promise<void>`, prints a readable table and, last, one JSON line.
 */
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  const mod = (await import(new URL(`./${name}.ts`, here).href)) as { run: () => Promise<void> };
  await mod.run();
}
