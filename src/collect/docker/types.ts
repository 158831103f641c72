/**
 * The shapes the container collector works with: the subset of the Engine API's stats response it
 * reads (declared here, not taken from @types/dockerode, so the formulas depend on no client library),
 * one counter reading per container, and the container columns of a row.
 */
import type { ContainerMetricName } from '../../columns.js';

/** `cpu_stats` / `precpu_stats` of `GET /containers/{id}/stats`. All times in nanoseconds. */
export interface EngineCpuStats {
  cpu_usage: {
    /** CPU time the container used since its cgroup was created. */
    total_usage: number;
    /** Per-CPU split; cgroup v1 only (absent on v2). */
    percpu_usage?: number[] | null;
    /** Kernel-mode time (v1: USER_HZ granularity, 10 ms steps). */
    usage_in_kernelmode: number;
    /** User-mode time (v1: USER_HZ granularity, 10 ms steps). */
    usage_in_usermode: number;
  };
  /** The host's CPU time (all CPUs, busy and idle) from /proc/stat, read at the same moment. */
  system_cpu_usage?: number;
  /** CPUs the engine saw online; 0 or absent on old engines (then percpu_usage's length). */
  online_cpus?: number;
}

/** One entry of the blkio lists: v1 ops are `Read`/`Write`/`Sync`/`Async`/`Discard`/`Total`, v2 `read`/`write`. */
export interface EngineBlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** One interface of `networks`. */
export interface EngineNetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** The part of `GET /containers/{id}/stats?stream=false` that ringmon reads. */
export interface EngineStats {
  /** When the engine read the counters (RFC 3339, nanoseconds); `0001-01-01T00:00:00Z` when not running. */
  read: string;
  preread?: string;
  id?: string;
  /** `/name`, with the leading slash. */
  name?: string;
  cpu_stats: EngineCpuStats;
  precpu_stats?: EngineCpuStats;
  memory_stats: {
    /** Bytes charged to the cgroup, page cache included. */
    usage?: number;
    /** Bytes; the host's memory when the container has no limit. */
    limit?: number;
    /** v1: `cache`, `total_inactive_file`, …; v2: `anon`, `file`, `inactive_file`, `shmem`, … */
    stats?: Record<string, number>;
  };
  blkio_stats?: {
    io_service_bytes_recursive?: EngineBlkioEntry[] | null;
    io_serviced_recursive?: EngineBlkioEntry[] | null;
  };
  /** Absent for a container without networks (`--network none`). */
  networks?: Record<string, EngineNetworkStats>;
}

/** Where a reading came from; goes into the row's `source` column. */
export type ContainerReaderKind = 'docker-api' | 'docker-cli';

/**
 * One reading of one container: cumulative counters and gauges at one instant. Rates come from two of
 * them (see `containerMetrics`). `null` means "not reported by this engine or reader".
 */
export interface ContainerReading {
  /** Full container ID. */
  id: string;
  /** Container name without the leading slash. */
  name: string;
  /**
   * When the container (re)started, epoch ms, as of this reading (`State.StartedAt`, or a later `start`
   * event): a different value than the previous reading's means it was restarted in between.
   */
  startedMs: number | null;
  /** When the counters were read, epoch milliseconds with sub-millisecond fraction. */
  readMs: number;
  source: ContainerReaderKind;

  /** Container CPU time, ns (cumulative). */
  cpuTotalNs: number | null;
  cpuUserNs: number | null;
  cpuSystemNs: number | null;
  /** Host CPU time over all CPUs, ns (cumulative), read with the container's. */
  systemCpuNs: number | null;
  /**
   * CPU in percent of the whole host measured by someone else over their own window (the docker CLI's
   * CPU % ÷ online CPUs). Used only when the counters above are null.
   */
  cpuHostPct: number | null;

  /** Memory in use as docker stats shows it (usage − inactive file pages), bytes. */
  memUsedBytes: number | null;
  /** Memory limit, bytes (the host's memory when unlimited). */
  memLimitBytes: number | null;
  /** Shared memory (shmem), bytes. */
  memSharedBytes: number | null;

  diskReadBytes: number | null;
  diskWriteBytes: number | null;
  diskReadOps: number | null;
  diskWriteOps: number | null;

  netRxBytes: number | null;
  netTxBytes: number | null;
  netRxPackets: number | null;
  netTxPackets: number | null;
  netRxErrors: number | null;
  netTxErrors: number | null;
  netRxDropped: number | null;
  netTxDropped: number | null;
}

/** The metric columns a container row fills (the spec's `container` and `both` columns). */
export type { ContainerMetricName };

/** The container metrics of one row; `null` where unknown this time. */
export type ContainerMetrics = { [M in ContainerMetricName]: number | null };

/** One running container, for `ringmon containers`. */
export interface ContainerInfo {
  /** Name without the leading slash. */
  name: string;
  /** Full ID. */
  id: string;
  image: string;
  /** Human status, e.g. `Up 5 minutes`. */
  status: string;
  /** Machine state, e.g. `running`. */
  state: string;
}
