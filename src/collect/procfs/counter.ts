/**
 * Kernel counters are u64. A JS number is exact only up to 2^53, so a counter is kept as a number
 * while it fits and as a bigint beyond: deltas stay exact at any size (2^64 − 1 included), and the
 * common case costs nothing extra.
 */
export type Counter = number | bigint;

const MAX_SAFE_DIGITS = 15; // every 15-digit decimal is below 2^53

/**
 * Parses the unsigned decimal at text[start, end). Returns NaN where it is not one, so callers can
 * reject malformed input with a message that names the file.
 */
export function parseCounter(text: string, start: number, end: number): Counter {
  if (end <= start) return Number.NaN;
  if (end - start > MAX_SAFE_DIGITS) {
    const digits = text.slice(start, end);
    if (!/^\d+$/.test(digits)) return Number.NaN;
    const big = BigInt(digits);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** after − before, exact for any u64; negative when the counter went backwards (wrap, reset). */
export function counterDelta(before: Counter, after: Counter): number {
  if (typeof before === 'number' && typeof after === 'number') return after - before;
  return Number(BigInt(after) - BigInt(before));
}

/** Whether a parsed counter is a real value (not the NaN of a malformed field). */
export function isCounter(value: Counter): boolean {
  return typeof value === 'bigint' || !Number.isNaN(value);
}
