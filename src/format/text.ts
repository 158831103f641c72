import { COLUMN_BY_NAME, type SampleInput } from '../columns.js';
import { replicationLines } from '../reads/replication.js';
import type { RingState } from '../store/ring/ring.js';
import { formatAgo, formatNumber, formatPair, formatUtc, MISSING } from '../web/client/format.js';

/**
 * A column's value exactly as stored, for the one-row table of `ringmon sample`: integers as they
 * are, fractions to two decimals; null as '-'. Summaries of many rows use the dashboard's rules
 * (formatNumber) instead.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return String(value);
}

/** A plain text table with aligned columns; the first row is the header. */
export function textTable(rows: readonly (readonly string[])[], alignRight: readonly boolean[] = []): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One row as a column / value / unit table, in the spec's column order. */
export function rowTable(row: SampleInput): string {
  const lines = [['column', 'value', 'unit']];
  for (const [name, value] of Object.entries(row)) {
    lines.push([name, formatValue(value), COLUMN_BY_NAME.get(name)?.unit ?? '']);
  }
  return textTable(lines, [false, true, false]);
}

/** JSON for scripts: keys in the spec's column order, numbers exact. */
export function rowJson(row: SampleInput): string {
  return JSON.stringify(row);
}

/**
 * An epoch-seconds time with how long ago it was: `2026-12-02 01:38:09 UTC (23 min ago)`; a time
 * ahead of `nowSeconds` gets no "ago", the time alone.
 */
export function formatTimeAgo(seconds: number | null | undefined, nowSeconds: number): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return MISSING;
  return seconds > nowSeconds
    ? formatUtc(seconds)
    : `${formatUtc(seconds)} (${formatAgo(nowSeconds - seconds)})`;
}

type SummaryRow = Partial<Record<string, unknown>>;

/** A row's value as a number, or null for NULL (and anything else a partial row holds). */
const asNumber = (value: unknown) => (typeof value === 'number' ? value : null);
const num = (value: unknown) => formatNumber(asNumber(value));

/**
 * Samples as one line each: when, whose, and the headline figures, numbers as the dashboard prints
 * them (about three significant digits, '–' where there is none). One meaning per column: a host's
 * available memory and a container's memory in use are different figures, so each has its own
 * column and the other row kind leaves it empty.
 */
export function formatSummary(samples: readonly SummaryRow[]): string {
  if (samples.length === 0) return '(no samples)';
  const header = [
    'time',
    'node',
    'container',
    'cpu %',
    'mem available MiB',
    'mem used MiB',
    'disk read / write MiB/s',
    'net rx / tx MiB/s',
    'temp °C',
  ];
  const lines = samples.map((s) => [
    formatUtc(s.sample_time as number | null),
    String(s.node_name ?? MISSING),
    String(s.container_name ?? MISSING),
    num(s.cpu_total_pct),
    num(s.node_flag ? s.mem_available_mb : null),
    num(s.node_flag ? null : s.c_rss_mb),
    formatPair(asNumber(s.disk_read_mb_s), asNumber(s.disk_write_mb_s)),
    formatPair(asNumber(s.net_rx_mb_s), asNumber(s.net_tx_mb_s)),
    num(s.temperature_c),
  ]);
  return textTable([header, ...lines], [false, false, false, true, true, true, true, true, true]);
}

/** A key/value table of an object's fields (lists left out). */
export function formatFields(fields: object): string {
  const lines = Object.entries(fields)
    .filter(([, value]) => !Array.isArray(value))
    .map(([key, value]) => [
      key,
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'object' && value !== null
          ? Object.entries(value)
              .map(([k, v]) => `${k} ${formatValue(v)}`)
              .join(', ')
          : value === null
            ? MISSING
            : formatValue(value),
    ]);
  return textTable([['field', 'value'], ...lines]);
}

/** The ring's state for people: its fields, then the newest sample of every node and container. */
export function formatState(state: RingState): string {
  const { replication, ...fields } = state;
  const latest = state.latest.map((l) => [
    l.node_name,
    l.container_name ?? MISSING,
    formatUtc(l.sample_time),
  ]);
  const lines = replicationLines(replication)
    .map((l) => `\n${l}`)
    .join('');
  return `${formatFields(fields)}\n${lines}\n${textTable([['node', 'container', 'newest sample'], ...latest])}`;
}
