import type { Counter } from '../procfs/counter.js';
import type { DiskStats } from '../procfs/diskstats.js';
import type { LoadAvg } from '../procfs/loadavg.js';
import type { Meminfo } from '../procfs/meminfo.js';
import type { NetDevStats } from '../procfs/net-dev.js';
import type { ProcStat } from '../procfs/stat.js';

/**
 * Everything read from /proc and /sys at one instant. Counters are cumulative; rates come from two
 * snapshots (see metrics.ts). A part that could not be read is null, and why is in `errors`.
 */
export interface HostSnapshot {
  /** Monotonic clock (CLOCK_MONOTONIC, ns): rates divide by the real time between two snapshots. */
  monotonicNs: bigint;
  /** Wall clock, ms since the epoch: the sample's time stamp. */
  wallMs: number;
  stat: ProcStat | null;
  load: LoadAvg | null;
  meminfo: Meminfo | null;
  /** The counted disks by name (whole physical disks unless filtered otherwise). */
  disks: Map<string, DiskStats> | null;
  /** The counted network interfaces by name (physical unless filtered otherwise). */
  interfaces: Map<string, NetDevStats> | null;
  /** CPU temperature, °C; null without a sensor. */
  temperatureC: number | null;
  /** One line per part that could not be read or parsed. */
  errors: string[];
}

export type { Counter };
