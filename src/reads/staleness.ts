/**
 * The spec's "monitoring of the monitors": when a writer counts as quiet. `ringmon status` and the
 * dashboard both judge by this one rule, so they never disagree about a node or container.
 */
import { DEFAULTS } from '../defaults.js';

/** A writer whose newest sample is older than this many of its own intervals is quiet. */
export const STALE_INTERVALS = 3;

export interface SampleAge {
  /** Seconds since the newest sample; null when it has no sample_time. */
  age_seconds: number | null;
  stale: boolean;
}

/**
 * Age of a writer's newest sample and whether it is quiet (pure). The interval column is an
 * INTEGER, so a sub-second interval is stored as 0; it, and a missing one, count as at least 1 s.
 */
export function sampleAge(
  sampleTime: number | null,
  intervalSeconds: number | null,
  nowSeconds: number,
): SampleAge {
  const age = sampleTime === null ? null : nowSeconds - sampleTime;
  const interval = Math.max(1, intervalSeconds ?? DEFAULTS.intervalSeconds);
  return { age_seconds: age, stale: age === null || age > STALE_INTERVALS * interval };
}
