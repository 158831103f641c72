/** The overview (`/`): every node and its containers, their newest values and stale markers. */
import type { ContainerEntry, NodeEntry, NodesAnswer } from './answers.js';
import { errorMessage, h, showError, staleBadge } from './dom.js';
import {
  arrange,
  countsLine,
  INITIAL_STATE,
  type Line,
  lines,
  type NodeGroup,
  type SortKey,
  type TableState,
  visibleRange,
} from './fleet.js';
import { formatAgo, formatNumber, formatPair, formatWhen, MISSING } from './format.js';
import { historyNote, memoryUsed, metric, refreshSeconds } from './nodes.js';
import { keepRefreshing, type PageContext, setState } from './page.js';

/** The table's columns and the key a click on each header sorts by. */
const COLUMNS: readonly (readonly [string, SortKey])[] = [
  ['node / container', 'name'],
  ['last sample', 'age'],
  ['CPU', 'cpu'],
  ['memory used / total', 'memory'],
  ['load 1m', 'load'],
  ['disk read / write', 'disk'],
  ['net rx / tx', 'net'],
  ['temperature', 'temperature'],
];

/**
 * From this many lines on, the table draws only the lines in view (visibleRange) inside a box that
 * scrolls: 1,000 nodes × 10 containers are 11,000 lines, which take seconds to lay out in full.
 */
const VIRTUAL_FROM = 400;

/** Shows the overview and refreshes it at the shortest interval shown. */
export async function overview(ctx: PageContext): Promise<void> {
  document.title = 'ringmon';
  const view = new OverviewTable(ctx);
  const refresh = async (): Promise<number> => {
    const started = performance.now();
    const data = await ctx.api.nodes();
    showError(null);
    view.update(data);
    setState('ready');
    // A large fleet's answer takes a while to fetch and draw: refresh at most every fifth of the time.
    const spent = (performance.now() - started) / 1000;
    return Math.max(refreshSeconds(data.nodes.flatMap((n) => [n, ...n.containers])), Math.ceil(spent * 5));
  };
  await keepRefreshing(refresh, (err) => showError(errorMessage(err)), 5);
}

