/** The overview (`/`): every node and its containers, their newest values and stale markers. */
import type { ContainerEntry, NodeEntry, NodesAnswer } from './answers.js';
import { errorMessage, h, showError, staleBadge } from './dom.js';
import { formatAgo, formatNumber, formatPair, formatWhen, MISSING } from './format.js';
import { historyNote, memoryUsed, metric, refreshSeconds } from './nodes.js';
import { keepRefreshing, type PageContext, setState } from './page.js';

const COLUMNS = [
  'node / container',
  'last sample',
  'CPU',
  'memory used / total',
  'load 1m',
  'disk read / write',
  'net rx / tx',
  'temperature',
];

/** Shows the overview and refreshes it at the shortest interval shown. */
export async function overview(ctx: PageContext): Promise<void> {
  document.title = 'ringmon';
  const summary = h('p', { class: 'summary' });
  const table = h('table', { class: 'overview' });
  // The table scrolls inside its box on a narrow screen rather than widening the page.
  ctx.app.replaceChildren(
    h('h1', { text: 'Nodes and containers' }),
    summary,
    h('div', { class: 'scroll' }, table),
  );
  const refresh = async (): Promise<number> => {
    const data = await ctx.api.nodes();
    showError(null);
    render(ctx, data, summary, table);
    setState('ready');
    return refreshSeconds(data.nodes.flatMap((n) => [n, ...n.containers]));
  };
  await keepRefreshing(refresh, (err) => showError(errorMessage(err)), 5);
}

function render(ctx: PageContext, data: NodesAnswer, summary: HTMLElement, table: HTMLElement): void {
  const stale = ctx.config.staleIntervals;
  const rows: HTMLElement[] = [];
  let containers = 0;
  let staleCount = 0;
  for (const n of data.nodes) {
    if (n.stale) staleCount++;
    rows.push(nodeRow(ctx, n, stale));
    for (const c of n.containers) {
      containers++;
      if (c.stale) staleCount++;
      rows.push(containerRow(ctx, n, c, stale));
    }
  }
  const history = historyNote(data.history);
  summary.textContent = `${data.nodes.length} node(s), ${containers} container(s)${staleCount ? `, ${staleCount} stale` : ''}${history ? `; ${history}` : ''}`;
  summary.dataset.short = data.history.short ? 'true' : 'false';
  const head = h('thead', null, h('tr', null, ...COLUMNS.map((text) => h('th', { text }))));
  const body = h('tbody', null, ...rows);
  if (rows.length === 0) {
    body.append(h('tr', null, h('td', { colspan: COLUMNS.length, text: 'The ring holds no samples yet.' })));
  }
  table.replaceChildren(head, body);
}

function nodeRow(ctx: PageContext, n: NodeEntry, staleIntervals: number): HTMLElement {
  const r = n.latest ?? {};
  const used = memoryUsed(r);
  const num = (column: string) => metric(r, column);
  return h(
    'tr',
    { class: 'node', 'data-node': n.node, 'data-stale': n.stale ? 'true' : 'false' },
    h(
      'th',
      { scope: 'row' },
      h('a', { href: ctx.api.link('node', { name: n.node }), text: n.node }),
      ' ',
      staleBadge(n, staleIntervals),
    ),
    h('td', { 'data-col': 'age', title: formatWhen(num('sample_time')), text: formatAgo(n.age_seconds) }),
    h('td', { class: 'num', 'data-col': 'cpu', text: formatNumber(num('cpu_total_pct'), '%') }),
    h('td', {
      class: 'num',
      'data-col': 'memory',
      text: used === null ? MISSING : formatPair(used, num('mem_total_mb'), 'MiB'),
    }),
    h('td', { class: 'num', 'data-col': 'load', text: formatNumber(num('load_1m')) }),
    ...ioCells(num),
    h('td', { class: 'num', 'data-col': 'temperature', text: formatNumber(num('temperature_c'), '°C') }),
  );
}

/** The disk and network cells, which host and container rows show alike. */
function ioCells(num: (column: string) => number | null): HTMLElement[] {
  return [
    h('td', {
      class: 'num',
      'data-col': 'disk',
      text: formatPair(num('disk_read_mb_s'), num('disk_write_mb_s'), 'MiB/s'),
    }),
    h('td', {
      class: 'num',
      'data-col': 'net',
      text: formatPair(num('net_rx_mb_s'), num('net_tx_mb_s'), 'MiB/s'),
    }),
  ];
}

function containerRow(
  ctx: PageContext,
  n: NodeEntry,
  c: ContainerEntry,
  staleIntervals: number,
): HTMLElement {
  const num = (column: string) => metric(c.latest, column);
  return h(
    'tr',
    {
      class: 'container',
      'data-node': n.node,
      'data-container': c.container,
      'data-stale': c.stale ? 'true' : 'false',
    },
    h(
      'th',
      { scope: 'row' },
      h('span', { class: 'indent', text: '↳ ' }),
      h('a', { href: ctx.api.link('container', { node: n.node, name: c.container }), text: c.container }),
      ' ',
      staleBadge(c, staleIntervals),
    ),
    h('td', { 'data-col': 'age', title: formatWhen(num('sample_time')), text: formatAgo(c.age_seconds) }),
    h('td', { class: 'num', 'data-col': 'cpu', text: formatNumber(num('cpu_total_pct'), '%') }),
    h('td', {
      class: 'num',
      'data-col': 'memory',
      title: 'in use / limit',
      text: formatPair(num('c_rss_mb'), num('c_vsz_mb'), 'MiB'),
    }),
    h('td', { class: 'num', text: '' }),
    ...ioCells(num),
    h('td', { class: 'num', text: '' }),
  );
}
