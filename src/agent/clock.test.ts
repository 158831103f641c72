import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fake-clock.js';
import { realClock, sleep } from './clock.js';

describe('sleep', () => {
  it('resolves when the time has come, timers in time order and in the order set', async () => {
    const clock = new FakeClock();
    const woke: string[] = [];
    const nap = (name: string, ms: number) =>
      sleep(clock, ms).then(() => woke.push(`${name}@${clock.monotonicMs()}`));
    await clock.run(() => Promise.all([nap('b', 30), nap('a', 10), nap('c', 30), nap('now', 0)]));
    expect(woke).toEqual(['now@0', 'a@10', 'b@30', 'c@30']);
  });

  it('rejects with the reason when the signal aborts, and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort(new Error('stop')), 5);
    await expect(clock.run(() => sleep(clock, 1000, controller.signal))).rejects.toThrow('stop');
    expect(clock.monotonicMs()).toBe(5);
    expect(clock.pendingTimers).toBe(0);
    // Aborted already: at once, with no timer set.
    await expect(sleep(clock, 1000, controller.signal)).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });

  it('on the real clock, waits on a Node timer and can be aborted', async () => {
    const start = realClock.monotonicMs();
    await sleep(realClock, 5);
    expect(realClock.monotonicMs()).toBeGreaterThanOrEqual(start + 4); // Node rounds timers to whole ms
    const controller = new AbortController();
    const pending = sleep(realClock, 60_000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
  });
});

describe('FakeClock', () => {
  it('keeps the wall clock a fixed distance from the monotonic one', async () => {
    const clock = new FakeClock({ monotonicMs: 100, wallMs: 1_800_000_000_000 });
    await clock.run(() => sleep(clock, 250));
    expect(clock.monotonicMs()).toBe(350);
    expect(clock.wallMs()).toBe(1_800_000_000_250);
  });

  it('says so when the work waits and no timer will ever wake it', async () => {
    const clock = new FakeClock();
    await expect(clock.run(() => new Promise(() => undefined))).rejects.toThrow('no timer is set');
  });

  it('gives up on work that keeps setting timers past the limit', async () => {
    const clock = new FakeClock();
    const forever = async () => {
      for (;;) await sleep(clock, 1000);
    };
    await expect(clock.run(forever, 10_000)).rejects.toThrow('still running after 10000 ms');
  });
});
