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
import { type Dashboard, NODE_CHARTS, startDashboard } from '../../src/web/index.js';
import { fillFleet } from './fleet.js';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, itWithChromium } from './tools.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TOKEN = 'browser-test-token-0123456789';
const NOW = Math.floor(Date.now() / 1000);
const HOSTILE = '<img src=x onerror="window.__pwned=1">ノード';
const INJECTION = '"\'; DROP TABLE x; --';
const MAX_POINTS = 1500;

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
    store = await RingStore.open({ db, tableName: 'ring', capacity: 30_000 });
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
    ]);
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
        /^Last sample 2 s ago \(.+\), every 1 s $/,
      );
      const step = Math.ceil(3600 / (MAX_POINTS - 1));
      expect(await page.getAttribute('body', 'data-mode')).toBe('mean');
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
});
