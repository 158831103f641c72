/**
 * ringmon: sample a Linux host and its Docker containers and keep every sample as one complete row
 * in a fixed-size circular-buffer table in PostgreSQL or embedded PGlite.
 *
 * This entry is what a program that samples and stores needs: the spec's monitor, the host
 * sampling, the row types and the ring. It loads no Docker client, dashboard or CLI code
 * (`test/package.test.ts` measures it), so importing it is cheap. The rest has an entry of its own:
 *
 * - `ringmon/store`: the ring alone (also re-exported here).
 * - `ringmon/docker`: the container readers, the sampler and the docker/cli formulas.
 * - `ringmon/web`: the dashboard (`startDashboard`).
 *
 * @packageDocumentation
 */

// Types only (erased from the JavaScript): ResourceMonitorOptions.docker names it.
export type { DockerAccessOptions } from './collect/docker/sampler.js';
// Host sampling: one-off (sampleHost) or snapshot by snapshot (HostCollector, hostSampleBetween).
export {
  HostCollector,
  type HostCollectorOptions,
  type HostSample,
  hostSampleBetween,
  type SampleHostOptions,
  sampleHost,
} from './collect/host/collector.js';
export type { NodeMetrics } from './collect/host/metrics.js';
export type { HostSnapshot } from './collect/host/snapshot.js';
export type { NameFilter } from './collect/sysfs/patterns.js';
export type { CpuTemperatureSource } from './collect/sysfs/temperature.js';
export { DEFAULTS } from './defaults.js';
// The spec's monitor. Its `sampleContainer` loads the Docker client when first called.
export {
  type CleanupOptions,
  CompleteResourceMonitor,
  type RecentSamplesOptions,
  ResourceMonitor,
  type ResourceMonitorOptions,
  type SampleContainerOptions,
  type SampleNodeOptions,
  type SetCapacityOptions,
  type TextOutput,
} from './monitor.js';
// A host sample as a row for RingStore.write.
export { nodeRow, type RowIdentity } from './rows/node-row.js';

// The ring, its errors, the SQL client interface, COLUMNS and the row types: all of `ringmon/store`.
export * from './store/index.js';
