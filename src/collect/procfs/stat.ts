import type { Counter } from './counter.js';
import { lineRanges, parseCounters } from './fields.js';
import { ParseError, quote } from './parse-error.js';

/**
 * CPU time of one `cpu` line in USER_HZ jiffies, in the kernel's order:
 * user nice system idle iowait irq softirq steal guest guest_nice.
 * Kernels before 2.6.33 write fewer than ten; the absent ones are `null`.
 * guest is already counted inside user, and guest_nice inside nice.
 */
export type CpuJiffies = readonly (Counter | null)[];

export const CPU_FIELDS = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guest_nice',
] as const;

/** What ringmon reads from /proc/stat. Counters are cumulative since boot. */
export interface ProcStat {
  /** The aggregate `cpu` line (all CPUs). */
  cpu: CpuJiffies;
  /** Per-CPU lines, keyed by name (`cpu0`, `cpu1`, …); offline CPUs have no line. */
  cpus: Map<string, CpuJiffies>;
  /** Interrupts serviced since boot: the first number of the `intr` line. */
  intrTotal: Counter | null;
  /** Context switches since boot (`ctxt`). */
  ctxt: Counter | null;
  /** Boot time, UTC epoch seconds (`btime`). */
  btime: number | null;
  /** Forks since boot (`processes`). */
  processes: Counter | null;
  /** Tasks runnable now (`procs_running`). */
  procsRunning: number | null;
  /** Tasks blocked on I/O now (`procs_blocked`). */
  procsBlocked: number | null;
  /** Softirqs serviced since boot: the first number of the `softirq` line. */
  softirqTotal: Counter | null;
}

const FILE = '/proc/stat';

/**
 * Parses /proc/stat. The `intr` line can hold thousands of per-IRQ columns (132 KB on big machines);
 * only its first number is read, so the file is scanned once and never split whole.
 */
export function parseStat(text: string): ProcStat {
  const result: ProcStat = {
    cpu: [],
    cpus: new Map(),
    intrTotal: null,
    ctxt: null,
    btime: null,
    processes: null,
    procsRunning: null,
    procsBlocked: null,
    softirqTotal: null,
  };
  const values: Counter[] = [];
  for (const [start, end] of lineRanges(text)) {
    const space = text.indexOf(' ', start);
    const keyEnd = space === -1 || space > end ? end : space;
    const key = text.slice(start, keyEnd);
    if (key.startsWith('cpu')) {
      const n = parseCounters(text, keyEnd, end, values, CPU_FIELDS.length);
      if (n < 4) throw new ParseError(FILE, `malformed cpu line ${quote(text.slice(start, end))}`);
      const jiffies: (Counter | null)[] = CPU_FIELDS.map((_, i) => (i < n ? (values[i] as Counter) : null));
      if (key === 'cpu') result.cpu = jiffies;
      else result.cpus.set(key, jiffies);
      continue;
    }
    switch (key) {
      case 'intr':
        result.intrTotal = firstCounter(text, keyEnd, end, values, key);
        break;
      case 'softirq':
        result.softirqTotal = firstCounter(text, keyEnd, end, values, key);
        break;
      case 'ctxt':
        result.ctxt = firstCounter(text, keyEnd, end, values, key);
        break;
      case 'processes':
        result.processes = firstCounter(text, keyEnd, end, values, key);
        break;
      case 'btime':
        result.btime = Number(firstCounter(text, keyEnd, end, values, key));
        break;
      case 'procs_running':
        result.procsRunning = Number(firstCounter(text, keyEnd, end, values, key));
        break;
      case 'procs_blocked':
        result.procsBlocked = Number(firstCounter(text, keyEnd, end, values, key));
        break;
      // Other lines (page, swap, …) are skipped: unknown keys are tolerated for future kernels.
    }
  }
  if (result.cpu.length === 0) throw new ParseError(FILE, 'no aggregate "cpu" line');
  return result;
}

function firstCounter(text: string, start: number, end: number, out: Counter[], key: string): Counter {
  // Only the first number is wanted; stop scanning the line right after it.
  let fieldEnd = start;
  while (fieldEnd < end && text.charCodeAt(fieldEnd) === 32) fieldEnd++;
  const next = text.indexOf(' ', fieldEnd);
  fieldEnd = next === -1 || next > end ? end : next;
  if (parseCounters(text, start, fieldEnd, out, 1) !== 1) {
    throw new ParseError(
      FILE,
      `malformed ${key} line ${quote(text.slice(start, Math.min(end, start + 60)))}`,
    );
  }
  return out[0] as Counter;
}

/** The per-source interrupt counts of /proc/stat, without the totals (those are in {@link ProcStat}). */
export interface InterruptCounts {
  /** Interrupts per IRQ number since boot: index i is IRQ i (the `intr` line after its total). */
  intr: Counter[];
  /**
   * Softirqs per type since boot, in the kernel's order: HI TIMER NET_TX NET_RX BLOCK IRQ_POLL
   * TASKLET SCHED HRTIMER RCU (the `softirq` line after its total).
   */
  softirq: Counter[];
}

/**
 * Reads the per-IRQ and per-softirq columns of /proc/stat. Separate from {@link parseStat} so only
 * callers who want thousands of columns pay for them: finds the two lines and parses each once.
 * A missing line gives an empty list.
 */
export function parseInterruptCounts(text: string): InterruptCounts {
  return { intr: countsAfterTotal(text, 'intr'), softirq: countsAfterTotal(text, 'softirq') };
}

function countsAfterTotal(text: string, key: string): Counter[] {
  const prefix = `${key} `;
  let start = text.startsWith(prefix) ? 0 : text.indexOf(`\n${prefix}`);
  if (start === -1) return [];
  if (text.charCodeAt(start) === 10) start++;
  let end = text.indexOf('\n', start);
  if (end === -1) end = text.length;
  const values: Counter[] = [];
  const n = parseCounters(text, start + prefix.length, end, values, Number.POSITIVE_INFINITY);
  if (n < 1) throw new ParseError(FILE, `malformed ${key} line ${quote(text.slice(start, end))}`);
  return values.slice(1);
}
