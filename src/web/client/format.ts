/**
 * Numbers, times and spans as people read them: the one set of rules for the dashboard's pages and
 * the CLI's text (`ringmon recent`, `ringmon status`, src/format/text.ts and src/reads import it).
 * It lives among the page's modules because the browser loads only what is served from
 * dist/web/client; the server build compiles it there too. Pure and without imports, so that
 * Node's tests run it as the browser does and `import 'ringmon'` loads nothing else of the page.
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

/**
 * A length of time in at most two units, the second dropped where it no longer matters: `45 s`,
 * `1 min 40 s` (seconds shown under 10 min, where they are a good part of the span), `59 min`,
 * `2 h 5 min`, `3 d 4 h`. Rounded to the second, then each unit counted down (never rounded up).
 */
export function formatSpan(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Epoch seconds as the pages print a time everywhere (header, tooltips, legends): `2027-01-15
 * 09:00:00`, to the second because samples are, in the browser's own time zone, 24-hour. One
 * format that sorts as it reads, whatever the browser's locale would make of it.
 */
export function formatWhen(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined || !Number.isFinite(epochSeconds)) return MISSING;
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clock(d, true)}`;
}

/**
 * The same layout in UTC, said so: `2026-12-02 01:38:09 UTC`. For a terminal, whose readers may sit
 * in other time zones than the host and compare its output with other machines' logs.
 */
export function formatUtc(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined || !Number.isFinite(epochSeconds)) return MISSING;
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function clock(d: Date, seconds: boolean): string {
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return seconds ? `${hm}:${pad2(d.getSeconds())}` : hm;
}

/**
 * A time-axis label, the part of {@link formatWhen} that changes from tick to tick `incr` seconds
 * apart: `09:00:05` when ticks are seconds apart, `09:05` when minutes or hours, `2027-01-15` when days.
 */
export function formatAxisTime(epochSeconds: number, incr: number): string {
  const d = new Date(epochSeconds * 1000);
  if (incr < 60) return clock(d, true);
  if (incr < 86_400) return clock(d, false);
  return formatWhen(epochSeconds).slice(0, 10);
}

/**
 * A value-axis label for ticks `incr` apart: as many decimals as the increment has and no more, so
 * that ticks 50 apart read `0`, `50`, `100` (not `0.00`), and 0.25 apart `0.25`, `0.50`.
 */
export function formatTick(value: number, incr: number): string {
  let decimals = 0;
  while (decimals < 4 && Math.abs(Math.round(incr * 10 ** decimals) - incr * 10 ** decimals) > 1e-6)
    decimals++;
  // -0 (a tick computed as 0 × -1) prints as 0.
  return (Math.abs(value) < 1e-12 ? 0 : value).toFixed(decimals);
}

/**
 * The value axis of a chart: from 0 (or below, for values below it), up to a little above the
 * highest value, so that a small wobble is not drawn across the whole height; [0, 1] with no values.
 */
export function valueRange(min: number | null, max: number | null): [number, number] {
  const lo = Math.min(0, min ?? 0);
  const hi = Math.max(0, max ?? 0);
  if (hi === lo) return [lo, lo + 1];
  return [lo, hi + (hi - lo) * 0.05];
}
