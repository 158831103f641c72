/**
 * The Engine API reader against recorded responses served by a real HTTP server on a unix socket (and on
 * TCP, and TLS with client certificates): the shapes this machine's engine cannot produce (cgroup v2),
 * DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, unversioned paths, missing containers, restarts
 * seen only through events, and what a tick does when the engine has nothing new.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleInput } from 'ringmon';
import {
  ContainerNotFoundError,
  ContainerSampler,
  DockerUnavailableError,
  dockerEndpointFromEnv,
  EngineApiReader,
  type EngineStats,
  MIB,
  sampleContainers,
} from 'ringmon/docker';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine } from './fake-engine.js';
import { stats } from './fixtures.js';

const V2 = stats('api-examples/stats-cgroupv2-home-assistant-supervisor.json');
const V2_READ_MS = Date.parse('2022-08-17T14:39:53.107Z') + 0.857116;

/**
 * Frame n of a cgroup v2 container built on the recorded v2 body, n seconds after it: per second the
 * container uses 0.5 s of CPU (0.4 user, 0.1 kernel) of the 6-CPU host's 6 s, writes 1 MiB, receives
 * 2 MiB in 100 packets. `restartAt`: from that frame on, counters start again from a higher base
 * (a restart that the counters alone would not show).
 */
function v2Frame(n: number, restartAt = Number.POSITIVE_INFINITY): EngineStats {
  const body = structuredClone(V2);
  const k = n >= restartAt ? n + 100 : n;
  const read = new Date(V2_READ_MS + n * 1000).toISOString().replace('Z', '116Z');
  body.read = read;
  body.cpu_stats.cpu_usage.total_usage = 190 + k * 5e8;
  body.cpu_stats.cpu_usage.usage_in_usermode = 4916544000 + k * 4e8;
  body.cpu_stats.cpu_usage.usage_in_kernelmode = 725181000 + k * 1e8;
  body.cpu_stats.system_cpu_usage = 200 + n * 6e9;
  const io = body.blkio_stats?.io_service_bytes_recursive ?? [];
  for (const e of io) if (e.op === 'write') e.value = 413696 + k * MIB;
  const eth0 = body.networks?.eth0;
  if (eth0) {
    eth0.rx_bytes = 1243260 + k * 2 * MIB;
    eth0.rx_packets = 6214 + k * 100;
  }
  return body;
}

const ID = V2.id ?? '';

function v2Engine(restartAt?: number, tls?: ConstructorParameters<typeof FakeEngine>[0]): FakeEngine {
  const engine = new FakeEngine(tls);
  engine.add({
    id: ID,
    name: 'addon_local_test',
    image: 'ghcr.io/home-assistant/addon:1',
    running: true,
    startedAt: '2022-08-17T14:00:00.000000000Z',
    frame: (n) => v2Frame(n, restartAt),
  });
  return engine;
}

let engines: FakeEngine[] = [];
let samplers: ContainerSampler[] = [];
afterEach(async () => {
  for (const s of samplers) s.close();
  for (const e of engines) await e.close();
  engines = [];
  samplers = [];
});

async function started(engine: FakeEngine, how: 'unix' | 'tcp' = 'unix'): Promise<FakeEngine> {
  engines.push(engine);
  return how === 'unix' ? engine.listenUnix() : engine.listenTcp();
}

