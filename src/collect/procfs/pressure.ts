import type { Counter } from './counter.js';
import { isCounter, parseCounter } from './counter.js';
import { ParseError, quote } from './parse-error.js';

/** One line of a PSI file: the share of wall time that tasks were stalled. */
export interface PsiLine {
  /** Stall time over the last 10 s, percent (0–100). */
  avg10: number;
  /** Stall time over the last 60 s, percent. */
  avg60: number;
  /** Stall time over the last 300 s, percent. */
  avg300: number;
  /** Stall time since boot, microseconds (u64). */
  totalMicroseconds: Counter;
}

/**
 * /proc/pressure/{cpu,io,memory,irq} (Linux 4.20+). `some`: at least one task stalled; `full`: all
 * non-idle tasks stalled at once. A line the kernel does not write is null: `cpu` has no `full` line
 * before 5.13, and `irq` (6.1+) has only `full`.
 */
export interface Pressure {
  some: PsiLine | null;
  full: PsiLine | null;
}

/**
 * Parses one PSI file. `file` names it in errors (`/proc/pressure/io`). Lines with another first word
 * are ignored (a kernel may add some); a bad value on a `some`/`full` line is an error.
 */
export function parsePressure(text: string, file: string): Pressure {
  const result: Pressure = { some: null, full: null };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const kind = words[0];
    if (kind !== 'some' && kind !== 'full') continue;
    const values = new Map<string, string>();
    for (const word of words.slice(1)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new ParseError(file, `malformed line ${quote(line)}`);
      values.set(word.slice(0, eq), word.slice(eq + 1));
    }
    const avg10 = percent(values.get('avg10'));
    const avg60 = percent(values.get('avg60'));
    const avg300 = percent(values.get('avg300'));
    const totalText = values.get('total') ?? '';
    const total = parseCounter(totalText, 0, totalText.length);
    if (avg10 === null || avg60 === null || avg300 === null || !isCounter(total)) {
      throw new ParseError(file, `malformed line ${quote(line)}`);
    }
    result[kind] = { avg10, avg60, avg300, totalMicroseconds: total };
  }
  return result;
}

function percent(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}
