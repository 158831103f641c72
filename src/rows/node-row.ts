import { hostname } from 'node:os';
import type { HostSample } from '../collect/host/collector.js';
import type { SampleInput } from '../columns.js';
import { storedIntervalSeconds } from '../units.js';

/** Identity of the agent that writes rows. */
export interface RowIdentity {
  /** Node name; default: the host name. */
  nodeName?: string | undefined;
  /** Whether this agent is the master. */
  master?: boolean | undefined;
}

/** The source stamped on host rows read from /proc and /sys. */
export const HOST_SOURCE = 'procfs';

/** A host row from a host sample. interval_seconds is whole seconds, rounded up (the spec's INTEGER column). */
export function nodeRow(sample: HostSample, identity: RowIdentity, intervalSeconds: number): SampleInput {
  return {
    sample_time: sample.sampleTime,
    master_flag: identity.master ?? false,
    node_flag: true,
    node_name: identity.nodeName ?? hostname(),
    container_name: null,
    ...sample.metrics,
    source: HOST_SOURCE,
    interval_seconds: storedIntervalSeconds(intervalSeconds),
  };
}