function sampler(engine: FakeEngine, selectors: string[] | 'all', warnings: string[] = []): ContainerSampler {
  const s = new ContainerSampler(EngineApiReader.fromEnv({ DOCKER_HOST: engine.dockerHost }), {
    selectors,
    nodeName: 'node-1',
    intervalSeconds: 1,
    onWarning: (m) => warnings.push(m),
  });
  samplers.push(s);
  return s;
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

/** Expected rates of `v2Frame` between any two of its frames (no restart between). */
const V2_RATES = {
  // 0.5e9 / 6e9 × 100 = 8.333… %; user 0.4e9 / 6e9 = 6.666… %; kernel 0.1e9 / 6e9 = 1.666… %.
  cpu_total_pct: (5e8 / 6e9) * 100,
  cpu_user_pct: (4e8 / 6e9) * 100,
  cpu_system_pct: (1e8 / 6e9) * 100,
  disk_read_mb_s: 0,
  disk_write_mb_s: 1,
  // cgroup v2: no io_serviced_recursive.
  disk_read_iops: null,
  disk_write_iops: null,
  net_rx_mb_s: 2,
  net_tx_mb_s: 0,
  net_rx_pkts_s: 100,
  net_tx_pkts_s: 0,
  net_rx_errs_s: 0,
  net_tx_errs_s: 0,
  net_rx_drops_s: 0,
  net_tx_drops_s: 0,
};

function expectV2Rates(row: SampleInput | undefined): void {
  expect(row).toBeDefined();
  for (const [column, value] of Object.entries(V2_RATES)) {
    const got = row?.[column as keyof SampleInput];
    if (value === null) expect(got, column).toBeNull();
    else expect(got as number, column).toBeCloseTo(value, 6);
  }
}

describe('Engine API reader on a unix socket (DOCKER_HOST=unix://…)', () => {
  it('cgroup v2 container: rows with rates between the frames a tick takes; unversioned paths', async () => {
    const engine = await started(v2Engine());
    const s = sampler(engine, ['addon_local_test']);
    const first = await s.tick();
    // First reading: gauges only. 59700000 B → 57 MiB, limit 4e9 B → 3815 MiB, shmem 0.
    expect(first).toEqual([
      expect.objectContaining({
        node_flag: false,
        node_name: 'node-1',
        container_name: 'addon_local_test',
        source: 'docker-api',
        interval_seconds: 1,
        sample_time: Math.floor(V2_READ_MS / 1000),
        c_rss_mb: 56, // 59700000 bytes = 56.9 MiB, rounded down
        c_vsz_mb: 3814,
        c_shared_mb: 0,
        cpu_total_pct: null,
        net_rx_mb_s: null,
      }),
    ]);
    engine.collect();
    const second = await s.tick();
    expectV2Rates(second[0]);
    expect(second[0]?.sample_time).toBe(Math.floor(V2_READ_MS / 1000) + 1);
    // Two rounds between ticks: the rates are over the two seconds between the frames used.
    engine.collect();
    engine.collect();
    await until(() => true);
    expectV2Rates((await s.tick())[0]);
    // Only unversioned paths (the engine here speaks API 1.41 at most): no /v1.xx/ prefix.
    expect(engine.requests.filter((r) => /^GET \/v\d/.test(r))).toEqual([]);
    expect(engine.requests).toContain(`GET /containers/${ID}/stats?stream=true`);
    // One stats stream for the container, however many ticks.
    expect(engine.streams(ID)).toBe(1);
  });

  it('a tick with nothing new from the engine returns no row and keeps the previous reading', async () => {
    const engine = await started(v2Engine());
    const s = sampler(engine, ['addon_local_test']);
    await s.tick();
    const t0 = performance.now();
    // No collector round since: the tick waits at most freshWaitMs (50 ms), then reports nothing.
    expect(await s.tick()).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1000);
    engine.collect();
    expectV2Rates((await s.tick())[0]);
  });

  it('a restart seen only through the start event (counters did not go backwards) → NULL rates once', async () => {
    const engine = await started(v2Engine(2));
    const s = sampler(engine, [ID.slice(0, 12)]);
    await s.tick();
    engine.collect();
    expectV2Rates((await s.tick())[0]);
    // Restart at frame 1's read + 0.5 s: the start event comes before frame 2, whose counters are higher.
    engine.event('start', ID, Math.round((V2_READ_MS + 1500) * 1e6));
    // Events and frames come on different connections; on the engine the frame after a restart waits for
    // the next collector round (up to 1 s), so the event is in first.
    await new Promise((r) => setTimeout(r, 50));
    engine.collect();
    const afterRestart = (await s.tick())[0];
    expect(afterRestart?.cpu_total_pct).toBeNull();
    expect(afterRestart?.disk_write_mb_s).toBeNull();
    expect(afterRestart?.net_rx_mb_s).toBeNull();
    expect(afterRestart?.c_rss_mb).toBe(56);
    engine.collect();
    expectV2Rates((await s.tick())[0]);
  });

  it('a missing container: one warning, then sampled once it appears', async () => {
    const engine = await started(new FakeEngine());
    const warnings: string[] = [];
    const s = sampler(engine, ['late'], warnings);
    expect(await s.tick()).toEqual([]);
    expect(await s.tick()).toEqual([]);
    expect(warnings).toEqual(['no such container: late; it will be sampled when it appears']);
    engine.add({
      id: 'f'.repeat(64),
      name: 'late',
      image: 'x',
      running: true,
      startedAt: '2022-08-17T14:00:00Z',
      frame: (n) => ({ ...v2Frame(n), id: 'f'.repeat(64), name: '/late' }),
    });
    const rows = await s.tick();
    expect(rows.map((r) => r.container_name)).toEqual(['late']);
    expect(warnings).toHaveLength(1);
  });

  it('a stopped container is a warning for the agent and an error for a one-off sample', async () => {
    const engine = await started(v2Engine());
    const c = engine.containers.get(ID)!;
    c.running = false;
    const warnings: string[] = [];
    const s = sampler(engine, ['addon_local_test'], warnings);
    expect(await s.tick()).toEqual([]);
    expect(warnings).toEqual(['container addon_local_test is not running; it will be sampled when it runs']);
    await expect(
      sampleContainers({
        selectors: ['addon_local_test'],
        nodeName: 'n',
        intervalSeconds: 0.1,
        env: { DOCKER_HOST: engine.dockerHost },
      }),
    ).rejects.toThrow('container addon_local_test is not running');
  });

  it('sampleContainers: two readings, one row with rates; a display name; a typed error for a missing one', async () => {
    const engine = await started(v2Engine());
    // The fake sends a frame only on collect(): do one a little after the first reading.
    const timer = setInterval(() => engine.collect(), 60);
    try {
      const rows = await sampleContainers({
        selectors: ['addon_local_test'],
        nodeName: 'n',
        intervalSeconds: 0.2,
        displayNames: { addon_local_test: 'web' },
        env: { DOCKER_HOST: engine.dockerHost },
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]?.container_name).toBe('web');
      expectV2Rates(rows[0]);
    } finally {
      clearInterval(timer);
    }
    const missing = sampleContainers({
      selectors: ['nope'],
      nodeName: 'n',
      env: { DOCKER_HOST: engine.dockerHost },
    });
    await expect(missing).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(missing).rejects.toThrow(/^no such container: nope$/);
  });

  it("'all' follows start and die events without listing every tick", async () => {
    const engine = await started(v2Engine());
    const s = sampler(engine, 'all');
    expect((await s.tick()).map((r) => r.container_name)).toEqual(['addon_local_test']);
    const lists = () => engine.requests.filter((r) => r.startsWith('GET /containers/json')).length;
    expect(lists()).toBe(1);
    const other = 'e'.repeat(64);
    engine.add({
      id: other,
      name: 'second',
      image: 'x',
      running: true,
      startedAt: '2022-08-17T14:00:00Z',
      frame: (n) => ({ ...v2Frame(n), id: other, name: '/second' }),
    });
    engine.event('start', other, Date.now() * 1e6);
    engine.collect();
    // The new container's first frame comes when its stream opens, within this tick or the next.
    let names: string[] = [];
    for (let i = 0; i < 3 && names.length < 2; i++) {
      names = (await s.tick()).map((r) => r.container_name ?? '').sort();
      engine.collect();
    }
    expect(names).toEqual(['addon_local_test', 'second']);
    engine.containers.get(other)!.running = false;
    engine.event('die', other, Date.now() * 1e6);
    await new Promise((r) => setTimeout(r, 50));
    engine.collect();
    expect((await s.tick()).map((r) => r.container_name)).toEqual(['addon_local_test']);
    expect(lists()).toBe(1);
    // The stopped container's stream is closed.
    await until(() => engine.streams(other) === 0);
  });

  it('listContainers: name, ID, image, status', async () => {
    const engine = await started(v2Engine());
    const reader = EngineApiReader.fromEnv({ DOCKER_HOST: engine.dockerHost });
    try {
      expect(await reader.listContainers()).toEqual([
        {
          name: 'addon_local_test',
          id: ID,
          image: 'ghcr.io/home-assistant/addon:1',
          status: 'Up 2 seconds',
          state: 'running',
        },
      ]);
    } finally {
      reader.close();
    }
  });

  it('no engine on the socket: DockerUnavailableError naming the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-no-docker-'));
    try {
      const reader = EngineApiReader.fromEnv({ DOCKER_HOST: `unix://${dir}/docker.sock` });
      await expect(reader.ping()).rejects.toThrow(
        new DockerUnavailableError(`cannot reach the Docker engine at unix://${dir}/docker.sock (ENOENT)`),
      );
      reader.close();
      // Neither the API nor the docker CLI (pointed at the same missing socket): one error for both.
      const both = sampleContainers({
        selectors: ['x'],
        nodeName: 'n',
        env: { DOCKER_HOST: `unix://${dir}/docker.sock` },
      });
      await expect(both).rejects.toBeInstanceOf(DockerUnavailableError);
      await expect(both).rejects.toThrow(
        /^no Docker: cannot reach the Docker engine at unix:\/\/.*\(ENOENT\); /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DOCKER_HOST=tcp://…', () => {
  it('plain TCP', async () => {
    const engine = await started(v2Engine(), 'tcp');
    const rows = await (async () => {
      const s = sampler(engine, ['addon_local_test']);
      await s.tick();
      engine.collect();
      return s.tick();
    })();
    expectV2Rates(rows[0]);
  });

  it('TLS with client certificates from DOCKER_CERT_PATH (DOCKER_TLS_VERIFY=1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-docker-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    // A certificate for a request, signed by the test CA, valid for a day.
    const sign = (csr: string, ext: string, out: string) => {
      const ca = ['-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '1'];
      ssl('x509', '-req', '-in', csr, ...ca, '-extfile', ext, '-out', out);
    };
    try {
      ssl(
        'req',
        '-x509',
        ...ec,
        '-keyout',
        'ca-key.pem',
        '-out',
        'ca.pem',
        '-days',
        '1',
        '-subj',
        '/CN=ringmon test CA',
      );
      ssl('req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
      writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
      ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial');
      sign('server.csr', 'server.ext', 'server-cert.pem');
      ssl('req', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=ringmon');
      writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
      ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-days', '1');
      sign('client.csr', 'client.ext', 'cert.pem');
      const read = (f: string) => readFileSync(join(dir, f));
      const engine = await started(
        v2Engine(undefined, {
          key: read('server-key.pem'),
          cert: read('server-cert.pem'),
          ca: read('ca.pem'),
          requestCert: true,
          rejectUnauthorized: true,
        }),
        'tcp',
      );
      const env = { DOCKER_HOST: engine.dockerHost, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir };
      expect(dockerEndpointFromEnv(env).tls).toBeDefined();
      const reader = EngineApiReader.fromEnv(env);
      try {
        expect((await reader.listContainers()).map((c) => c.name)).toEqual(['addon_local_test']);
      } finally {
        reader.close();
      }
      // Without TLS the server refuses to talk: a connection-level error, not a crash.
      const plain = EngineApiReader.fromEnv({ DOCKER_HOST: engine.dockerHost });
      try {
        await expect(plain.ping()).rejects.toBeInstanceOf(DockerUnavailableError);
      } finally {
        plain.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dockerEndpointFromEnv: the docker CLI rules', () => {
  it('default socket, unix://, tcp:// with default ports', () => {
    expect(dockerEndpointFromEnv({})).toEqual({
      url: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
    });
    expect(dockerEndpointFromEnv({ DOCKER_HOST: 'unix:///tmp/d.sock' })).toEqual({
      url: 'unix:///tmp/d.sock',
      socketPath: '/tmp/d.sock',
    });
    expect(dockerEndpointFromEnv({ DOCKER_HOST: 'tcp://10.1.2.3:2375' })).toEqual({
      url: 'tcp://10.1.2.3:2375',
      host: '10.1.2.3',
      port: 2375,
    });
    expect(dockerEndpointFromEnv({ DOCKER_HOST: 'tcp://[::1]' })).toMatchObject({ host: '::1', port: 2375 });
  });

  it('DOCKER_TLS_VERIFY: any non-empty value, "0" included; certs from DOCKER_CERT_PATH, else ~/.docker', () => {
    const home = mkdtempSync(join(tmpdir(), 'ringmon-home-'));
    try {
      execFileSync('mkdir', ['-p', join(home, '.docker')]);
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(home, '.docker', f), `${f}\n`);
      const e = dockerEndpointFromEnv({ DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '0' }, home);
      expect(e.port).toBe(2376);
      expect(e.tls?.ca.toString()).toBe('ca.pem\n');
      expect(() =>
        dockerEndpointFromEnv(
          { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' },
          home,
        ),
      ).toThrow(/DOCKER_TLS_VERIFY is set but the TLS files in \/nonexistent cannot be read \(ENOENT\)/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('ssh:// and npipe:// are left to the docker CLI fallback', () => {
    expect(() => dockerEndpointFromEnv({ DOCKER_HOST: 'ssh://me@host' })).toThrow(DockerUnavailableError);
  });
});
