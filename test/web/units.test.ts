import { describe, expect, it } from 'vitest';
import { COLUMN_BY_NAME, METRIC_COLUMNS, type SampleRow } from '../../src/columns.js';
import { RingmonError } from '../../src/errors.js';
import { CONTAINER_CHARTS, chartColumns, NODE_CHARTS } from '../../src/web/charts.js';
import { loadAssets, shellHtml } from '../../src/web/server/assets.js';
import { accessPolicy, isLoopback, requestToken, tokenMatches } from '../../src/web/server/auth.js';
import { METRIC_FAMILIES, renderMetrics } from '../../src/web/server/metrics.js';
import { itWithPromtool, promtoolCheck } from './tools.js';

// promlint (promtool check metrics) refuses these as abbreviated units in a name part.
const ABBREVIATED = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

function row(values: Partial<SampleRow>): Partial<SampleRow> {
  return { sample_time: 1_800_000_000, interval_seconds: 1, ...values };
}

describe('Prometheus families', () => {
  it('has one gauge family per metric column of columns.ts, with a unique, lint-clean name', () => {
    const fromColumns = METRIC_FAMILIES.filter((f) => METRIC_COLUMNS.some((c) => c.name === f.column));
    expect(fromColumns.map((f) => f.column)).toEqual(METRIC_COLUMNS.map((c) => c.name));
    const names = METRIC_FAMILIES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^ringmon_[a-z0-9_]+$/);
      for (const part of name.split('_')) expect(ABBREVIATED).not.toContain(part);
    }
    expect(names).toContain('ringmon_cpu_user_ratio');
    expect(names).toContain('ringmon_mem_available_bytes');
    expect(names).toContain('ringmon_disk_read_bytes_per_second');
    expect(names).toContain('ringmon_ctx_switches_per_second');
    expect(names).toContain('ringmon_disk_read_iops');
    expect(names).toContain('ringmon_temperature_celsius');
  });

  it('takes HELP from the column help text and names the ring column', () => {
    const user = METRIC_FAMILIES.find((f) => f.column === 'cpu_user_pct');
    expect(user?.help).toContain(COLUMN_BY_NAME.get('cpu_user_pct')?.help);
    expect(user?.help).toContain('ring column cpu_user_pct');
  });

  it('converts to base units, skips NULLs and labels host rows with container=""', () => {
    const text = renderMetrics([
      row({ node_flag: true, node_name: 'a', container_name: null, cpu_user_pct: 33.3, mem_total_mb: 2 }),
      row({ node_flag: false, node_name: 'a', container_name: 'web', c_rss_mb: 1, net_rx_mb_s: 0.5 }),
    ]);
    expect(text).toContain('ringmon_cpu_user_ratio{node="a",container=""} 0.333\n');
    expect(text).toContain('ringmon_mem_total_bytes{node="a",container=""} 2097152\n');
    expect(text).toContain('ringmon_c_rss_bytes{node="a",container="web"} 1048576\n');
    expect(text).toContain('ringmon_net_rx_bytes_per_second{node="a",container="web"} 524288\n');
    expect(text).toContain('ringmon_sample_timestamp_seconds{node="a",container=""} 1800000000\n');
    expect(text).not.toMatch(/ringmon_cpu_user_ratio\{node="a",container="web"\}/);
    expect(text).toMatch(/^# HELP ringmon_cpu_user_ratio .+\n# TYPE ringmon_cpu_user_ratio gauge\n/);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values and never repeats a series', () => {
    const hostile = 'x"} 1\nevil_metric{a="\\';
    const text = renderMetrics([
      row({ node_flag: true, node_name: hostile, container_name: null, load_1m: 1 }),
      row({ node_flag: true, node_name: hostile, container_name: null, load_1m: 2 }),
    ]);
    const lines = text.split('\n').filter((l) => l.startsWith('ringmon_load_1m'));
    expect(lines).toEqual(['ringmon_load_1m{node="x\\"} 1\\nevil_metric{a=\\"\\\\",container=""} 1']);
    expect(text).not.toMatch(/^evil_metric/m);
  });

  itWithPromtool('is accepted by promtool check metrics, hostile and unicode names included', () => {
    const full = Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c.name, i + 0.5]));
    const text = renderMetrics([
      row({ ...full, node_flag: true, node_name: 'ノード-ü "q" \\ \n', container_name: null }),
      row({ ...full, node_flag: false, node_name: "'; DROP TABLE x; --", container_name: '<b>c</b>' }),
      row({ node_flag: true, node_name: 'empty', container_name: null }),
    ]);
    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('access', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(a)).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '128.0.0.1']) {
      expect(isLoopback(a)).toBe(false);
    }
  });

  it('refuses a non-loopback bind without a token unless insecure, and short tokens', () => {
    expect(() => accessPolicy({ bind: '0.0.0.0' })).toThrow(/--token.*--insecure/);
    expect(() => accessPolicy({ bind: '0.0.0.0' })).toThrow(RingmonError);
    expect(accessPolicy({ bind: '0.0.0.0', insecure: true })).toBeUndefined();
    expect(accessPolicy({ bind: '127.0.0.1' })).toBeUndefined();
    expect(() => accessPolicy({ bind: '127.0.0.1', token: 'short' })).toThrow(/at least 16 characters/);
    expect(() => accessPolicy({ bind: '0.0.0.0', token: 'has a space in it!!' })).toThrow(/no spaces/);
    expect(accessPolicy({ bind: '0.0.0.0', token: 'a'.repeat(16) })).toBe('a'.repeat(16));
  });

  it('reads the token from a bearer header first, then ?token=', () => {
    const q = new URLSearchParams('token=fromquery');
    expect(requestToken('Bearer abc', q)).toBe('abc');
    expect(requestToken('bearer   abc  ', q)).toBe('abc');
    expect(requestToken('Basic abc', q)).toBe('fromquery');
    expect(requestToken(undefined, new URLSearchParams())).toBeNull();
    expect(tokenMatches('secret', 'secret')).toBe(true);
    expect(tokenMatches('secret', 'secreT')).toBe(false);
    expect(tokenMatches('secret', null)).toBe(false);
  });
});

