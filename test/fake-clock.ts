import type { Clock, ClockTimer } from '../src/agent/clock.js';

interface FakeTimer {
  readonly seq: number;
  readonly atMs: number;
  readonly fn: () => void;
}

/** Everything already queued on the real event loop (every promise callback) has run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A {@link Clock} whose time moves only when its timers are due: `run` drives a piece of work,
 * and whenever that work (and everything it started) is waiting, moves the time to the next timer
 * and fires it. Timers fire in time order, those due at the same time in the order they were set,
 * as Node's do; nothing depends on how busy the machine is, so a test on it is exact.
 *
 * For work that waits only on this clock and on promises: real I/O or real timers would look
 * like idleness, and `run` would move the time on under them.
 */
export class FakeClock implements Clock {
  #nowMs: number;
  readonly #wallOffsetMs: number;
  #timers: FakeTimer[] = [];
  #seq = 0;

  /** `wallMs`: what the wall clock reads at monotonic 0 (an arbitrary fixed instant by default). */
  constructor(options: { monotonicMs?: number; wallMs?: number } = {}) {
    this.#nowMs = options.monotonicMs ?? 0;
    this.#wallOffsetMs = (options.wallMs ?? 1_700_000_000_000) - this.#nowMs;
  }

  monotonicMs(): number {
    return this.#nowMs;
  }

  wallMs(): number {
    return this.#nowMs + this.#wallOffsetMs;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: FakeTimer = { seq: this.#seq++, atMs: this.#nowMs + Math.max(0, ms), fn };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Runs `work` to its end on this clock and returns (or throws) what it did. Throws when the work
   * waits with no timer set (it would wait for ever), or once the time has moved on by `limitMs`.
   */
  async run<T>(work: () => Promise<T>, limitMs = 3_600_000): Promise<T> {
    const endMs = this.#nowMs + limitMs;
    let done = false;
    const result = work().finally(() => {
      done = true;
    });
    result.catch(() => undefined); // handled below, by the caller's await
    for (;;) {
      await settled();
      if (done) return result;
      const next = this.#timers.shift();
      if (next === undefined) throw new Error('FakeClock.run: the work is waiting and no timer is set');
      if (next.atMs > endMs) throw new Error(`FakeClock.run: still running after ${limitMs} ms`);
      this.#nowMs = Math.max(this.#nowMs, next.atMs);
      next.fn();
    }
  }
}
