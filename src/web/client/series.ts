/**
 * Rows of /api/samples as the columns uPlot draws: one array per field beside the times, stacked
 * where a chart is, and slid along as new rows arrive. Pure.
 */
import type { Row } from './answers.js';
import type { ChartSpec } from './config.js';

/** `sample_time` and one array per field, all the same length; null where a value is missing. */
export type Columns = Record<string, (number | null)[]> & { sample_time: number[] };

/** Columns without rows. */
export function emptyColumns(fields: readonly string[]): Columns {
  const columns: Columns = { sample_time: [] };
  for (const f of fields) columns[f] = [];
  return columns;
}

/** The rows' fields as columns; values arrive as JSON numbers, anything else counts as missing. */
export function toColumns(rows: readonly Row[], fields: readonly string[]): Columns {
  const columns = emptyColumns(fields);
  for (const row of rows) {
    columns.sample_time.push(Number(row.sample_time));
    for (const f of fields) {
      const value = row[f];
      columns[f]?.push(value === null || value === undefined ? null : Number(value));
    }
  }
  return columns;
}

/**
 * Leaves out samples from the future (a writer's clock ran ahead): one point an hour ahead would
 * stretch the time axis and squeeze the window into its left edge.
 */
export function withoutFuture(rows: readonly Row[], now: number, toleranceSeconds: number): Row[] {
  const until = now + toleranceSeconds;
  return rows.filter((r) => Number(r.sample_time) <= until);
}

/** What a chart draws (times first, then each series) and the values its legend shows. */
export interface ChartData {
  readonly draw: [times: number[], ...series: (number | null)[][]];
  readonly raw: (number | null)[][];
}

/** A chart's data; a stacked chart draws each series at the running sum of those below it. */
export function chartData(spec: ChartSpec, columns: Columns): ChartData {
  const xs = columns.sample_time;
  const raw = spec.series.map((s) => columns[s.column] ?? []);
  if (!spec.stacked) return { draw: [xs, ...raw], raw };
  const sums: (number | null)[][] = [];
  let acc: (number | null)[] = xs.map(() => null);
  for (const values of raw) {
    acc = acc.map((a, i) => {
      const v = values[i];
      return v === null || v === undefined ? a : (a ?? 0) + v;
    });
    sums.push(acc);
  }
  return { draw: [xs, ...sums], raw };
}

/** `columns` followed by `more`, without the rows before `from` (the window's new start; null: keep all). */
export function slide(columns: Columns, more: Columns, from: number | null): Columns {
  const xs = columns.sample_time;
  let keep = 0;
  if (from !== null) while (keep < xs.length && (xs[keep] as number) < from) keep++;
  const next: Columns = { sample_time: [...xs.slice(keep), ...more.sample_time] };
  for (const key of Object.keys(columns)) {
    if (key !== 'sample_time') next[key] = [...(columns[key] ?? []).slice(keep), ...(more[key] ?? [])];
  }
  return next;
}
