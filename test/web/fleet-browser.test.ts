/**
 * The overview at fleet scale in Chromium (launched as browser.test.ts launches it): a ring on the local PostgreSQL server with 1,000 nodes ×
 * 10 containers (11,000 pairs), some nodes quiet and one container stopped. The test measures the
 * time to the first drawn table and a sort's redraw and prints them (not a benchmark: the bound is
 * generous, for a loaded machine), then searches, sorts and finds the quiet nodes and checks each
 * answer against the rows it put in.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { openSqlClient, type SqlClient } from '../../src/store/client/sql-client.js';
import { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { type Dashboard, startDashboard } from '../../src/web/index.js';
import { PG_URL, pgUnavailable, uniqueTable } from '../store/backends.js';
import { fillFleet, type Series } from './fleet.js';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, itWith } from './tools.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const NOW = Math.floor(Date.now() / 1000);
const NODES = 1000;
const CONTAINERS = 10;
/** Nodes whose agents stopped ten minutes ago: quiet. */
const QUIET = Array.from({ length: NODES }, (_, n) => n).filter((n) => n % 97 === 5);
/** A node whose one container stopped: a stale container, not a quiet node. */
const STOPPED = { node: 500, container: 'svc-3' };
/** One container name found on one node only, for the search. */
const NEEDLE = { node: 123, container: 'needle-db' };
const nodeName = (n: number) => `node-${String(n).padStart(4, '0')}`;
/** Generous: the figure is printed; this only catches a page that stopped being usable. */
const RENDER_BOUND_MS = 30_000;

const itWithBoth = itWith(
  HAVE_CHROMIUM && !pgUnavailable,
  HAVE_CHROMIUM ? `PostgreSQL at ${PG_URL}` : CHROMIUM,
  HAVE_CHROMIUM ? 'start PostgreSQL (README: Development)' : 'apt-get install chromium',
);

function fleet(): Series[] {
  const series: Series[] = [];
  for (let n = 0; n < NODES; n++) {
    const node = nodeName(n);
    const end = QUIET.includes(n) ? NOW - 600 : NOW;
    series.push({ node, end, rows: 3, master: n === 0 });
    for (let c = 1; c <= CONTAINERS; c++) {
      const container = `svc-${c}`;
      const stopped = n === STOPPED.node && container === STOPPED.container;
      series.push({ node, container, end: stopped ? NOW - 600 : end, rows: 3 });
    }
  }
  series.push({ node: nodeName(NEEDLE.node), container: NEEDLE.container, end: NOW, rows: 3 });
  return series;
}