class OverviewTable {
  readonly #ctx: PageContext;
  readonly #summary = h('p', { class: 'summary' });
  readonly #search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Search nodes and containers',
    'aria-label': 'Search nodes and containers by name',
  });
  readonly #quiet = h('button', { type: 'button', class: 'quiet-only', 'aria-pressed': 'false' });
  readonly #box = h('div', { class: 'scroll' });
  readonly #table = h('table', { class: 'overview' });
  readonly #body = h('tbody');
  #state: TableState = INITIAL_STATE;
  #data: NodesAnswer | null = null;
  #lines: Line[] = [];
  #drawn = { start: -1, end: -1 };
  #rowHeight = 0;
  #frame = 0;

  constructor(ctx: PageContext) {
    this.#ctx = ctx;
    const fold = (collapse: boolean) =>
      h('button', {
        type: 'button',
        class: collapse ? 'collapse-all' : 'expand-all',
        text: collapse ? 'collapse all' : 'expand all',
      });
    const collapseAll = fold(true);
    const expandAll = fold(false);
    const controls = h('div', { class: 'controls' }, this.#search, this.#quiet, collapseAll, expandAll);
    this.#box.append(this.#table);
    // The table scrolls inside its box on a narrow screen rather than widening the page.
    ctx.app.replaceChildren(h('h1', { text: 'Nodes and containers' }), this.#summary, controls, this.#box);
    this.#search.addEventListener('input', () => this.#set({ search: this.#search.value }));
    this.#quiet.addEventListener('click', () => this.#set({ quietOnly: !this.#state.quietOnly }));
    collapseAll.addEventListener('click', () =>
      this.#set({ collapsed: new Set(this.#data?.nodes.map((n) => n.node) ?? []) }),
    );
    expandAll.addEventListener('click', () => this.#set({ collapsed: new Set() }));
    this.#box.addEventListener('scroll', () => {
      if (this.#frame !== 0) return;
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#drawBody(false);
      });
    });
    this.#body.addEventListener('click', (event) => {
      const button = (event.target as Element | null)?.closest('button.toggle');
      const node = button?.closest('tr')?.getAttribute('data-node');
      if (node === null || node === undefined) return;
      const collapsed = new Set(this.#state.collapsed);
      if (collapsed.has(node)) collapsed.delete(node);
      else collapsed.add(node);
      this.#set({ collapsed });
    });
  }

  update(data: NodesAnswer): void {
    this.#data = data;
    this.#draw();
  }

  #set(change: Partial<TableState>): void {
    this.#state = { ...this.#state, ...change };
    this.#draw();
  }

  #sortBy(key: SortKey): void {
    const again = this.#state.sort === key;
    this.#set({ sort: key, descending: again ? !this.#state.descending : false });
  }

  #draw(): void {
    const data = this.#data;
    if (data === null) return;
    const { groups, totals } = arrange(data.nodes, this.#state);
    this.#lines = lines(groups, this.#state.collapsed);
    const history = historyNote(data.history);
    this.#summary.textContent = `${countsLine(totals, groups.length)}${history ? `; ${history}` : ''}`;
    this.#summary.dataset.short = data.history.short ? 'true' : 'false';
    this.#summary.dataset.quiet = String(totals.quietNodes);
    this.#quiet.textContent = `quiet only (${totals.quietNodes} node(s), ${totals.staleContainers} container(s))`;
    this.#quiet.setAttribute('aria-pressed', String(this.#state.quietOnly));
    const { sort, descending } = this.#state;
    const head = h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...COLUMNS.map(([text, key]) => {
          const th = h(
            'th',
            {
              'data-sort': key,
              'aria-sort': key === sort ? (descending ? 'descending' : 'ascending') : 'none',
              title: 'sort by this column; again to reverse',
            },
            text,
            key === sort ? (descending ? ' ▼' : ' ▲') : '',
          );
          th.addEventListener('click', () => this.#sortBy(key));
          return th;
        }),
      ),
    );
    const virtual = this.#lines.length >= VIRTUAL_FROM;
    this.#box.classList.toggle('virtual', virtual);
    this.#table.replaceChildren(head, this.#body);
    this.#drawBody(true);
  }

  /** Draws the lines in view (all of them in a small table); `force` after the lines changed. */
  #drawBody(force: boolean): void {
    const total = this.#lines.length;
    if (total === 0) {
      const empty =
        this.#data?.nodes.length === 0 ? 'The ring holds no samples yet.' : 'No node or container matches.';
      this.#body.replaceChildren(h('tr', null, h('td', { colspan: COLUMNS.length, text: empty })));
      this.#drawn = { start: -1, end: -1 };
      return;
    }
    const virtual = total >= VIRTUAL_FROM;
    const head = this.#table.tHead?.offsetHeight ?? 0;
    const range = virtual
      ? visibleRange(total, this.#rowHeight || 30, this.#box.scrollTop - head, this.#box.clientHeight)
      : { start: 0, end: total };
    if (!force && range.start === this.#drawn.start && range.end === this.#drawn.end) return;
    const rows: HTMLElement[] = [];
    const stale = this.#ctx.config.staleIntervals;
    for (let i = range.start; i < range.end; i++) {
      const line = this.#lines[i];
      if (line === undefined) continue;
      rows.push(
        line.kind === 'node'
          ? nodeRow(this.#ctx, line.group, this.#state.collapsed.has(line.group.node.node), stale)
          : containerRow(this.#ctx, line.group.node, line.container, stale),
      );
    }
    const spacer = (lines: number) =>
      h(
        'tr',
        { class: 'spacer', 'aria-hidden': 'true' },
        h('td', { colspan: COLUMNS.length, style: `height: ${lines * (this.#rowHeight || 30)}px` }),
      );
    this.#body.replaceChildren(
      ...(virtual && range.start > 0 ? [spacer(range.start)] : []),
      ...rows,
      ...(virtual && range.end < total ? [spacer(total - range.end)] : []),
    );
    this.#drawn = range;
    // The first drawing measures a line; spacers drawn with the guess are redrawn once with it.
    if (virtual && this.#rowHeight === 0 && rows[0] !== undefined) {
      this.#rowHeight = rows[0].offsetHeight || 30;
      this.#drawBody(true);
    }
  }
}

function nodeRow(
  ctx: PageContext,
  group: NodeGroup,
  collapsed: boolean,
  staleIntervals: number,
): HTMLElement {
  const n = group.node;
  const r = n.latest ?? {};
  const used = memoryUsed(r);
  const num = (column: string) => metric(r, column);
  return h(
    'tr',
    {
      class: 'node',
      'data-node': n.node,
      'data-stale': n.stale ? 'true' : 'false',
      'data-quiet': group.quiet ? 'true' : 'false',
    },
    h(
      'th',
      { scope: 'row' },
      n.containers.length > 0
        ? h('button', {
            type: 'button',
            class: 'toggle',
            'aria-expanded': collapsed ? 'false' : 'true',
            title: collapsed ? 'show its containers' : 'hide its containers',
            text: collapsed ? '▸' : '▾',
          })
        : h('span', { class: 'toggle-space' }),
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
