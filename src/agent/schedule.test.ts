import { describe, expect, it } from 'vitest';
import { Schedule } from './schedule.js';

describe('Schedule', () => {
  it('keeps ticks on start + k × interval whatever each tick cost', () => {
    const schedule = new Schedule(1000, 5000);
    const due: number[] = [];
    for (const finishedAt of [6030, 7450, 8001, 9999]) {
      due.push(schedule.dueMs);
      expect(schedule.advance(finishedAt)).toBe(0);
    }
    expect(due).toEqual([6000, 7000, 8000, 9000]);
    expect(schedule.dueMs).toBe(10_000);
  });

  it('skips ticks it is a whole interval late for instead of bursting', () => {
    const schedule = new Schedule(1000, 0);
    expect(schedule.dueMs).toBe(1000);
    expect(schedule.advance(4500)).toBe(3); // ticks at 2000, 3000 and 4000 were missed
    expect(schedule.dueMs).toBe(5000);
  });

  it('handles fractional intervals', () => {
    const schedule = new Schedule(250, 0);
    schedule.advance(250);
    schedule.advance(500);
    expect(schedule.dueMs).toBe(750);
  });
});
