import { readdirSync, readFileSync } from 'node:fs';

/**
 * sysfs reads for discovery (not the per-snapshot hot path, which keeps descriptors open): a file
 * or directory that is missing or unreadable is an answer here, not an error — drivers come and go.
 */

/** A sysfs attribute's text without the trailing newline, or null where it cannot be read. */
export function readSysText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1').trim();
  } catch {
    return null;
  }
}

/** A directory's entries in natural order (hwmon2 before hwmon10), or [] where it cannot be read. */
export function listSysDir(path: string): string[] {
  try {
    return readdirSync(path).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return [];
  }
}
