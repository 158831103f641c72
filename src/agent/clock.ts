/**
 * The time and the timers the agent runs on. The agent takes one (`AgentOptions.clock`), so
 * that its schedule, its retries and its stop can run on a clock that moves only when a test moves
 * it, instead of sleeping in real time; {@link realClock} is the default.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock: never steps with the wall clock; only differences mean anything. */
  monotonicMs(): number;
  /** Milliseconds since the Unix epoch, as `Date.now()`: the wall clock, which can step. */
  wallMs(): number;
  /** Calls `fn` once, `ms` from now (at once, but not synchronously, for 0 or less). */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /** Cancels a timer that has not fired yet; a timer that fired or was cancelled is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/** A timer of a {@link Clock}, for its `clearTimeout`; what it holds is the clock's business. */
export type ClockTimer = object;

/** The process's clocks: CLOCK_MONOTONIC (`process.hrtime`), `Date.now()` and Node's timers. */
export const realClock: Clock = {
  monotonicMs: () => Number(process.hrtime.bigint()) / 1e6,
  wallMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * Resolves `ms` from now on `clock`. With `signal`, rejects with its reason as soon as it aborts
 * (at once when it has already), and the timer is cancelled.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits again and again on one clock until `signal` aborts: {@link sleep} for a loop that waits
 * on every tick. The abort listener is added once for the loop's life rather than once a wait
 * (adding and removing an EventTarget listener cost more than the timer), and a wait resolves
 * with whether the signal aborted instead of rejecting, so a tick makes one promise and one timer.
 */
export class Waiter {
  readonly #clock: Clock;
  readonly #signal: AbortSignal;
  #wake: ((aborted: boolean) => void) | null = null;
  #timer: ClockTimer | null = null;
  readonly #onTime = () => {
    this.#timer = null;
    this.#settle(false);
  };
  readonly #onAbort = () => {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#settle(true);
  };

  constructor(clock: Clock, signal: AbortSignal) {
    this.#clock = clock;
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Resolves `ms` from now with false, or with true as soon as the signal aborts (at once if it has). */
  wait(ms: number): Promise<boolean> {
    if (this.#signal.aborted) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      this.#wake = resolve;
      this.#timer = this.#clock.setTimeout(this.#onTime, ms);
    });
  }

  /** Removes the listener and cancels a wait in progress (which then never resolves). */
  close(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#wake = null;
  }

  #settle(aborted: boolean): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.(aborted);
  }
}
