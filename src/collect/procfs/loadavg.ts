import { ParseError, quote } from './parse-error.js';

/** /proc/loadavg: run-queue averages over 1, 5 and 15 minutes, and the task counts. */
export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable tasks and all tasks, from `running/total`; null where the kernel omits them. */
  tasksRunning: number | null;
  tasksTotal: number | null;
}

export function parseLoadavg(text: string): LoadAvg {
  const fields = text.trim().split(/\s+/);
  const [l1, l5, l15] = fields.map(Number);
  if (fields.length < 3 || !isLoad(l1) || !isLoad(l5) || !isLoad(l15)) {
    throw new ParseError('/proc/loadavg', `malformed ${quote(text.trim())}`);
  }
  const tasks = fields[3]?.split('/').map(Number);
  const running = tasks?.[0];
  const total = tasks?.[1];
  return {
    load1: l1,
    load5: l5,
    load15: l15,
    tasksRunning: Number.isInteger(running) ? (running as number) : null,
    tasksTotal: Number.isInteger(total) ? (total as number) : null,
  };
}

const isLoad = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n >= 0;
