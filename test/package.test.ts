import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the package', () => {
  it("is importable as 'ringmon' from inside the repository (the exports map, built dist)", () => {
    const script = `
      import { sampleHost, COLUMNS } from 'ringmon';
      const sample = await sampleHost({ intervalSeconds: 0.2 });
      console.log(JSON.stringify({ columns: COLUMNS.length, memTotal: sample.metrics.mem_total_mb }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { columns: number; memTotal: number };
    expect(out.columns).toBe(52); // the spec's CREATE TABLE has 52 columns
    expect(out.memTotal).toBeGreaterThan(0);
  });
});
