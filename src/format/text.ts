import { COLUMN_BY_NAME, type SampleInput } from '../columns.js';
import { replicationLines } from '../reads/replication.js';
import type { RingState } from '../store/ring/ring.js';

/** Formats a number for people: integers as they are, fractions to two decimals; null as '-'. */
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

/** Epoch seconds as a UTC time people read: 2026-11-28 02:19:01Z. */
export function formatEpoch(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

type SummaryRow = Partial<Record<string, unknown>>;

/** Samples as one line each: when, whose, and the headline figures. */
export function formatSummary(samples: readonly SummaryRow[]): string {
  if (samples.length === 0) return '(no samples)';
  const header = [
    'time (UTC)',
    'node',
    'container',
    'cpu %',
    'mem MiB',
    'disk r/w MiB/s',
    'net rx/tx MiB/s',
    'temp °C',
  ];
  const pair = (a: unknown, b: unknown) => `${formatValue(a)}/${formatValue(b)}`;
  const lines = samples.map((s) => [
    formatEpoch(s.sample_time as number | null),
    String(s.node_name ?? '-'),
    String(s.container_name ?? '-'),
    formatValue(s.cpu_total_pct),
    // Host rows: memory available; container rows: memory in use (the spec's overview query does the same).
    formatValue(s.node_flag ? s.mem_available_mb : s.c_rss_mb),
    pair(s.disk_read_mb_s, s.disk_write_mb_s),
    pair(s.net_rx_mb_s, s.net_tx_mb_s),
    formatValue(s.temperature_c),
  ]);
  return textTable([header, ...lines], [false, false, false, true, true, true, true, true]);
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
          : formatValue(value),
    ]);
  return textTable([['field', 'value'], ...lines]);
}

/** The ring's state for people: its fields, then the newest sample of every node and container. */
export function formatState(state: RingState): string {
  const { replication, ...fields } = state;
  const latest = state.latest.map((l) => [l.node_name, l.container_name ?? '-', formatEpoch(l.sample_time)]);
  const lines = replicationLines(replication)
    .map((l) => `\n${l}`)
    .join('');
  return `${formatFields(fields)}\n${lines}\n${textTable([['node', 'container', 'newest sample (UTC)'], ...latest])}`;
}
