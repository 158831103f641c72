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

  it("'ringmon/store' gives the ring without loading the collectors, the Docker client or the dashboard", () => {
    // dockerode and pg are CommonJS: whatever the import pulled in shows in the CommonJS cache.
    const script = `
      import * as store from 'ringmon/store';
      import * as main from 'ringmon';
      console.log(JSON.stringify({
        same: store.RingStore === main.RingStore && store.COLUMNS === main.COLUMNS,
        names: Object.keys(store).sort(),
      }));
    `;
    const alone = `
      import { createRequire } from 'node:module';
      import { RingStore, RingStoreError, COLUMNS } from 'ringmon/store';
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        ok: typeof RingStore.open === 'function' && typeof RingStoreError === 'function' && COLUMNS.length,
        dockerode: loaded.some((f) => f.includes('/dockerode/')),
        pg: loaded.some((f) => f.includes('/node_modules/pg/')),
      }));
    `;
    const run = (code: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    const both = run(script);
    expect(both.stderr).toBe('');
    const exported = JSON.parse(both.stdout) as { same: boolean; names: string[] };
    expect(exported.same).toBe(true);
    expect(exported.names).toEqual(
      expect.arrayContaining(['RingStore', 'RingStoreError', 'RingmonError', 'COLUMNS', 'openSqlClient']),
    );
    const only = run(alone);
    expect(only.stderr).toBe('');
    // pg too is loaded only when a ring opens on a server.
    expect(JSON.parse(only.stdout)).toEqual({ ok: 52, dockerode: false, pg: false });
  });
});
