/**
 * What the pages make of /api/nodes: the entry a page shows, the memory a host uses, the stale and
 * clock-ahead note, how often to refresh, and the line on the ring's history. Pure.
 */
import type { History, NodeEntry, NodesAnswer, Row, WriterEntry } from './answers.js';
import { formatSpan } from './format.js';

/** A node entry that has host rows. */
export function hasHostRows(entry: NodeEntry): entry is NodeEntry & WriterEntry {
  return entry.latest !== undefined && entry.latest !== null;
}

/** The node's (or, with `container`, that container's) entry; null when the ring holds none of its rows. */
export function findEntry(data: NodesAnswer, node: string, container: string | null): WriterEntry | null {
  const n = data.nodes.find((x) => x.node === node);
  if (n === undefined) return null;
  if (container === null) return hasHostRows(n) ? n : null;
  return n.containers.find((c) => c.container === container) ?? null;
}

/** A row's value as a number; null when it is NULL or not a number. */
export function metric(row: Row, column: string): number | null {
  const value = row[column];
  return typeof value === 'number' ? value : null;
}

/**
 * MiB a host uses: total less available, or, on kernels without MemAvailable, total less free,
 * buffers and cache. Null without a total.
 */
export function memoryUsed(row: Row): number | null {
  const total = metric(row, 'mem_total_mb');
  if (total === null) return null;
  const available = metric(row, 'mem_available_mb');
  if (available !== null) return total - available;
  const part = (column: string) => metric(row, column) ?? 0;
  return total - part('mem_free_mb') - part('mem_buffers_mb') - part('mem_cached_mb');
}

/** The badge beside a writer: its text, and the longer title that explains it. */
export interface StaleNote {
  readonly text: string;
  readonly title: string;
}

/**
 * Stale, and a writer whose clock runs ahead (its samples from the future are not its age); null
 * when neither.
 */
export function staleNote(entry: Partial<WriterEntry>, staleIntervals: number): StaleNote | null {
  const parts: string[] = [];
  const titles: string[] = [];
  if (entry.stale) {
    const interval = entry.latest ? metric(entry.latest, 'interval_seconds') : null;
    parts.push('stale');
    titles.push(`no sample for more than ${staleIntervals} × its interval (${interval || '?'} s)`);
  }
  const ahead = entry.clock_ahead_seconds;
  if (ahead !== null && ahead !== undefined) {
    parts.push(`clock ahead by ${formatSpan(ahead)}`);
    titles.push(
      `its newest sample is stamped ${formatSpan(ahead)} after this server's clock; its age is that of its newest sample before now`,
    );
  }
  return parts.length === 0 ? null : { text: parts.join(', '), title: titles.join('; ') };
}

/** Seconds until the next refresh: the shortest interval shown, from 1 s to a minute. */
export function refreshSeconds(entries: readonly (Partial<WriterEntry> | null)[]): number {
  let best = 60;
  for (const e of entries) {
    const interval = e?.latest ? metric(e.latest, 'interval_seconds') : null;
    if (interval !== null && interval > 0) best = Math.min(best, interval);
  }
  return Math.max(1, best);
}

/** How long the ring holds, and the fix when that is under an hour; '' while nothing is written. */
export function historyNote(history: History): string {
  if (history.turnover_seconds === null) return '';
  const span = formatSpan(history.turnover_seconds);
  if (history.node_share !== null) {
    const fix = history.short ? ` (under an hour: raise the node share to ${history.share_for_an_hour})` : '';
    return `each node keeps ${history.node_share} rows; the busiest holds ${span}${fix}`;
  }
  const fix = history.short ? ` (under an hour: raise the capacity to ${history.capacity_for_an_hour})` : '';
  return `the ring holds ${span} at ${history.rows_per_second} rows/s${fix}`;
}
