import { type Counter, isCounter, parseCounter } from './counter.js';

const SPACE = 32;
const TAB = 9;

const isBlank = (code: number) => code === SPACE || code === TAB;

/**
 * Parses up to `max` whitespace-separated unsigned counters from text[start, end) into `out`
 * and returns how many it read; stops at the first field that is not a counter (returns −1).
 */
export function parseCounters(text: string, start: number, end: number, out: Counter[], max: number): number {
  let count = 0;
  let i = start;
  while (count < max) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const fieldStart = i;
    while (i < end && !isBlank(text.charCodeAt(i))) i++;
    const value = parseCounter(text, fieldStart, i);
    if (!isCounter(value)) return -1;
    out[count++] = value;
  }
  return count;
}

/** Splits a line into its whitespace-separated fields. */
export function splitFields(line: string): string[] {
  return line.trim().split(/\s+/);
}

/** Iterates the lines of a kernel file without copying the text. */
export function* lineRanges(text: string): Generator<[start: number, end: number]> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) yield [start, end];
    start = end + 1;
  }
}
