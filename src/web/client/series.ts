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

/**
 * Each row's interval_seconds, beside the fields: where the next row comes much later than the
 * interval promised, the writer was silent, and {@link withGaps} breaks the lines there.
 */
export const INTERVAL = 'interval_seconds';

/** The rows' fields (and {@link INTERVAL}) as columns; values arrive as JSON numbers, anything else counts as missing. */
export function toColumns(rows: readonly Row[], fields: readonly string[]): Columns {
  const keys = fields.includes(INTERVAL) ? fields : [...fields, INTERVAL];
  const columns = emptyColumns(keys);
  for (const row of rows) {
    columns.sample_time.push(Number(row.sample_time));
    for (const f of keys) {
      const value = row[f];
      columns[f]?.push(value === null || value === undefined ? null : Number(value));
    }
  }
  return columns;
}

/**
 * A silence longer than this many intervals is a gap, drawn as a break: one missed sample (a slow
 * /proc read, a delayed write) is not, an agent stopped for minutes is.
 */
export const GAP_INTERVALS = 2;

/**
 * The columns with a point of missing values inserted wherever the next row comes more than
 * GAP_INTERVALS × the row's interval after it (uPlot, whose series keep spanGaps off, breaks a line
 * at a missing value). For steps of `step` seconds (null: stored rows), a point stands for its
 * step, so the gap is measured in whichever is longer, the step or the interval. A row without an
 * interval and without a step cannot tell a gap from its pace, and is joined to the next.
 */
export function withGaps(columns: Columns, step: number | null): { columns: Columns; gaps: number } {
  const xs = columns.sample_time;
  const intervals = columns[INTERVAL] ?? [];
  const breaks: number[] = [];
  for (let i = 0; i + 1 < xs.length; i++) {
    const pace = Math.max(intervals[i] ?? 0, step ?? 0);
    if (pace > 0 && (xs[i + 1] as number) - (xs[i] as number) > GAP_INTERVALS * pace) breaks.push(i);
  }
  if (breaks.length === 0) return { columns, gaps: 0 };
  const keys = Object.keys(columns).filter((k) => k !== 'sample_time');
  const out = emptyColumns(keys);
  let from = 0;
  for (const i of [...breaks, xs.length - 1]) {
    out.sample_time.push(...xs.slice(from, i + 1));
    for (const k of keys) out[k]?.push(...(columns[k] ?? []).slice(from, i + 1));
    if (i < xs.length - 1) {
      // One pace after the last sample: where the next one was due and did not come.
      const pace = Math.max(intervals[i] ?? 0, step ?? 0);
      out.sample_time.push((xs[i] as number) + pace);
      for (const k of keys) out[k]?.push(null);
    }
    from = i + 1;
  }
  return { columns: out, gaps: breaks.length };
}

/** Whether any of the chart's series has a value: a chart without any says why instead of drawing axes. */
export function hasValues(spec: ChartSpec, columns: Columns): boolean {
  return spec.series.some((s) => (columns[s.column] ?? []).some((v) => v !== null));
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

/**
 * A chart's data; a stacked chart draws each series at the running sum of those below it, and,
 * when its spec names a `total`, one more series at the top of the stack: the sum of the parts,
 * which its legend shows too.
 */
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
  if (spec.total === undefined) return { draw: [xs, ...sums], raw };
  return { draw: [xs, ...sums, acc], raw: [...raw, acc] };
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