describe('pages', () => {
  it('charts what the issue lists, each from columns of its own kind of row', () => {
    expect(NODE_CHARTS.map((c) => c.id)).toEqual([
      'cpu',
      'load',
      'memory',
      'disk',
      'iops',
      'util',
      'net',
      'packets',
      'errors',
      'temperature',
    ]);
    expect(NODE_CHARTS.find((c) => c.id === 'cpu')?.stacked).toBe(true);
    expect(CONTAINER_CHARTS.map((c) => c.id)).toEqual(['cpu', 'memory', 'disk', 'iops', 'net', 'packets']);
    expect(chartColumns(CONTAINER_CHARTS)).toContain('c_vsz_mb');
    for (const chart of [...NODE_CHARTS, ...CONTAINER_CHARTS]) {
      for (const s of chart.series) expect(COLUMN_BY_NAME.get(s.column)?.unit).toBe(chart.unit);
    }
  });

  it('serves every module the page imports, and a shell whose config cannot end its script block', () => {
    const assets = loadAssets();
    // The module graph from the shell's entry, followed through the compiled files' static imports.
    const seen = new Set<string>();
    const pending = ['dashboard.js'];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const found = assets.get(name);
      expect(found, `${name} is served`).toBeDefined();
      expect(found?.type).toBe('text/javascript; charset=utf-8');
      const text = found?.body.toString('utf8') ?? '';
      const imports = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map(
        (m) => m[1] ?? '',
      );
      // A bare specifier ('uplot') would need an import map, which the CSP forbids as an inline script.
      for (const spec of imports) expect(spec, `${name} imports ${spec}`).toMatch(/^\.\/[\w-]+\.js$/);
      pending.push(...imports.map((spec) => spec.slice(2)));
    }
    expect([...seen]).toEqual(expect.arrayContaining(['dashboard.js', 'api.js', 'chart.js', 'format.js']));
    expect(assets.get('dashboard.css')?.body.toString('utf8')).toContain('figure.chart');
    const html = shellHtml();
    expect(html).toContain('<script type="module" src="assets/dashboard.js"></script>');
    const json = /<script id="ringmon-config" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(json).toBeDefined();
    expect(json).not.toContain('<');
    const config = JSON.parse(json ?? '{}') as { nodeCharts: unknown[]; maxPoints: number };
    expect(config.nodeCharts).toHaveLength(NODE_CHARTS.length);
    // No URL leaves the server: every asset is relative.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
