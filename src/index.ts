/**
 * ringmon: sample a Linux host and its Docker containers and keep every sample as one complete row
 * in a fixed-size circular-buffer table in PostgreSQL or embedded PGlite.
 *
 * @packageDocumentation
 */

export {
  Agent,
  type AgentLog,
  type AgentOptions,
  type AgentSummary,
  type RowSink,
  type SampleSource,
} from './agent/agent.js';
export { ContainerSource } from './agent/container-source.js';
export { HostSource } from './agent/host-source.js';
export { ringSink } from './agent/ring-sink.js';
export * from './collect/docker/index.js';
export {
  HostCollector,
  type HostCollectorOptions,
  type HostSample,
  hostSample,
  sampleHost,
} from './collect/host/collector.js';
export { hostMetrics, type NodeMetrics } from './collect/host/metrics.js';
export type { HostSnapshot } from './collect/host/snapshot.js';
export { type Pressure, type PsiLine, parsePressure } from './collect/procfs/pressure.js';
export {
  type ProcPidIo,
  type ProcPidStat,
  type ProcPidStatm,
  type ProcPidStatus,
  parseProcPidIo,
  parseProcPidStat,
  parseProcPidStatm,
  parseProcPidStatus,
} from './collect/procfs/process.js';
export { type InterruptCounts, parseInterruptCounts } from './collect/procfs/stat.js';
export { parseVmstat, type Vmstat } from './collect/procfs/vmstat.js';
export { type CoolingDevice, readCoolingDevices } from './collect/sysfs/cooling.js';
export {
  cleanChipName,
  type HwmonChipSensors,
  type HwmonFan,
  type HwmonTemperature,
  hwmonChipLabel,
  readHwmonSensors,
} from './collect/sysfs/hwmon.js';
export type { NameFilter } from './collect/sysfs/patterns.js';
export type { CpuTemperatureSource } from './collect/sysfs/temperature.js';
export { DEFAULTS } from './defaults.js';
export { CompleteResourceMonitor, ResourceMonitor, type ResourceMonitorOptions } from './monitor.js';
export { nodeRow, type RowIdentity } from './rows/node-row.js';
// The ring, its errors, SQL client interface and the column list (also `ringmon/store` alone).
export * from './store/index.js';
export { type Dashboard, type DashboardOptions, startDashboard } from './web/index.js';
