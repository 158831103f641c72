/**
 * Numbers, times and spans as the pages print them. Pure, so Node's tests run them as the browser does.
 * The server's text output (src/format/text.ts, `formatSpan` in src/reads/history.ts) follows other
 * rules: two decimals and '-' for a terminal table, a span to the second for `ringmon status`.
 */

/** Shown where a value is missing (NULL, not measured on this machine). */
export const MISSING = '–';

/** A value with about three significant digits (`1234`, `12.3`, `1.23`), then its unit if given. */
export function formatNumber(value: number | null | undefined, unit?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const size = Math.abs(value);
  const text = size >= 100 ? value.toFixed(0) : size >= 10 ? value.toFixed(1) : value.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

/** Two values of one unit, `read / write`: `1.20 / 0.00 MiB/s`. */
export function formatPair(
  a: number | null | undefined,
  b: number | null | undefined,
  unit?: string,
): string {
  return `${formatNumber(a)} / ${formatNumber(b)}${unit ? ` ${unit}` : ''}`;
}

/** How long ago, in the largest unit that still reads well: `2 s ago`, `10 min ago`, `3 h ago`, `2 d ago`. */
export function formatAgo(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'never';
  const s = Math.max(0, seconds);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A length of time, whole units down to minutes: `45 s`, `59 min`, `2 h 5 min`, `3 d 4 h`. */
export function formatSpan(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

/** Epoch seconds in the browser's own locale and time zone. */
export function formatWhen(epochSeconds: number | null | undefined): string {
  return epochSeconds === null || epochSeconds === undefined
    ? MISSING
    : new Date(epochSeconds * 1000).toLocaleString();
}
