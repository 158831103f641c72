/**
 * A fixed-rate schedule on the monotonic clock: tick k is due at first + k × interval, whatever the
 * previous tick cost, so samples do not drift.
 *
 * sample_time is whole seconds (the spec's BIGINT), so where the ticks fall within a second
 * matters: ticks at x.999 s would give two rows the same second whenever one fires a millisecond
 * late. The agent therefore puts its ticks on a grid half a second away from the second's
 * boundaries (wall-clock times ≡ 500 ms modulo the interval, {@link firstDueMs}), where timer
 * jitter of up to half a second changes no second. A tick taken more than half an interval late (a
 * stalled process, SIGSTOP, a suspended host) would leave less than half an interval before the
 * next one: the schedule then passes over grid points until the next tick is at least half an
 * interval away, rather than firing a burst or two samples in one second.
 */
export class Schedule {
  readonly intervalMs: number;
  readonly #firstDueMs: number;
  #tick = 0;

  /** `firstDueMs`: when the first tick is due (monotonic ms), a point of the schedule's grid. */
  constructor(intervalMs: number, firstDueMs: number) {
    this.intervalMs = intervalMs;
    this.#firstDueMs = firstDueMs;
  }

  /** When the next tick is due (monotonic ms). */
  get dueMs(): number {
    return this.#firstDueMs + this.#tick * this.intervalMs;
  }

  /** Marks the due tick taken at `nowMs`; returns how many ticks of the grid it passes over. */
  advance(nowMs: number): number {
    const earliest = nowMs + this.intervalMs / 2;
    const next = this.#tick + 1;
    const needed = Math.ceil((earliest - this.#firstDueMs) / this.intervalMs);
    this.#tick = Math.max(next, needed);
    return this.#tick - next;
  }

  /**
   * Passes over the grid points before `ms` (monotonic), so that the next tick is due at `ms` or
   * later; returns how many it passed over (0 when it was due later already).
   */
  notBefore(ms: number): number {
    const needed = Math.ceil((ms - this.#firstDueMs) / this.intervalMs);
    if (needed <= this.#tick) return 0;
    const passed = needed - this.#tick;
    this.#tick = needed;
    return passed;
  }
}

/**
 * The first tick after `startMs` (monotonic) at least half an interval away, on the grid of
 * wall-clock times ≡ 500 ms modulo the interval; `wallOffsetMs` is wall-clock ms minus monotonic ms.
 */
export function firstDueMs(startMs: number, intervalMs: number, wallOffsetMs: number): number {
  const earliestWall = startMs + intervalMs / 2 + wallOffsetMs;
  const k = Math.ceil((earliestWall - 500) / intervalMs);
  return k * intervalMs + 500 - wallOffsetMs;
}
