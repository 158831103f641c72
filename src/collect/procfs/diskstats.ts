import type { Counter } from './counter.js';
import { lineRanges, parseCounters } from './fields.js';
import { ParseError, quote } from './parse-error.js';

/**
 * Index of each statistic in `DiskStats.stats` (Documentation/admin-guide/iostats.rst).
 * 4.18 added the four discard fields and 5.5 the two flush fields, so a line carries 11, 15 or 17.
 */
export const DISK_STAT = {
  readsCompleted: 0,
  readsMerged: 1,
  sectorsRead: 2,
  readMs: 3,
  writesCompleted: 4,
  writesMerged: 5,
  sectorsWritten: 6,
  writeMs: 7,
  iosInProgress: 8,
  ioTicksMs: 9,
  weightedIoMs: 10,
  discardsCompleted: 11,
  discardsMerged: 12,
  sectorsDiscarded: 13,
  discardMs: 14,
  flushesCompleted: 15,
  flushMs: 16,
} as const;

/** One line of /proc/diskstats. Sectors are always 512 bytes here, whatever the device's sector size. */
export interface DiskStats {
  major: number;
  minor: number;
  name: string;
  /** The counters after the name, in kernel order (see DISK_STAT). */
  stats: Counter[];
}

const MIN_STATS = 11;
const MAX_STATS = 17;

/**
 * Parses /proc/diskstats. With `wanted`, only the devices it accepts are parsed (the collector
 * skips partitions, loop and ram devices unread).
 */
export function parseDiskstats(text: string, wanted?: (name: string) => boolean): DiskStats[] {
  const disks: DiskStats[] = [];
  const head: Counter[] = [];
  for (const [start, end] of lineRanges(text)) {
    // "   8       0 sda 123 …": major and minor, then the name, then the counters.
    let i = start;
    while (text.charCodeAt(i) === 32) i++;
    const nameStart = skipNumbers(text, i, end, 2);
    let nameEnd = nameStart;
    while (nameEnd < end && text.charCodeAt(nameEnd) !== 32) nameEnd++;
    const name = text.slice(nameStart, nameEnd);
    if (wanted && nameEnd > nameStart && !wanted(name)) continue;
    const stats: Counter[] = [];
    const count = parseCounters(text, nameEnd, end, stats, MAX_STATS + 1);
    if (
      parseCounters(text, i, nameStart, head, 2) !== 2 ||
      nameEnd === nameStart ||
      count < MIN_STATS ||
      count > MAX_STATS
    ) {
      // Kernels before 2.6.25 wrote 4 counters for partitions; they are never whole disks.
      if (count === 4) continue;
      throw new ParseError('/proc/diskstats', `malformed line ${quote(text.slice(start, end))}`);
    }
    disks.push({
      major: Number(head[0]),
      minor: Number(head[1]),
      name,
      stats,
    });
  }
  return disks;
}

/** Returns the index just past `count` blank-separated fields starting at i, and the blanks after. */
function skipNumbers(text: string, i: number, end: number, count: number): number {
  let pos = i;
  for (let n = 0; n < count; n++) {
    while (pos < end && text.charCodeAt(pos) !== 32) pos++;
    while (pos < end && text.charCodeAt(pos) === 32) pos++;
  }
  return pos;
}
