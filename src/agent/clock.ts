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