describe('the overview of 1,000 nodes × 10 containers in Chromium', () => {
  let db: SqlClient;
  let store: RingStore;
  let dashboard: Dashboard;
  let browser: Browser;
  let page: Page;
  const table = uniqueTable('fleetpage');
  const problems: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM || pgUnavailable) return;
    db = await openSqlClient(PG_URL);
    store = await RingStore.open({ db, tableName: table, capacity: 40_000, vacuumEvery: false });
    await fillFleet(async (text, params) => (await db.query(text, params)).rows, store, fleet());
    dashboard = await startDashboard({ store, port: 0, now: () => NOW * 1000 + 2000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    if (db) {
      const names = ringNames(table);
      await db.query(`DROP TABLE IF EXISTS "${names.table}", "${names.meta}", "${names.pairs}"`);
    }
    await store?.close();
  });

  /** The node and container rows drawn, in order: [node] or [node, container]. */
  const drawn = (p: Page) =>
    p.$$eval('table.overview tbody tr.node, table.overview tbody tr.container', (rows) =>
      rows.map((r) =>
        r.classList.contains('node')
          ? [r.getAttribute('data-node')]
          : [r.getAttribute('data-node'), r.getAttribute('data-container')],
      ),
    );

  /** The newest host row's CPU of every node, from the ring itself. */
  async function cpuByNode(): Promise<Map<string, number>> {
    const res = await db.query<{ node_name: string; cpu: number }>(
      `SELECT DISTINCT ON (node_name) node_name, cpu_total_pct AS cpu FROM "${table}"
        WHERE node_flag ORDER BY node_name, sample_time DESC`,
    );
    return new Map(res.rows.map((r) => [r.node_name, Number(r.cpu)]));
  }

  itWithBoth(
    'draws the table, searches by name, sorts by a column and finds the quiet nodes',
    async () => {
      const started = performance.now();
      await page.goto(dashboard.url);
      await page.waitForSelector('body[data-state="ready"] table.overview tbody tr.node');
      const renderMs = performance.now() - started;
      const summary = await page.locator('p.summary').textContent();
      expect(summary).toMatch(
        new RegExp(
          `^${NODES} node\\(s\\), ${NODES * CONTAINERS + 1} container\\(s\\), ${QUIET.length} quiet node\\(s\\), ${QUIET.length * CONTAINERS + 1} stale container\\(s\\)`,
        ),
      );
      // 12,001 lines; only those in view (and some either side) are drawn.
      const first = await drawn(page);
      expect(first.length).toBeGreaterThan(20);
      expect(first.length).toBeLessThan(200);
      expect(first.slice(0, 3)).toEqual([[nodeName(0)], [nodeName(0), 'svc-1'], [nodeName(0), 'svc-10']]);
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fleet.png') });

      // Scrolled to the end: the last node's last container.
      await page.$eval('div.scroll', (box) => {
        box.scrollTop = box.scrollHeight;
      });
      await page.waitForSelector(`tr.container[data-node="${nodeName(NODES - 1)}"][data-container="svc-9"]`);

      // Search: one node by its name, then a container name only one node has.
      const searchStarted = performance.now();
      await page.fill('input.search', nodeName(42));
      await page.waitForFunction("document.querySelectorAll('tr.node').length === 1");
      const searchMs = performance.now() - searchStarted;
      expect(await drawn(page)).toEqual([
        [nodeName(42)],
        ...['svc-1', 'svc-10', ...Array.from({ length: 8 }, (_, i) => `svc-${i + 2}`)].map((c) => [
          nodeName(42),
          c,
        ]),
      ]);
      await page.fill('input.search', 'NEEDLE');
      await page.waitForFunction("document.querySelectorAll('tr.container').length === 1");
      expect(await drawn(page)).toEqual([[nodeName(NEEDLE.node)], [nodeName(NEEDLE.node), NEEDLE.container]]);
      await page.fill('input.search', '');

      // Sort by CPU, highest first (two clicks): the nodes come in the order of their newest CPU.
      const cpu = await cpuByNode();
      const byCpu = [...cpu.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
      await page.click('th[data-sort="cpu"]');
      await page.waitForSelector('th[data-sort="cpu"][aria-sort="ascending"]');
      const sortStarted = performance.now();
      await page.click('th[data-sort="cpu"]');
      await page.waitForSelector('th[data-sort="cpu"][aria-sort="descending"]');
      const sortMs = performance.now() - sortStarted;
      await page.click('button.collapse-all');
      await page.waitForFunction("document.querySelectorAll('tr.container').length === 0");
      const sorted = (await drawn(page)).map(([n]) => n);
      expect(sorted.length).toBeGreaterThan(20);
      expect(sorted).toEqual(byCpu.slice(0, sorted.length));
      // Values the page shows are the ring's, to its three digits.
      const top = await page.locator(`tr.node[data-node="${byCpu[0]}"] td[data-col="cpu"]`).textContent();
      expect(Number.parseFloat(top ?? '')).toBeCloseTo(cpu.get(byCpu[0] ?? '') ?? Number.NaN, 0);
      await page.click('button.expand-all');

      // Quiet only: the quiet nodes and the node with a stopped container, nothing else.
      await page.click('th[data-sort="name"]');
      await page.click('button.quiet-only');
      await page.waitForSelector('button.quiet-only[aria-pressed="true"]');
      const quiet = await page.$$eval('tr.node', (rows) =>
        rows.map((r) => [r.getAttribute('data-node'), r.getAttribute('data-quiet')]),
      );
      const expected = [...QUIET, STOPPED.node]
        .sort((a, b) => a - b)
        .map((n) => [nodeName(n), n === STOPPED.node ? 'false' : 'true']);
      expect(quiet).toEqual(expected);
      expect(
        await page.$$eval(`tr.container[data-node="${nodeName(STOPPED.node)}"] .stale`, (badges) =>
          badges.map((b) => b.closest('tr')?.getAttribute('data-container')),
        ),
      ).toEqual([STOPPED.container]);
      expect(await page.locator('button.quiet-only').textContent()).toBe(
        `quiet only (${QUIET.length} node(s), ${QUIET.length * CONTAINERS + 1} container(s))`,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fleet-quiet.png'), fullPage: true });

      console.log(
        `overview of ${NODES} nodes × ${CONTAINERS} containers in Chromium: first table drawn ${renderMs.toFixed(0)} ms after navigation; search redrawn in ${searchMs.toFixed(0)} ms, sort in ${sortMs.toFixed(0)} ms`,
      );
      expect(renderMs).toBeLessThan(RENDER_BOUND_MS);
      expect(problems).toEqual([]);
    },
    180_000,
  );
});
