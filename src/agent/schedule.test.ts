import { describe, expect, it } from 'vitest';
import { firstDueMs, Schedule } from './schedule.js';

describe('Schedule', () => {
  it('keeps ticks on first + k × interval whatever each tick cost', () => {
    const schedule = new Schedule(1000, 6000);
    const due: number[] = [];
    for (const takenAt of [6030, 7450, 8001, 9499]) {
      due.push(schedule.dueMs);
      expect(schedule.advance(takenAt)).toBe(0);
    }
    expect(due).toEqual([6000, 7000, 8000, 9000]);
    expect(schedule.dueMs).toBe(10_000);
  });

  it('after a stall passes over grid points until the next tick is half an interval away', () => {
    const schedule = new Schedule(1000, 1000);
    expect(schedule.advance(4500)).toBe(3); // 2000, 3000 and 4000 were missed; 5000 is 0.5 s away
    expect(schedule.dueMs).toBe(5000);
    // Late by 0.7 s: the next grid point would be 0.3 s after this tick; it is passed over.
    expect(schedule.advance(5700)).toBe(1);
    expect(schedule.dueMs).toBe(7000);
  });

  it('never puts two ticks within half an interval, wherever a late tick is taken', () => {
    for (let takenAt = 1000; takenAt < 6000; takenAt += 37) {
      const schedule = new Schedule(1000, 1000);
      schedule.advance(takenAt);
      expect(schedule.dueMs - takenAt).toBeGreaterThanOrEqual(500);
      expect(schedule.dueMs % 1000).toBe(0);
    }
  });

  it('notBefore passes over the grid points before a time, and none when the next is later', () => {
    const schedule = new Schedule(1000, 1500);
    schedule.advance(1500); // next due 2500
    expect(schedule.notBefore(2000)).toBe(0);
    expect(schedule.dueMs).toBe(2500);
    // Rows stamped second 3 (taken at 3.2 s after a stop): the next tick goes to second 4.
    expect(schedule.notBefore(4000)).toBe(2);
    expect(schedule.dueMs).toBe(4500);
  });

  it('handles fractional intervals', () => {
    const schedule = new Schedule(250, 250);
    schedule.advance(250);
    schedule.advance(500);
    expect(schedule.dueMs).toBe(750);
  });
});

describe('firstDueMs', () => {
  it('puts the grid at x.5 s of the wall clock, at least half an interval after the start', () => {
    // Monotonic 10,000 is wall 1,700,000,000,123 ms.
    const offset = 1_700_000_000_123 - 10_000;
    const first = firstDueMs(10_000, 1000, offset);
    expect(first + offset).toBe(1_700_000_000_500 + 1000); // .623 is earliest: the next x.500
    expect(first - 10_000).toBeGreaterThanOrEqual(500);
    expect((firstDueMs(10_000, 2000, offset) + offset) % 2000).toBe(500);
    expect((firstDueMs(10_000, 250, offset) + offset) % 250).toBe(0);
  });

  it('keeps every tick of a 1 s grid half a second from the second boundaries, so jitter never repeats a second', () => {
    const offset = 1_700_000_000_999 - 50;
    const schedule = new Schedule(1000, firstDueMs(50, 1000, offset));
    const seconds: number[] = [];
    for (let k = 0; k < 20; k++) {
      const jitter = (k * 7919) % 450; // timers fire late, never early: 0 … 449 ms
      const takenAt = schedule.dueMs + jitter;
      seconds.push(Math.floor((takenAt + offset) / 1000));
      schedule.advance(takenAt);
    }
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(seconds.at(-1)! - seconds[0]!).toBe(19);
  });
});
