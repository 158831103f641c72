import { COLUMN_BY_NAME, type SampleInput } from '../columns.js';

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
