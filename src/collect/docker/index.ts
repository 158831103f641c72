/**
 * `ringmon/docker`: Docker container metrics: the Engine API reader (dockerode), the docker CLI
 * fallback, the docker/cli formulas and the stateful sampler that turns readings into container rows.
 * Its own entry because the Docker client (dockerode, ssh2, grpc) costs more to load than the rest of
 * the library; `ResourceMonitor.sampleContainer` loads it only when called.
 */
export {
  DEFAULT_DOCKER_HOST,
  type DockerEndpoint,
  dockerEndpointFromEnv,
  EngineApiReader,
  type EngineApiReaderOptions,
} from './api-reader.js';
export {
  DockerCliReader,
  type DockerCliReaderOptions,
  type DockerCommandRunner,
  execDockerCli,
  parseDockerStatsLines,
  readingFromCli,
} from './cli-reader.js';
export {
  ContainerNotFoundError,
  ContainerNotRunningError,
  DockerError,
  DockerUnavailableError,
} from './errors.js';
export {
  blockIoTotals,
  containerMetrics,
  dockerCpuPercent,
  hostCpuPercent,
  MIB,
  memoryLimitBytes,
  memorySharedBytes,
  memoryUsedBytes,
  networkTotals,
  parseEngineTime,
  type ReadingExtras,
  ratesUnavailableReason,
  readingFromStats,
} from './formulas.js';
export { parseHumanSize, parseHumanSizePair, parsePercent } from './human-units.js';
export type { ContainerProblem, ContainerReader, ReadOptions, ReadResult } from './reader.js';
export {
  ContainerSampler,
  type ContainerSamplerOptions,
  type DockerAccessOptions,
  listContainers,
  openContainerReader,
  type SampleContainersOptions,
  sampleContainers,
} from './sampler.js';
export type {
  ContainerInfo,
  ContainerMetricName,
  ContainerMetrics,
  ContainerReaderKind,
  ContainerReading,
  EngineStats,
} from './types.js';
