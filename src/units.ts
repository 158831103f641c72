/** Units the columns use, and the one rounding rule for byte counts stored as whole MiB. */

/** Bytes in a MiB: every `_mb` column is MiB (2^20 bytes), as free -m and docker stats count. */
export const MIB = 1024 * 1024;

/**
 * Bytes as whole MiB, rounded down, as `free -m` shows them: host memory and container memory are
 * stored by the same rule. null stays null.
 */
export function wholeMib(bytes: number | null | undefined): number | null {
  return bytes === null || bytes === undefined ? null : Math.floor(bytes / MIB);
}

/**
 * A sampling interval as the spec's INTEGER `interval_seconds` stores it: whole seconds, rounded
 * up, so at least 1. Rounded up rather than to the nearest because readers judge a writer quiet
 * after 3 of its intervals: 0.2 s stored as 0 would make every writer quiet at once, and 2.4 s
 * stored as 2 would call it quiet 1.2 s early. A 0.2 s agent therefore stores 1.
 */
export function storedIntervalSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}
