import { describe, expect, it } from 'vitest';
import { STALE_INTERVALS, sampleAge } from './staleness.js';

describe('sampleAge', () => {
  it('is quiet only past three of the writer’s own intervals', () => {
    expect(STALE_INTERVALS).toBe(3);
    expect(sampleAge(1000, 10, 1030)).toEqual({ age_seconds: 30, stale: false });
    expect(sampleAge(1000, 10, 1031)).toEqual({ age_seconds: 31, stale: true });
  });

  it('counts a sub-second interval (stored as 0) and a missing one as 1 s', () => {
    expect(sampleAge(1000, 0, 1003)).toEqual({ age_seconds: 3, stale: false });
    expect(sampleAge(1000, 0, 1004)).toEqual({ age_seconds: 4, stale: true });
    expect(sampleAge(1000, null, 1004)).toEqual({ age_seconds: 4, stale: true });
  });

  it('calls a writer without a sample time quiet', () => {
    expect(sampleAge(null, 5, 1000)).toEqual({ age_seconds: null, stale: true });
  });
});
