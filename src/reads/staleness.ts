/**
 * The spec's "monitoring of the monitors": when a writer counts as quiet. `ringmon status` and the
 * dashboard both judge by this one rule, so they never disagree about a node or container.
 */
import { DEFAULTS } from '../defaults.js';

/** A writer whose newest sample is older than this many of its own intervals is quiet. */
export const STALE_INTERVALS = 3;

export interface SampleAge {
  /**
   * Seconds since the newest sample, to the millisecond (the reader's clock has no finer grain, so
   * 1.3929998874664307 is noise past 1.393); null when it has no sample_time.
   */
  age_seconds: number | null;
  stale: boolean;
}

/**
 * Age of a writer's newest sample and whether it is quiet (pure). The interval column is an
 * INTEGER: ringmon stores a sub-second interval as 1, but rows of older versions hold 0; 0, and a
 * missing interval, count as at least 1 s.
 */
export function sampleAge(
  sampleTime: number | null,
  intervalSeconds: number | null,
  nowSeconds: number,
): SampleAge {
  const age = sampleTime === null ? null : nowSeconds - sampleTime;
  const interval = Math.max(1, intervalSeconds ?? DEFAULTS.intervalSeconds);
  return {
    age_seconds: age === null ? null : Math.round(age * 1000) / 1000,
    stale: age === null || age > STALE_INTERVALS * interval,
  };
}
