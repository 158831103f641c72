import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = new URL('../dist/', import.meta.url).href;

/** Runs an ES module script in a fresh node, in the repository (so 'ringmon' is this package). */
const runModule = (code: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });

/**
 * What importing `specifier` loads, from a fresh node: the ES modules (a loader hook sees each one
 * the loader loads; it runs on its own thread and reports over a port) and the CommonJS cache
 * (dockerode, ssh2 and pg are CommonJS, and their own require()s pass no hook).
 */
function modulesLoadedBy(specifier: string): { esm: string[]; commonJs: string[] } {
  const hooks = `
    let port;
    export function initialize(data) {
      port = data.port;
      port.on('message', () => port.postMessage(null)); // a flush: every URL before it has been sent
      port.unref();
    }
    export async function load(url, context, next) {
      port.postMessage(url);
      return next(url, context);
    }
  `;
  const script = `
    import { createRequire, register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const esm = [];
    const flushed = new Promise((resolve) =>
      port1.on('message', (url) => (url === null ? resolve() : esm.push(url))),
    );
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)}, {
      data: { port: port2 },
      transferList: [port2],
    });
    await import(${JSON.stringify(specifier)});
    // Messages on one port arrive in order: once the flush is answered, every load has been reported.
    port1.postMessage('flush');
    await flushed;
    port1.close();
    const commonJs = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ esm, commonJs }));
  `;
  const result = runModule(script);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { esm: string[]; commonJs: string[] };
}

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
    const both = runModule(script);
    expect(both.stderr).toBe('');
    const exported = JSON.parse(both.stdout) as { same: boolean; names: string[] };
    expect(exported.same).toBe(true);
    expect(exported.names).toEqual(
      expect.arrayContaining(['RingStore', 'RingStoreError', 'RingmonError', 'COLUMNS', 'openSqlClient']),
    );
    const only = runModule(alone);
    expect(only.stderr).toBe('');
    // pg too is loaded only when a ring opens on a server.
    expect(JSON.parse(only.stdout)).toEqual({ ok: 52, dockerode: false, pg: false });
  });

  it("'ringmon' exports its short list beside the store's; Docker and the dashboard have their own entries", () => {
    const script = `
      import * as main from 'ringmon';
      import * as store from 'ringmon/store';
      import * as docker from 'ringmon/docker';
      import * as web from 'ringmon/web';
      console.log(JSON.stringify({
        own: Object.keys(main).filter((name) => !(name in store)).sort(),
        alias: main.CompleteResourceMonitor === main.ResourceMonitor,
        docker: [typeof docker.sampleContainers, typeof docker.ContainerSampler, typeof docker.DockerUnavailableError],
        web: typeof web.startDashboard,
      }));
    `;
    const result = runModule(script);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      own: [
        'CompleteResourceMonitor',
        'DEFAULTS',
        'HostCollector',
        'ResourceMonitor',
        'hostSampleBetween',
        'nodeRow',
        'sampleHost',
      ],
      alias: true,
      docker: ['function', 'function', 'function'],
      web: 'function',
    });
  });

  it("'ringmon' loads no Docker, dashboard or CLI code", () => {
    const main = modulesLoadedBy('ringmon');
    const fromDist = main.esm.filter((url) => url.startsWith(dist)).map((url) => url.slice(dist.length));
    // What the entry is for is there: the monitor, the host collector, the ring.
    expect(fromDist).toEqual(
      expect.arrayContaining(['index.js', 'monitor.js', 'collect/host/collector.js', 'store/ring/ring.js']),
    );
    // Of the page's modules only format.js, the number and time rules the CLI text shares with the
    // page: pure and without imports (src/web/client/format.ts).
    expect(
      fromDist.filter(
        (file) => /^(web|cli|collect\/docker|agent)\//.test(file) && file !== 'web/client/format.js',
      ),
    ).toEqual([]);
    expect(
      main.commonJs.filter((file) => /\/node_modules\/(dockerode|ssh2|docker-modem)\//.test(file)),
    ).toEqual([]);
    // The same probe on 'ringmon/docker' does see the Docker client: it is not blind.
    const docker = modulesLoadedBy('ringmon/docker');
    expect(docker.esm).toContain(`${dist}collect/docker/api-reader.js`);
    expect(docker.commonJs.some((file) => file.includes('/node_modules/dockerode/'))).toBe(true);
  });
});
