import { type Counter, isCounter, parseCounter } from './counter.js';
import { ParseError, quote } from './parse-error.js';

/**
 * /proc/vmstat: `name value` per line, cumulative event counters (pgfault, pgmajfault, oom_kill …)
 * and current page counts (nr_*), all u64. Names come and go between kernels, so every key is
 * optional and none is rejected.
 */
export type Vmstat = ReadonlyMap<string, Counter>;

export function parseVmstat(text: string): Vmstat {
  const values = new Map<string, Counter>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    const value = space <= 0 ? Number.NaN : parseCounter(line, space + 1, line.trimEnd().length);
    if (!isCounter(value)) throw new ParseError('/proc/vmstat', `malformed line ${quote(line)}`);
    values.set(line.slice(0, space), value);
  }
  return values;
}
