/**
 * A fixed-rate schedule on the monotonic clock: tick k is due at start + k × interval, whatever the
 * previous tick cost, so samples do not drift. A tick that is late by a whole interval or more
 * (a stalled process, a suspended host) is skipped rather than fired in a burst.
 */
export class Schedule {
  readonly intervalMs: number;
  #startMs: number;
  #tick = 1;

  constructor(intervalMs: number, startMs: number) {
    this.intervalMs = intervalMs;
    this.#startMs = startMs;
  }

  /** When the next tick is due (monotonic ms). */
  get dueMs(): number {
    return this.#startMs + this.#tick * this.intervalMs;
  }

  /** Marks the due tick done at `nowMs`; returns how many ticks were skipped because they were late. */
  advance(nowMs: number): number {
    const next = Math.floor((nowMs - this.#startMs) / this.intervalMs) + 1;
    const skipped = Math.max(0, next - this.#tick - 1);
    this.#tick = Math.max(this.#tick + 1, next);
    return skipped;
  }
}

/** Monotonic milliseconds (CLOCK_MONOTONIC): never jumps with the wall clock. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
