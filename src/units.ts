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
