/**
 * The JSON API and /metrics over HTTP, against a filled ring on both backends: what it answers, what
 * it refuses (400 with one line of JSON), hostile values, and who may ask (token mode).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_COLUMNS } from '../../src/columns.js';
import { RingmonError } from '../../src/errors.js';
import type { RingStore } from '../../src/store/ring/ring.js';
import { type Dashboard, PEAK_MAX_ROWS, startDashboard } from '../../src/web/index.js';
import type { NodesResponse, SamplesResponse } from '../../src/web/server/api.js';
import { type Backend, forEachBackend, uniqueTable } from '../store/backends.js';
import { fillFleet } from './fleet.js';
import { itWithPromtool, promtoolCheck } from './tools.js';

const NOW = 1_800_000_000;
const HOSTILE_NODE = 'ノード-ü "q" \\ <b>x</b>';
const INJECTION = "'; DROP TABLE x; --";
const TOKEN = 'test-token-0123456789abcdef';
const SPIKE = 97.5;
const SPIKE_AT = NOW - 1234;

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the pages and /metrics
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A request with a Host header of our choosing, which fetch() does not allow. */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request line of our choosing (`GET http://[`), which no HTTP client sends: written on a socket. */
function rawStatus(base: string, target: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

forEachBackend('dashboard API', (backend: Backend) => {
  let store: RingStore;
  let dashboard: Dashboard;
  let base: string;
  let table: string;
  let rowsFilled: number;
  const api = (path: string, init?: RequestInit) => get(`${base}${path}`, init);

  beforeAll(async () => {
    table = uniqueTable('webapi');
    store = await backend.open({ tableName: table, capacity: 10_000 });
    rowsFilled = await fillFleet((t, v) => backend.sql(t, v), store, [
      { node: 'alpha', end: NOW, rows: 600, master: true },
      { node: 'alpha', container: 'web', end: NOW, rows: 600 },
      { node: 'alpha', container: 'db', end: NOW, rows: 600 },
      // Stopped an hour ago, sampling every 5 s: stale.
      { node: 'beta', end: NOW - 3600, rows: 100, interval: 5 },
      // Host rows under both master_flag values (the master moved): the read probes both.
      { node: 'gamma', end: NOW - 300, rows: 300 },
      { node: 'gamma', end: NOW, rows: 300, master: true },
      // More rows than a chart draws: it shows each step's maxima, where one spike must survive.
      { node: 'delta', end: NOW, rows: 7_000 },
      { node: HOSTILE_NODE, end: NOW, rows: 50 },
      { node: HOSTILE_NODE, container: INJECTION, end: NOW, rows: 50 },
    ]);
    // One second at 97.5 % user CPU, far above the fleet's waves (≤ 30 %).
    await backend.sql(
      `UPDATE "${table}" SET cpu_user_pct = $1 WHERE node_name = 'delta' AND sample_time = $2`,
      [SPIKE, SPIKE_AT],
    );
    dashboard = await startDashboard({ store, port: 0, now: () => NOW * 1000 + 2500 });
    base = dashboard.url;
  });

  afterAll(async () => {
    await dashboard?.close();
    await store?.close();
    await backend.drop(table);
  });

  it('lists every node with its containers, newest rows, ages and stale markers', async () => {
    const res = await api('api/nodes');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = res.json as NodesResponse;
    expect(body.now).toBe(NOW + 2);
    expect(body.nodes.map((n) => n.node)).toEqual(['alpha', 'beta', 'delta', 'gamma', HOSTILE_NODE]);
    const [alpha, beta, , gamma, hostile] = body.nodes;
    expect(alpha?.containers.map((c) => c.container)).toEqual(['db', 'web']);
    expect(alpha?.latest?.sample_time).toBe(NOW);
    expect(alpha?.age_seconds).toBe(2);
    expect(alpha?.stale).toBe(false);
    expect(alpha?.containers.every((c) => c.latest.sample_time === NOW && !c.stale)).toBe(true);
    expect(beta?.stale).toBe(true);
    expect(beta?.age_seconds).toBe(3602);
    expect(gamma?.latest?.master_flag).toBe(true);
    expect(hostile?.containers.map((c) => c.container)).toEqual([INJECTION]);
    // Seven writers at 1 Hz (beta is quiet): a 10,000-row ring turns over in 24 min.
    expect(body.history).toMatchObject({
      capacity: 10_000,
      rows_per_second: 7,
      turnover_seconds: 1429,
      short: true,
      capacity_for_an_hour: 25_200,
    });
    expect(body.history.nodes.find((n) => n.node_name === 'alpha')).toEqual({
      node_name: 'alpha',
      rows_per_second: 3,
      share_pct: 42.857,
      history_seconds: 1429,
    });
    expect(body.history.node_share).toBeNull();
  });

  it("reports each node's history by its own share when the ring is shared out per node", async () => {
    const sharedTable = uniqueTable('webshare');
    const shared = await backend.open({ tableName: sharedTable, capacity: 4000, nodeShare: 1000 });
    const board = await startDashboard({ store: shared, port: 0, now: () => NOW * 1000 + 500 });
    try {
      await fillFleet((t, v) => backend.sql(t, v), shared, [
        { node: 'noisy', end: NOW, rows: 900 },
        { node: 'noisy', container: 'web', end: NOW, rows: 900 },
        { node: 'quiet', end: NOW, rows: 300 },
      ]);
      const body = (await get(`${board.url}api/nodes`)).json as NodesResponse;
      expect(body.history).toMatchObject({
        capacity: 4000,
        node_share: 1000,
        turnover_seconds: 500,
        short: true,
      });
      expect(body.history.share_for_an_hour).toBe(7200);
      expect(body.history.nodes).toEqual([
        { node_name: 'noisy', rows_per_second: 2, share_pct: 25, history_seconds: 500 },
        { node_name: 'quiet', rows_per_second: 1, share_pct: 25, history_seconds: 1000 },
      ]);
    } finally {
      await board.close();
      await shared.close();
      await backend.drop(sharedTable);
    }
  });

  it("returns a node's host rows oldest first: the newest `limit`, or those since a time", async () => {
    const last10 = (await api('api/samples?node=alpha&limit=10')).json as SamplesResponse;
    expect(last10.count).toBe(10);
    expect(last10.step).toBeNull();
    expect(last10.rows.map((r) => r.sample_time)).toEqual(Array.from({ length: 10 }, (_, i) => NOW - 9 + i));
    expect(last10.rows.every((r) => r.node_flag === true && r.container_name === null)).toBe(true);
    expect(Object.keys(last10.rows[0] ?? {})).toHaveLength(52);

    const since = (await api(`api/samples?node=alpha&since=${NOW - 99}`)).json as SamplesResponse;
    expect(since.count).toBe(100);
    expect(since.rows[0]?.sample_time).toBe(NOW - 99);

    const gamma = (await api('api/samples?node=gamma&limit=5000')).json as SamplesResponse;
    expect(gamma.count).toBe(600);
    expect(new Set(gamma.rows.map((r) => r.master_flag))).toEqual(new Set([true, false]));
    expect(gamma.rows.map((r) => r.sample_time)).toEqual(
      Array.from({ length: 600 }, (_, i) => NOW - 599 + i),
    );
  });

  it("returns a container's rows on one node, or of that name on every node", async () => {
    const web = (await api(`api/samples?node=alpha&container=web&since=${NOW - 9}`)).json as SamplesResponse;
    expect(web.count).toBe(10);
    expect(web.rows.every((r) => r.container_name === 'web' && r.node_name === 'alpha')).toBe(true);
    const anyNode = (await api('api/samples?container=db&limit=3')).json as SamplesResponse;
    expect(anyNode.rows.map((r) => r.container_name)).toEqual(['db', 'db', 'db']);
    const everything = (await api('api/samples?limit=7')).json as SamplesResponse;
    expect(everything.count).toBe(7);
    expect(everything.rows.at(-1)?.sample_time).toBe(NOW);
  });

  it('averages over a step, and with `points` returns every row unless the window holds more', async () => {
    const avg = (
      await api(`api/samples?node=alpha&since=${NOW - 599}&step=60&fields=cpu_total_pct,mem_total_mb`)
    ).json as SamplesResponse;
    expect(avg.step).toBe(60);
    // Steps are aligned to multiples of 60 s, and NOW is one: a part-step at each end.
    expect(avg.rows.map((r) => r.sample_time)).toEqual(
      Array.from({ length: 11 }, (_, i) => NOW - 600 + 60 * i),
    );
    expect(avg.rows.map((r) => r.samples)).toEqual([59, ...Array(9).fill(60), 1]);
    expect(avg.rows.every((r) => r.mem_total_mb === 16000)).toBe(true);
    expect(avg.rows.every((r) => typeof r.cpu_total_pct === 'number')).toBe(true);

    const all = (await api('api/samples?node=alpha&points=1000')).json as SamplesResponse;
    expect(all.step).toBeNull();
    expect(all.count).toBe(600);

    const fewer = (await api('api/samples?node=alpha&points=100&fields=load_1m')).json as SamplesResponse;
    expect(fewer.mode).toBe('max');
    expect(fewer.step).toBe(Math.ceil(600 / 99));
    const buckets = await backend.sql<{ n: number }>(
      `SELECT count(DISTINCT sample_time / $1)::integer AS n FROM "${table}" WHERE node_name = 'alpha' AND node_flag`,
      [fewer.step],
    );
    expect(fewer.count).toBe(buckets[0]?.n);
    expect(fewer.count).toBeLessThanOrEqual(100);
    expect(Object.keys(fewer.rows[0] ?? {})).toEqual([
      'sample_time',
      'samples',
      'interval_seconds',
      'load_1m',
    ]);
    expect(fewer.rows.every((r) => r.interval_seconds === 1)).toBe(true);
  });

  it("gives each step's maxima, so a one-second spike shows at its height", async () => {
    expect(PEAK_MAX_ROWS).toBeGreaterThanOrEqual(86_400);
    const res = (await api('api/samples?node=delta&points=100&fields=cpu_user_pct')).json as SamplesResponse;
    expect(res.mode).toBe('max');
    expect(res.step).toBe(Math.ceil(7_000 / 99));
    const maxima = await backend.sql<{ t: number | string; v: number; n: number }>(
      `SELECT (sample_time / $1) * $1 AS t, max(cpu_user_pct)::float8 AS v, count(*)::integer AS n
         FROM "${table}" WHERE node_name = 'delta' AND node_flag GROUP BY 1 ORDER BY 1`,
      [res.step],
    );
    expect(res.rows.map((r) => [Number(r.sample_time), r.cpu_user_pct, r.samples])).toEqual(
      maxima.map((m) => [Number(m.t), m.v, m.n]),
    );
    // The spike is one row of 71 in its step: an average would show it at ~1/71 of its height.
    const peak = res.rows.find((r) => r.cpu_user_pct === SPIKE);
    expect(peak?.sample_time).toBe(Math.floor(SPIKE_AT / (res.step ?? 1)) * (res.step ?? 1));
    expect(res.rows.reduce((n, r) => n + Number(r.samples), 0)).toBe(7_000);

    const rows = (await api(`api/samples?node=delta&points=100&since=${NOW - 99}`)).json as SamplesResponse;
    expect([rows.mode, rows.step, rows.count]).toEqual(['rows', null, 100]);
  });

  it('samples the first row of each step when a window holds more rows than it may visit', async () => {
    const res = await store.chart({ node: 'delta', fields: ['cpu_user_pct'] }, 100, 5_000);
    expect(res.mode).toBe('sample');
    expect(res.step).toBe(Math.ceil(7_000 / 99));
    const firsts = await backend.sql<{ t: number | string }>(
      `SELECT min(sample_time) AS t FROM "${table}" WHERE node_name = 'delta' AND node_flag
        GROUP BY sample_time / $1 ORDER BY 1`,
      [res.step],
    );
    expect(res.rows.map((r) => r.sample_time)).toEqual(firsts.map((f) => Number(f.t)));
    expect(res.rows.every((r) => r.node_name === 'delta' && typeof r.id === 'number')).toBe(true);
    // With a budget the window fits in, the same read finds the peaks.
    expect((await store.chart({ node: 'delta', fields: ['cpu_user_pct'] }, 100, 7_000)).mode).toBe('max');
  });

  it('returns only the fields asked for, besides the identity columns', async () => {
    const res = (await api('api/samples?node=alpha&limit=1&fields=cpu_total_pct,load_1m'))
      .json as SamplesResponse;
    expect(Object.keys(res.rows[0] ?? {})).toEqual([
      'id',
      'sample_time',
      'node_flag',
      'node_name',
      'container_name',
      'interval_seconds',
      'cpu_total_pct',
      'load_1m',
    ]);
  });

  const bad: [string, RegExp][] = [
    ['since=abc', /^since must be a whole number/],
    ['since=-5', /^since must be a whole number/],
    ['since=1e400', /^since must be a whole number/],
    ['since=1.5', /^since must be a whole number/],
    [`since=${'9'.repeat(400)}`, /^since must be a whole number/],
    ['since=99999999999999999', /^since must be a whole number/],
    ['limit=0', /^limit must be a whole number from 1 to 10000/],
    ['limit=10001', /^limit must be a whole number/],
    ['limit=', /^limit must be a whole number/],
    ['step=0', /^step must be a whole number/],
    ['points=1', /^points must be a whole number/],
    ['points=5&limit=3', /^points chooses the step/],
    ['fields=nope', /^fields must be a comma-separated list/],
    ['fields=cpu_total_pct;drop', /^fields must be a comma-separated list/],
    ['fields=id', /^fields must be a comma-separated list/],
    ['node=', /^node must not be empty/],
    ['node=a%00b', /^node must not contain NUL/],
    [`node=${'x'.repeat(256)}`, /^node must be at most 255 characters/],
    ['container=%00', /^container must not contain NUL/],
    ['node=a&node=b', /^parameter "node" is given more than once/],
    ['nodes=a', /^unknown parameter "nodes"; allowed: node, container/],
    [`${encodeURIComponent(INJECTION)}=1`, /^unknown parameter/],
  ];
  it.each(bad)('answers 400 with one line of JSON for ?%s', async (query, message) => {
    const res = await api(`api/samples?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const error = (res.json as { error: string }).error;
    expect(error).toMatch(message);
    expect(error).not.toMatch(/\n|at .*\.ts:/);
    expect(Object.keys(res.json as object)).toEqual(['error']);
  });

  it('refuses parameters on /api/nodes', async () => {
    const res = await api('api/nodes?x=1');
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toBe('unknown parameter "x"; this endpoint takes none');
  });

  it('treats hostile values as plain values: nothing runs, the table is intact', async () => {
    const drop = (await api(`api/samples?node=${encodeURIComponent(INJECTION)}`)).json as SamplesResponse;
    expect(drop.count).toBe(0);
    const both = (
      await api(
        `api/samples?node=${encodeURIComponent(HOSTILE_NODE)}&container=${encodeURIComponent(INJECTION)}&limit=5`,
      )
    ).json as SamplesResponse;
    expect(both.count).toBe(5);
    expect(both.rows.every((r) => r.node_name === HOSTILE_NODE && r.container_name === INJECTION)).toBe(true);
    const emoji = await api(`api/samples?node=${encodeURIComponent('😀\u202e%s%n\u0024{x}')}&since=0`);
    expect(emoji.status).toBe(200);
    expect((emoji.json as SamplesResponse).count).toBe(0);
    const count = await backend.sql<{ n: number }>(`SELECT count(*)::integer AS n FROM "${table}"`);
    expect(count[0]?.n).toBe(rowsFilled);
  });

  it('answers 405 to other methods, 404 to unknown paths, and HEAD without a body', async () => {
    const post = await api('api/nodes', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await api('api/nope');
    expect(missing.status).toBe(404);
    expect((missing.json as { error: string }).error).toMatch(/^no such page/);
    const head = await api('api/nodes', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    // A request target that is no URL is the client's mistake: 400, not 500.
    expect(await rawStatus(base, 'http://[')).toBe('HTTP/1.1 400 Bad Request');
  });

  it('serves the pages with a strict content security policy and uPlot from the package', async () => {
    const page = await api('node?name=alpha');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const uplot = await api('assets/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.text).toContain('uPlot');
    const again = await api('assets/uPlot.iife.min.js', {
      headers: { 'if-none-match': uplot.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('refuses requests that name another host (DNS rebinding) while open on loopback', async () => {
    expect(await getWithHost(`${base}api/nodes`, 'evil.example:80')).toBe(403);
    expect(await getWithHost(`${base}api/nodes`, `localhost:${new URL(base).port}`)).toBe(200);
  });

  it('exposes the newest sample of each node and container on /metrics', async () => {
    const res = await api('metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const c of METRIC_COLUMNS)
      expect(res.text).toMatch(new RegExp(`# HELP \\S+ .*ring column ${c.name}\\b`));
    expect(res.text).toContain('ringmon_mem_total_bytes{node="alpha",container=""} 16777216000\n');
    expect(res.text).toContain(`ringmon_sample_timestamp_seconds{node="beta",container=""} ${NOW - 3600}\n`);
    expect(res.text).toContain('node="ノード-ü \\"q\\" \\\\ <b>x</b>",container="\'; DROP TABLE x; --"');
  });

  itWithPromtool('serves /metrics that promtool check metrics accepts', async () => {
    const res = await api('metrics');
    const check = promtoolCheck(res.text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });

  describe('with a token', () => {
    let secured: Dashboard;
    beforeAll(async () => {
      secured = await startDashboard({ store, port: 0, token: TOKEN });
    });
    afterAll(() => secured?.close());

    it('answers 401 without the token or with a wrong one, on data and pages alike', async () => {
      for (const path of ['api/nodes', 'api/samples?node=alpha', 'metrics', '', 'node?name=alpha']) {
        const res = await get(`${secured.url}${path}`);
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ringmon"');
        expect((res.json as { error: string }).error).toMatch(/^a token is required/);
      }
      const wrong = await get(`${secured.url}api/nodes`, { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      expect((await get(`${secured.url}api/nodes?token=${TOKEN.slice(0, -1)}`)).status).toBe(401);
    });

    it('accepts it as a bearer header or ?token=, and serves assets without it', async () => {
      const bearer = await get(`${secured.url}api/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(bearer.status).toBe(200);
      expect((await get(`${secured.url}metrics?token=${TOKEN}`)).status).toBe(200);
      expect((await get(`${secured.url}api/samples?node=alpha&limit=1&token=${TOKEN}`)).status).toBe(200);
      expect((await get(`${secured.url}?token=${TOKEN}`)).status).toBe(200);
      expect((await get(`${secured.url}assets/dashboard.js`)).status).toBe(200);
    });

    it('is required for a non-loopback address unless insecure is explicit', async () => {
      await expect(startDashboard({ store, port: 0, bind: '0.0.0.0' })).rejects.toThrow(RingmonError);
      await expect(startDashboard({ store, port: 0, bind: '0.0.0.0' })).rejects.toThrow(
        'binding the dashboard to 0.0.0.0 exposes it beyond this machine: give a token (--token) or accept that with --insecure',
      );
      await expect(startDashboard({ store, port: 0, token: 'short' })).rejects.toThrow(/at least 16/);
      const open = await startDashboard({ store, port: 0, bind: '0.0.0.0', insecure: true });
      await open.close();
    });
  });

  it('says which port is taken', async () => {
    const port = Number(new URL(base).port);
    await expect(startDashboard({ store, port })).rejects.toThrow(
      `cannot listen on 127.0.0.1 port ${port}: the port is in use: choose another --port`,
    );
    await expect(startDashboard({ store, port: 70_000 })).rejects.toThrow(
      /port 70000 must be a whole number/,
    );
  });
});
