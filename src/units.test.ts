import { describe, expect, it } from 'vitest';
import { storedIntervalSeconds } from './units.js';

describe('storedIntervalSeconds (the INTEGER interval_seconds column)', () => {
  it.each([
    [0.2, 1],
    [0.5, 1],
    [1, 1],
    [1.5, 2],
    [2.4, 3],
    [5, 5],
    [86_400, 86_400],
  ])('%d s is stored as %d', (seconds, stored) => {
    expect(storedIntervalSeconds(seconds)).toBe(stored);
  });
});
