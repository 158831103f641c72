/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, over a ring in a
 * PGlite data directory, in token mode (so the pages must carry the token to every request they make).
 * Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { openSqlClient, type SqlClient } from '../../src/store/client/sql-client.js';
import { RingStore } from '../../src/store/ring/ring.js';
import type { Row } from '../../src/web/client/answers.js';
import { type Dashboard, NODE_CHARTS, startDashboard } from '../../src/web/index.js';
import { fillFleet } from './fleet.js';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, itWithChromium } from './tools.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TOKEN = 'browser-test-token-0123456789';
const NOW = Math.floor(Date.now() / 1000);
const HOSTILE = '<img src=x onerror="window.__pwned=1">ノード';
const INJECTION = '"\'; DROP TABLE x; --';
const MAX_POINTS = 1500;
/** gappy's agent stopped for five minutes: its rows end here, and start again 300 s later. */
const OUTAGE_FROM = NOW - 800;
const OUTAGE_TO = NOW - 500;
/** spiky's load_1m for one second, 24 h into its window; the fleet's waves stay below 2.5. */
const SPIKE = 40;
const SPIKE_AT = NOW - 50_000;

/** The part of a browser canvas the test reads (the project compiles without the DOM library). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

describe('the dashboard in Chromium', () => {
  let dir: string;
  let db: SqlClient;
  let store: RingStore;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  /** Rows of alpha's host series at or after `since`, and how many steps of `step` s they fill. */
  async function rowsInWindow(since: number, step = 1): Promise<number> {
    const res = await db.query<{ n: number }>(
      `SELECT count(DISTINCT sample_time / $2::bigint)::integer AS n FROM "${store.table}"
        WHERE node_flag AND node_name = 'alpha' AND sample_time >= $1::bigint`,
      [since, step],
    );
    return res.rows[0]?.n ?? -1;
  }

  const points = (p: Page) =>
    p.$$eval('figure.chart', (figs) =>
      figs.map((f) => [f.getAttribute('data-chart'), f.getAttribute('data-points')]),
    );

  async function ready(p: Page, windowId?: string): Promise<void> {
    const sel = windowId ? `body[data-window="${windowId}"][data-state="ready"]` : 'body[data-state="ready"]';
    await p.waitForSelector(sel, { timeout: 20_000 });
  }

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    dir = mkdtempSync(join(tmpdir(), 'ringmon-web-'));
    // The test reads the ring through a client of its own, which the store then uses (and closes).
    db = await openSqlClient(join(dir, 'pgdata'));
    store = await RingStore.open({ db, tableName: 'ring', capacity: 120_000 });
    await fillFleet(async (text, params) => (await db.query(text, params)).rows, store, [
      { node: 'alpha', end: NOW, rows: 7200, master: true },
      { node: 'alpha', container: 'web', end: NOW, rows: 7200 },
      { node: 'alpha', container: 'db', end: NOW, rows: 7200 },
      { node: 'beta', end: NOW - 3600, rows: 1440, interval: 5 },
      { node: HOSTILE, end: NOW, rows: 60 },
      { node: HOSTILE, container: INJECTION, end: NOW, rows: 60 },
      // An agent whose clock jumped an hour ahead for one sample, then died: stale, and flagged.
      { node: 'gamma', end: NOW - 600, rows: 60, interval: 5 },
      { node: 'gamma', end: NOW + 3550, rows: 1, interval: 5 },
      { node: 'gappy', end: OUTAGE_FROM, rows: 400 },
      { node: 'gappy', end: NOW, rows: NOW - OUTAGE_TO + 1 },
      { node: 'nosensor', end: NOW, rows: 300 },
      // A day of a 1-second agent: a 24 h window of 86,400 rows, which a chart draws in steps.
      { node: 'spiky', end: NOW, rows: 86_400 },
    ]);
    // What the agent writes on a host without hwmon or a thermal zone: NULL.
    await db.query(`UPDATE "${store.table}" SET temperature_c = NULL WHERE node_name = 'nosensor'`);
    await db.query(
      `UPDATE "${store.table}" SET load_1m = $1 WHERE node_name = 'spiky' AND sample_time = $2`,
      [SPIKE, SPIKE_AT],
    );
    // A fixed clock: ages and stale markers do not drift while the test runs.
    dashboard = await startDashboard({ store, port: 0, token: TOKEN, now: () => NOW * 1000 + 2000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  itWithChromium(
    'shows every node and container, draws each chart with one point per row, switches windows and refreshes live',
    async () => {
      const base = dashboard.url;
      await page.goto(`${base}?token=${TOKEN}`);
      await ready(page);

      // Overview: every node and container, stale markers where the last sample is 3 intervals old.
      const nodes = await page.$$eval('tr.node', (rows) =>
        rows.map((r) => [
          r.getAttribute('data-node'),
          r.getAttribute('data-stale'),
          r.querySelector('a')?.textContent,
        ]),
      );
      expect(nodes).toEqual([
        [HOSTILE, 'false', HOSTILE],
        ['alpha', 'false', 'alpha'],
        ['beta', 'true', 'beta'],
        ['gamma', 'true', 'gamma'],
        ['gappy', 'false', 'gappy'],
        ['nosensor', 'false', 'nosensor'],
        ['spiky', 'false', 'spiky'],
      ]);
      const containers = await page.$$eval('tr.container', (rows) =>
        rows.map((r) => [r.getAttribute('data-node'), r.getAttribute('data-container')]),
      );
      expect(containers).toEqual([
        [HOSTILE, INJECTION],
        ['alpha', 'db'],
        ['alpha', 'web'],
      ]);
      expect(await page.locator('tr.node[data-node="beta"] .stale').count()).toBe(1);
      expect(await page.locator('tr.node[data-node="beta"] .stale').textContent()).toBe('stale');
      // Its sample from the future is not its age: 10 min, stale, and the clock is flagged.
      expect(await page.locator('tr.node[data-node="gamma"] .stale').textContent()).toBe(
        'stale, clock ahead by 59 min',
      );
      expect(await page.locator('tr.node[data-node="gamma"] td[data-col="age"]').textContent()).toBe(
        '10 min ago',
      );
      expect(await page.locator('tr.node[data-node="alpha"] .stale').count()).toBe(0);
      const cells = await page.$$eval('tr.node[data-node="alpha"] td', (tds) =>
        Object.fromEntries(tds.map((td) => [td.getAttribute('data-col'), td.textContent])),
      );
      expect(cells).toMatchObject({ age: '2 s ago', cpu: expect.stringMatching(/^\d+(\.\d+)? %$/) });
      expect(cells.memory).toMatch(/^\d+ \/ 16000 MiB$/);
      expect(cells.temperature).toMatch(/^\d+\.\d °C$/);
      const web = await page.$$eval('tr.container[data-container="web"] td', (tds) =>
        tds.map((td) => td.textContent),
      );
      expect(web[2]).toMatch(/^\d+ \/ 1024 MiB$/);
      // The hostile name is text, not markup.
      expect(await page.locator('table img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });

      // A node: its charts over the default window (1 h = 3600 rows, more than a chart draws: averaged).
      await page.click('tr.node[data-node="alpha"] a');
      await ready(page, '1h');
      expect(new URL(page.url()).searchParams.get('token')).toBe(TOKEN);
      expect(await page.locator('p.status').textContent()).toMatch(
        /^Last sample 2 s ago \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\), every 1 s $/,
      );
      const step = Math.ceil(3600 / (MAX_POINTS - 1));
      expect(await page.getAttribute('body', 'data-mode')).toBe('max');
      expect(await page.getAttribute('body', 'data-step')).toBe(String(step));
      const hour = await rowsInWindow(NOW - 3599, step);
      expect(hour).toBeLessThanOrEqual(MAX_POINTS);
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, String(hour)]));
      // uPlot drew something on every chart's canvas.
      const inked = await page.$$eval('figure.chart canvas', (canvases) =>
        canvases.map((c) => {
          const canvas = c as unknown as Canvas;
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
          return n;
        }),
      );
      expect(inked).toHaveLength(NODE_CHARTS.length);
      for (const n of inked) expect(n).toBeGreaterThan(500);

      // 15 minutes: 900 rows, every one of them a point.
      await page.click('button[data-window="15m"]');
      await ready(page, '15m');
      expect(await page.getAttribute('body', 'data-mode')).toBe('rows');
      expect(await page.getAttribute('body', 'data-step')).toBe('');
      expect(await rowsInWindow(NOW - 899)).toBe(900);
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, '900']));
      expect(await page.getAttribute('button[data-window="15m"]', 'aria-pressed')).toBe('true');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-node.png'), fullPage: true });

      // Live: new rows appear within an interval or two, and the window slides over them.
      const rows = [1, 2, 3].map((i) => ({
        sample_time: NOW + i,
        node_flag: true,
        node_name: 'alpha',
        master_flag: true,
        source: 'test',
        interval_seconds: 1,
        cpu_user_pct: 50,
        cpu_total_pct: 60,
      }));
      await store.write(rows);
      await page.waitForSelector(`body[data-newest="${NOW + 3}"]`, { timeout: 20_000 });
      expect(await rowsInWindow(NOW + 3 - 899)).toBe(900);
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, '900']));

      // All: 7203 rows, averaged over the shortest step that fits.
      await page.click('button[data-window="all"]');
      await ready(page, 'all');
      const allStep = Math.ceil(7203 / (MAX_POINTS - 1));
      expect(await page.getAttribute('body', 'data-step')).toBe(String(allStep));
      const all = await rowsInWindow(0, allStep);
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, String(all)]));

      // A container: its own charts, memory against its limit.
      await page.goto(`${base}container?node=alpha&name=web&window=15m&token=${TOKEN}`);
      await ready(page, '15m');
      expect(await points(page)).toEqual(
        ['cpu', 'memory', 'disk', 'iops', 'net', 'packets'].map((id) => [id, '900']),
      );
      expect(await page.locator('figure[data-chart="memory"] .u-legend').textContent()).toContain('limit');
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-container.png'), fullPage: true });

      // A stale node says so on its page too.
      await page.goto(`${base}node?name=beta&token=${TOKEN}`);
      await ready(page, '1h');
      expect(await page.locator('p.status').textContent()).toMatch(
        /^Last sample 60 min ago \(.+\), every 5 s stale$/,
      );
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, '720']));

      // A node whose clock jumped ahead: its window ends at its newest sample before now, and the
      // sample from the future is not drawn (it would stretch the axis an hour ahead).
      await page.goto(`${base}node?name=gamma&token=${TOKEN}`);
      await ready(page, '1h');
      expect(await points(page)).toEqual(NODE_CHARTS.map((c) => [c.id, '60']));
      expect(await page.getAttribute('body', 'data-newest')).toBe(String(NOW - 600));

      // The hostile node's own page shows its name as text.
      await page.goto(`${base}node?name=${encodeURIComponent(HOSTILE)}&window=15m&token=${TOKEN}`);
      await ready(page, '15m');
      expect(await page.locator('h1').textContent()).toBe(HOSTILE);
      expect(await page.locator('.containers a').textContent()).toBe(INJECTION);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

      // Nothing came from anywhere but the dashboard, and the pages logged no error.
      const origin = new URL(base).origin;
      expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).toEqual([]);
      expect(requests.some((u) => u.includes('/assets/uPlot.iife.min.js'))).toBe(true);
      // The page is ES modules: the entry's imports came from /assets/ too.
      expect(requests.some((u) => u.includes('/assets/series-page.js'))).toBe(true);
      expect(problems).toEqual([]);
    },
    120_000,
  );

  /**
   * Counts the pixels of a chart's canvas inside its plotting area, in the column at `fx` (0 … 1
   * of the x axis) or the band of rows from `fy0` to `fy1` (0 = top), that `match`es. Colours are
   * read as drawn: a chart that draws a line across a gap, or clips a spike, fails these.
   */
  async function pixels(
    p: Page,
    chart: string,
    area: { fx: number } | { fy0: number; fy1: number },
    match: 'ink' | 'dark',
  ): Promise<{ n: number; first: number[] | null }> {
    return p.$eval(
      `figure[data-chart="${chart}"]`,
      (fig, [area, match]) => {
        const canvas = fig.querySelector('canvas') as unknown as Canvas & {
          getBoundingClientRect(): { left: number; top: number; width: number; height: number };
        };
        const over = (fig.querySelector('.u-over') as unknown as typeof canvas).getBoundingClientRect();
        const box = canvas.getBoundingClientRect();
        const scale = canvas.width / box.width;
        const x0 = Math.round((over.left - box.left) * scale);
        const y0 = Math.round((over.top - box.top) * scale);
        const w = Math.round(over.width * scale);
        const h = Math.round(over.height * scale);
        const [x, y, cw, ch] =
          'fx' in area
            ? [x0 + Math.round(area.fx * (w - 1)), y0, 1, h]
            : [x0, y0 + Math.round(area.fy0 * h), w, Math.max(1, Math.round((area.fy1 - area.fy0) * h))];
        const { data } = canvas.getContext('2d').getImageData(x, y, cw, ch);
        let n = 0;
        let first: number[] | null = null;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b, a] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0, data[i + 3] ?? 0];
          // ink: a series' colour (grid lines are a faint grey); dark: the total's near-black, opaque.
          const hit =
            match === 'ink'
              ? a > 60 && Math.max(r, g, b) - Math.min(r, g, b) > 40
              : a > 200 && Math.max(r, g, b) < 70;
          if (a > 200 && first === null) first = [r, g, b, a];
          if (hit) n++;
        }
        return { n, first };
      },
      [area, match] as const,
    );
  }

  itWithChromium(
    'tells the truth: gaps are breaks, spikes survive a day, empty charts say why, one time format, a phone fits',
    async () => {
      const base = dashboard.url;
      const legend = (chart: string) =>
        page.$$eval(`figure[data-chart="${chart}"] .u-legend .u-series`, (rows) =>
          rows.map((r) => [
            r.querySelector('.u-label')?.textContent,
            r.querySelector('.u-value')?.textContent,
          ]),
        );

      // An outage of five minutes in a 15-minute window: a break in every chart, not a line across.
      await page.goto(`${base}node?name=gappy&window=15m&token=${TOKEN}`);
      await ready(page, '15m');
      expect(await page.getAttribute('body', 'data-mode')).toBe('rows');
      const gaps = await page.$$eval('figure.chart', (figs) =>
        figs.map((f) => [
          f.getAttribute('data-chart'),
          f.getAttribute('data-points'),
          f.getAttribute('data-gaps'),
        ]),
      );
      // Rows from NOW − 899 to the outage, and from its end to NOW.
      const rows = OUTAGE_FROM - (NOW - 899) + 1 + (NOW - OUTAGE_TO + 1);
      expect(gaps).toEqual(NODE_CHARTS.map((c) => [c.id, String(rows), '1']));
      // The x axis runs from the window's first row to its last; the outage's middle is empty on
      // the lines and on the stack, and the data beside it is drawn.
      const at = (t: number) => (t - (NOW - 899)) / 899;
      for (const chart of ['load', 'cpu', 'net']) {
        expect((await pixels(page, chart, { fx: at((OUTAGE_FROM + OUTAGE_TO) / 2) }, 'ink')).n).toBe(0);
        expect((await pixels(page, chart, { fx: at(NOW - 200) }, 'ink')).n).toBeGreaterThan(0);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-gap.png'), fullPage: true });

      // The stacked CPU: a labelled total at its top, which is the sum of the parts; no part's
      // outline is drawn there (guest nice, always 0, used to be the darkest line on top).
      const cpu = await legend('cpu');
      expect(cpu.map(([label]) => label)).toEqual([
        'Time',
        ...(NODE_CHARTS.find((c) => c.id === 'cpu')?.series.map((x) => x.label) ?? []),
        'total busy',
      ]);
      const parts = cpu.slice(1, -1).reduce((sum, [, v]) => sum + Number.parseFloat(v ?? ''), 0);
      expect(Number.parseFloat(cpu.at(-1)?.[1] ?? '')).toBeCloseTo(parts, 0);
      for (const fx of [0.05, 0.5, 0.95]) {
        const top = await pixels(page, 'cpu', { fx }, 'dark');
        expect(top.n).toBeGreaterThan(0);
        // The first opaque pixel from the top of the column is the total's near-black line.
        expect(Math.max(...(top.first ?? [255, 255, 255]).slice(0, 3))).toBeLessThan(70);
      }

      // One time format: the legend, away from the cursor, gives the newest sample's time, as the
      // header does, to the second.
      const when = (await page.locator('p.status').textContent())?.match(/\((.+)\)/)?.[1];
      expect(when).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cpu[0]).toEqual(['Time', when]);
      expect((await legend('load'))[0]).toEqual(['Time', when]);

      // A day of 86,400 one-second rows with one spike of one second: each step's maximum keeps it.
      const spikeAnswer = page.waitForResponse((r) => r.url().includes('/api/samples'));
      await page.goto(`${base}node?name=spiky&window=24h&token=${TOKEN}`);
      await ready(page, '24h');
      const answer = (await (await spikeAnswer).json()) as { mode: string; step: number; rows: Row[] };
      expect(answer.mode).toBe('max');
      expect(await page.getAttribute('body', 'data-step')).toBe(String(Math.ceil(86_400 / (MAX_POINTS - 1))));
      expect(answer.rows.filter((r) => r.load_1m === SPIKE).map((r) => r.sample_time)).toEqual([
        Math.floor(SPIKE_AT / answer.step) * answer.step,
      ]);
      expect(await page.getAttribute('figure[data-chart="load"]', 'data-max')).toBe(String(SPIKE));
      // Drawn: the top tenth of the load chart (its axis ends just above the spike) has the line in it.
      expect((await pixels(page, 'load', { fy0: 0, fy1: 0.1 }, 'ink')).n).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-spike.png'), fullPage: true });

      // No temperature sensor: the chart says so instead of drawing empty axes; the others draw.
      await page.goto(`${base}node?name=nosensor&window=15m&token=${TOKEN}`);
      await ready(page, '15m');
      const temperature = page.locator('figure[data-chart="temperature"]');
      expect(await temperature.getAttribute('data-state')).toBe('empty');
      expect(await temperature.locator('.note').textContent()).toBe('No temperature sensor on this host');
      expect(await temperature.locator('canvas').count()).toBe(0);
      expect(await page.locator('figure.chart[data-state="drawn"]').count()).toBe(NODE_CHARTS.length - 1);

      // An unknown node or container: its message, no charts and no window buttons.
      for (const path of ['node?name=nobody', 'container?node=alpha&name=nothing']) {
        await page.goto(`${base}${path}&token=${TOKEN}`);
        await ready(page);
        expect(await page.locator('p.status').textContent()).toMatch(
          /^No samples of (node nobody|container nothing on node alpha) in the ring/,
        );
        expect(await page.locator('figure.chart').filter({ visible: true }).count()).toBe(0);
        expect(await page.locator('.windows').isVisible()).toBe(false);
      }

      // A 420-px phone: nothing wider than the screen, and the charts say "Loading…" until their
      // data comes (the test holds the answer back until it has seen that).
      const phone = await browser.newPage({ viewport: { width: 420, height: 900 } });
      try {
        let release: () => void = () => undefined;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        await phone.route('**/api/samples**', async (route) => {
          await held;
          await route.continue();
        });
        await phone.goto(`${base}node?name=alpha&token=${TOKEN}`);
        await phone.waitForSelector('figure.chart .note:not([hidden])');
        const notes = await phone.$$eval('figure.chart', (figs) =>
          figs.map((f) => [f.getAttribute('data-state'), f.querySelector('.note')?.textContent]),
        );
        expect(notes).toEqual(NODE_CHARTS.map(() => ['loading', 'Loading…']));
        release();
        await ready(phone, '1h');
        expect(await phone.locator('figure.chart[data-state="drawn"]').count()).toBe(NODE_CHARTS.length);
        const width = () =>
          phone.evaluate(
            () =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
                .documentElement.scrollWidth,
          );
        expect(await width()).toBeLessThanOrEqual(420);
        await phone.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-node.png'), fullPage: true });
        await phone.goto(`${base}?token=${TOKEN}`);
        await ready(phone);
        expect(await width()).toBeLessThanOrEqual(420);
        await phone.goto(`${base}container?node=alpha&name=web&token=${TOKEN}`);
        await ready(phone, '1h');
        expect(await width()).toBeLessThanOrEqual(420);
      } finally {
        await phone.close();
      }
      // Chromium's advice about this test's own getImageData reads is not the page's problem.
      expect(problems.filter((p) => !p.includes('willReadFrequently'))).toEqual([]);
    },
    120_000,
  );
});
