/**
 * The overview's table at fleet scale: which nodes and containers it shows, in what order, and the
 * lines it draws. Pure (no DOM), so Node's tests run it as the browser does; overview.ts draws.
 */
import type { ContainerEntry, NodeEntry, Row, WriterEntry } from './answers.js';
import { memoryUsed, metric } from './nodes.js';

/** The columns a click on the header sorts by. */
export const SORT_KEYS = ['name', 'age', 'cpu', 'memory', 'load', 'disk', 'net', 'temperature'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TableState {
  /** Case-insensitive part of a node or container name; '' shows all. */
  readonly search: string;
  readonly sort: SortKey;
  readonly descending: boolean;
  /** Only quiet nodes and nodes with a stale container. */
  readonly quietOnly: boolean;
  /** Nodes whose containers are folded away. */
  readonly collapsed: ReadonlySet<string>;
}

export const INITIAL_STATE: TableState = {
  search: '',
  sort: 'name',
  descending: false,
  quietOnly: false,
  collapsed: new Set(),
};

/**
 * A node gone quiet: its host rows are stale, or, when the ring holds only its containers' rows,
 * every container is. (One stopped container is a stale container, not a quiet node.)
 */
export function isQuiet(n: NodeEntry): boolean {
  if (n.latest !== undefined && n.latest !== null) return n.stale === true;
  return n.containers.length > 0 && n.containers.every((c) => c.stale);
}

const sum = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

/** The value a column sorts by; null (shown as –) sorts last either way. */
export function sortValue(
  entry: Partial<WriterEntry>,
  key: SortKey,
  name: string,
  host: boolean,
): string | number | null {
  const row: Row = entry.latest ?? {};
  const num = (column: string) => metric(row, column);
  switch (key) {
    case 'name':
      return name;
    case 'age':
      return entry.age_seconds ?? null;
    case 'cpu':
      return num('cpu_total_pct');
    case 'memory':
      return host ? memoryUsed(row) : num('c_rss_mb');
    case 'load':
      return host ? num('load_1m') : null;
    case 'disk':
      return sum(num('disk_read_mb_s'), num('disk_write_mb_s'));
    case 'net':
      return sum(num('net_rx_mb_s'), num('net_tx_mb_s'));
    case 'temperature':
      return host ? num('temperature_c') : null;
  }
}

/** Code-unit order, as the server sorts the names (api.ts), not the browser's locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareValues(a: string | number | null, b: string | number | null, descending: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const order = typeof a === 'string' || typeof b === 'string' ? compareNames(String(a), String(b)) : a - b;
  return descending ? -order : order;
}

/** One node as the table shows it: the containers that pass the search, in the table's order. */
export interface NodeGroup {
  readonly node: NodeEntry;
  readonly containers: readonly ContainerEntry[];
  readonly quiet: boolean;
}

export interface Arranged {
  readonly groups: readonly NodeGroup[];
  /** Of the whole answer, whatever the search: what the header counts. */
  readonly totals: { nodes: number; containers: number; quietNodes: number; staleContainers: number };
}

/**
 * Filters and sorts the nodes: a search that matches a node's name keeps all its containers, one
 * that matches only containers keeps the node with those; `quietOnly` keeps quiet nodes and nodes
 * with a stale container. Nodes sort by their host row's value in the column (their containers by
 * theirs, within the node), ties and missing values by name.
 */
export function arrange(nodes: readonly NodeEntry[], state: TableState): Arranged {
  const needle = state.search.trim().toLowerCase();
  const totals = { nodes: nodes.length, containers: 0, quietNodes: 0, staleContainers: 0 };
  const groups: NodeGroup[] = [];
  for (const node of nodes) {
    const quiet = isQuiet(node);
    totals.containers += node.containers.length;
    if (quiet) totals.quietNodes++;
    let staleHere = false;
    for (const c of node.containers) {
      if (c.stale) {
        totals.staleContainers++;
        staleHere = true;
      }
    }
    if (state.quietOnly && !quiet && !staleHere) continue;
    let containers: readonly ContainerEntry[] = node.containers;
    if (needle !== '' && !node.node.toLowerCase().includes(needle)) {
      containers = node.containers.filter((c) => c.container.toLowerCase().includes(needle));
      if (containers.length === 0) continue;
    }
    groups.push({ node, containers, quiet });
  }
  const { sort, descending } = state;
  const byName = (a: string, b: string) => (descending && sort === 'name' ? -1 : 1) * compareNames(a, b);
  const keyed = groups.map((g) => ({
    g,
    v: sortValue(g.node, sort, g.node.node, true),
    containers: g.containers
      .map((c) => ({ c, v: sortValue(c, sort, c.container, false) }))
      .sort((a, b) => compareValues(a.v, b.v, descending) || byName(a.c.container, b.c.container))
      .map((x) => x.c),
  }));
  keyed.sort((a, b) => compareValues(a.v, b.v, descending) || byName(a.g.node.node, b.g.node.node));
  return { groups: keyed.map((k) => ({ ...k.g, containers: k.containers })), totals };
}

/** A line of the table: a node, or one of its containers. */
export type Line =
  | { readonly kind: 'node'; readonly group: NodeGroup }
  | { readonly kind: 'container'; readonly group: NodeGroup; readonly container: ContainerEntry };

/** The lines to draw, a collapsed node's containers left out. */
export function lines(groups: readonly NodeGroup[], collapsed: ReadonlySet<string>): Line[] {
  const out: Line[] = [];
  for (const group of groups) {
    out.push({ kind: 'node', group });
    if (collapsed.has(group.node.node)) continue;
    for (const container of group.containers) out.push({ kind: 'container', group, container });
  }
  return out;
}

/**
 * Which lines to draw when `total` lines of `rowHeight` px sit in a box scrolled to `scrollTop`
 * and `height` px high: the visible ones and `overscan` on either side. Drawing only those keeps a
 * table of 11,000 lines as quick to redraw as one of a hundred.
 */
export function visibleRange(
  total: number,
  rowHeight: number,
  scrollTop: number,
  height: number,
  overscan = 20,
): { start: number; end: number } {
  if (rowHeight <= 0) return { start: 0, end: total };
  const count = Math.ceil(Math.max(0, height) / rowHeight) + 1;
  // Past the end (the lines just got fewer, the box has not scrolled back yet): the last ones.
  const first = Math.min(Math.floor(Math.max(0, scrollTop) / rowHeight), Math.max(0, total - count));
  const start = Math.max(0, Math.min(total, first - overscan));
  const end = Math.max(start, Math.min(total, first + count + overscan));
  return { start, end };
}

/** The header's count line: how many nodes and containers, how many quiet and stale. */
export function countsLine(totals: Arranged['totals'], shown: number): string {
  const parts = [`${totals.nodes} node(s)`, `${totals.containers} container(s)`];
  if (totals.quietNodes > 0) parts.push(`${totals.quietNodes} quiet node(s)`);
  if (totals.staleContainers > 0) parts.push(`${totals.staleContainers} stale container(s)`);
  const text = parts.join(', ');
  return shown === totals.nodes ? text : `${text}; showing ${shown} node(s)`;
}
