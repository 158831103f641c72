/**
 * The container formulas, pure: an Engine API stats response → one reading, two readings → a row's
 * container metrics. They follow the Docker CLI (docker/cli `cli/command/container/stats_helpers.go`:
 * `calculateCPUPercentUnix`, `calculateMemUsageUnixNoCache`, `calculateBlockIO`, `calculateNetwork`) so the
 * numbers match what users compare against, with one deliberate difference: CPU is a percentage of the
 * whole host (0–100), i.e. docker stats' CPU % ÷ online CPUs.
 *
 * Counters are u64 in the engine and doubles here. Byte and nanosecond totals stay far below 2^53 for
 * containers; the host's `system_cpu_usage` may exceed it on big, long-running hosts, where a double
 * still keeps a 1 s delta to better than 1e-7.
 */
import { MIB, wholeMib } from '../../units.js';
import type {
  ContainerMetrics,
  ContainerReaderKind,
  ContainerReading,
  EngineBlkioEntry,
  EngineCpuStats,
  EngineNetworkStats,
  EngineStats,
} from './types.js';

/** Bytes in a MiB: every size and throughput column uses 2^20. */
export { MIB };

/**
 * An engine timestamp (RFC 3339 with up to nanoseconds) as epoch milliseconds with the sub-millisecond
 * fraction kept; `null` for Go's zero time `0001-01-01T00:00:00Z` (a container that is not running) and
 * for anything unparsable.
 */
export function parseEngineTime(text: string): number | null {
  const m = /^(\d{4})(-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return null;
  const [, year, rest, fraction = '', zone] = m;
  if (Number(year) < 1970) return null;
  const whole = Date.parse(`${year}${rest}${zone}`);
  if (Number.isNaN(whole)) return null;
  return whole + (fraction === '' ? 0 : Number(fraction.padEnd(9, '0')) / 1e6);
}

/** Online CPUs as the Docker CLI counts them: `online_cpus`, else the length of `percpu_usage`. */
export function onlineCpus(cpu: EngineCpuStats): number {
  return cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 0;
}

/**
 * docker stats' CPU %: Δtotal_usage ÷ Δsystem_cpu_usage × online CPUs × 100 (0 when either delta is not
 * positive), exactly `calculateCPUPercentUnix`. 100 % is one full CPU.
 */
export function dockerCpuPercent(prev: EngineCpuStats, cur: EngineCpuStats): number {
  const cpuDelta = cur.cpu_usage.total_usage - prev.cpu_usage.total_usage;
  const systemDelta = (cur.system_cpu_usage ?? 0) - (prev.system_cpu_usage ?? 0);
  if (systemDelta > 0 && cpuDelta > 0) return (cpuDelta / systemDelta) * onlineCpus(cur) * 100;
  return 0;
}

/** CPU in percent of the whole host (0–100): total, user and kernel time. */
export interface HostCpuPercent {
  total: number;
  user: number;
  system: number;
}

/**
 * CPU in percent of the whole host between two CPU readings: Δusage ÷ Δsystem_cpu_usage × 100, which is
 * docker stats' CPU % ÷ online CPUs. User and system use the same denominator. `null` when Δsystem is not
 * positive or a counter went backwards (a restart).
 */
export function hostCpuPercent(prev: EngineCpuStats, cur: EngineCpuStats): HostCpuPercent | null {
  return hostCpuFromCounters(
    cpuCounters(prev.cpu_usage, prev.system_cpu_usage),
    cpuCounters(cur.cpu_usage, cur.system_cpu_usage),
  );
}

interface CpuCounters {
  total: number | null;
  user: number | null;
  system: number | null;
  host: number | null;
}

function cpuCounters(usage: EngineCpuStats['cpu_usage'], host: number | undefined): CpuCounters {
  return {
    total: usage.total_usage,
    user: usage.usage_in_usermode,
    system: usage.usage_in_kernelmode,
    host: host ?? null,
  };
}

function hostCpuFromCounters(prev: CpuCounters, cur: CpuCounters): HostCpuPercent | null {
  const host = delta(prev.host, cur.host);
  const total = delta(prev.total, cur.total);
  const user = delta(prev.user, cur.user);
  const system = delta(prev.system, cur.system);
  if (host === null || host <= 0 || total === null || user === null || system === null) return null;
  if (total < 0 || user < 0 || system < 0) return null;
  // system_cpu_usage moves in jiffies (10 ms per CPU) while total_usage is exact, so a busy container can
  // come out a hair above 100 % of the host; the column is 0–100.
  const pct = (d: number) => Math.min(100, (d / host) * 100);
  return { total: pct(total), user: pct(user), system: pct(system) };
}

/**
 * Memory in use as docker stats shows it (`calculateMemUsageUnixNoCache`): usage − total_inactive_file on
 * cgroup v1, usage − inactive_file on v2, plain usage when the subtraction would not be positive.
 * `null` when the engine reports no usage.
 */
export function memoryUsedBytes(mem: EngineStats['memory_stats']): number | null {
  const usage = mem.usage;
  if (usage === undefined || usage === null) return null;
  const stats = mem.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

/** Shared memory (shmem; v1's hierarchical total_shmem when present), `null` when the engine omits it. */
export function memorySharedBytes(mem: EngineStats['memory_stats']): number | null {
  const stats = mem.stats ?? {};
  return stats.total_shmem ?? stats.shmem ?? null;
}

/**
 * The memory limit in bytes. The engine already reports the host's memory for an unlimited container;
 * a missing, zero or u64-sized value (≥ 2^62, "unlimited" sentinels) is `null`.
 */
export function memoryLimitBytes(mem: EngineStats['memory_stats']): number | null {
  const limit = mem.limit;
  if (limit === undefined || limit === null || limit <= 0 || limit >= 2 ** 62) return null;
  return limit;
}

/** Cumulative block I/O of a container: bytes and operations read and written. */
export interface BlockIoTotals {
  readBytes: number;
  writeBytes: number;
  /** `null` when the engine does not report `io_serviced_recursive` (cgroup v2). */
  readOps: number | null;
  writeOps: number | null;
}

/**
 * Block I/O from `io_service_bytes_recursive` and `io_serviced_recursive`, summed over devices. Ops are
 * matched case-insensitively (v1 `Read`/`Write`, v2 `read`/`write`); `Sync`, `Async`, `Discard`, `Total`
 * are other views of the same I/O and are skipped. A missing or null bytes list counts as 0, as docker
 * stats does; a missing or null ops list (v2) gives `null` ops.
 */
export function blockIoTotals(blkio: EngineStats['blkio_stats']): BlockIoTotals {
  const bytes = sumOps(blkio?.io_service_bytes_recursive);
  const ops = blkio?.io_serviced_recursive;
  const opsSum = Array.isArray(ops) ? sumOps(ops) : null;
  return {
    readBytes: bytes.read,
    writeBytes: bytes.write,
    readOps: opsSum?.read ?? null,
    writeOps: opsSum?.write ?? null,
  };
}

function sumOps(entries: EngineBlkioEntry[] | null | undefined): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of entries ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return { read, write };
}

/** Network counters summed over a container's interfaces; `null` when it has none (`--network none`). */
export function networkTotals(networks: Record<string, EngineNetworkStats> | undefined | null) {
  if (!networks) return null;
  const sum = {
    rxBytes: 0,
    txBytes: 0,
    rxPackets: 0,
    txPackets: 0,
    rxErrors: 0,
    txErrors: 0,
    rxDropped: 0,
    txDropped: 0,
  };
  for (const n of Object.values(networks)) {
    sum.rxBytes += n.rx_bytes;
    sum.txBytes += n.tx_bytes;
    sum.rxPackets += n.rx_packets;
    sum.txPackets += n.tx_packets;
    sum.rxErrors += n.rx_errors;
    sum.txErrors += n.tx_errors;
    sum.rxDropped += n.rx_dropped;
    sum.txDropped += n.tx_dropped;
  }
  return sum;
}

/** What {@link readingFromStats} takes from elsewhere when the stats response lacks it. */
export interface ReadingExtras {
  /** When the container (re)started, epoch ms (`State.StartedAt`); default null. */
  startedMs?: number | null;
  /** Which reader read it (default `docker-api`). */
  source?: ContainerReaderKind;
  /** The container's full ID, where the response has none. */
  id?: string;
  /** The container's name, where the response has none. */
  name?: string;
}

/**
 * One reading from an Engine API stats response (one-shot or not; `precpu_stats` is not used). `null`
 * when the response is of a container that is not running (zero `read` time).
 */
export function readingFromStats(stats: EngineStats, extra: ReadingExtras = {}): ContainerReading | null {
  const readMs = parseEngineTime(stats.read);
  if (readMs === null) return null;
  const usage = stats.cpu_stats.cpu_usage;
  const blk = blockIoTotals(stats.blkio_stats);
  const net = networkTotals(stats.networks);
  return {
    id: stats.id ?? extra.id ?? '',
    name: (stats.name ?? extra.name ?? '').replace(/^\//, ''),
    startedMs: extra.startedMs ?? null,
    readMs,
    source: extra.source ?? 'docker-api',
    cpuTotalNs: usage.total_usage,
    cpuUserNs: usage.usage_in_usermode,
    cpuSystemNs: usage.usage_in_kernelmode,
    systemCpuNs: stats.cpu_stats.system_cpu_usage ?? null,
    cpuHostPct: null,
    memUsedBytes: memoryUsedBytes(stats.memory_stats),
    memLimitBytes: memoryLimitBytes(stats.memory_stats),
    memSharedBytes: memorySharedBytes(stats.memory_stats),
    diskReadBytes: blk.readBytes,
    diskWriteBytes: blk.writeBytes,
    diskReadOps: blk.readOps,
    diskWriteOps: blk.writeOps,
    netRxBytes: net?.rxBytes ?? null,
    netTxBytes: net?.txBytes ?? null,
    netRxPackets: net?.rxPackets ?? null,
    netTxPackets: net?.txPackets ?? null,
    netRxErrors: net?.rxErrors ?? null,
    netTxErrors: net?.txErrors ?? null,
    netRxDropped: net?.rxDropped ?? null,
    netTxDropped: net?.txDropped ?? null,
  };
}

function delta(prev: number | null, cur: number | null): number | null {
  return prev === null || cur === null ? null : cur - prev;
}

/** Counters whose decrease means the container's cgroup or network namespace was recreated. */
const COUNTERS = [
  'cpuTotalNs',
  'cpuUserNs',
  'cpuSystemNs',
  'diskReadBytes',
  'diskWriteBytes',
  'diskReadOps',
  'diskWriteOps',
  'netRxBytes',
  'netTxBytes',
  'netRxPackets',
  'netTxPackets',
  'netRxErrors',
  'netTxErrors',
  'netRxDropped',
  'netTxDropped',
] as const satisfies readonly (keyof ContainerReading)[];

/**
 * Why a pair of readings gives no rates, or `null` when it does: no previous reading, another
 * container under the same name (new ID), a restart (new `StartedAt`, or any counter went backwards),
 * or no time between the readings.
 */
export function ratesUnavailableReason(
  prev: ContainerReading | undefined,
  cur: ContainerReading,
): string | null {
  if (!prev) return 'no previous reading';
  if (prev.id !== cur.id) return 'new container ID';
  if (prev.startedMs !== null && cur.startedMs !== null && prev.startedMs !== cur.startedMs)
    return 'restarted';
  if (cur.readMs - prev.readMs <= 0) return 'no time between readings';
  for (const k of COUNTERS) {
    const d = delta(prev[k], cur[k]);
    if (d !== null && d < 0) return `restarted (${k} went backwards)`;
  }
  return null;
}

/**
 * A row's container metrics from the previous and the current reading of one container. Memory comes
 * from the current reading alone; CPU, disk and network are rates over the time between the two
 * readings' `readMs` (the engine's own read timestamps), and are all `null` when
 * `ratesUnavailableReason` gives a reason. Never negative. Sizes in MiB (2^20), rounded to whole MiB for
 * the INTEGER columns.
 */
export function containerMetrics(
  prev: ContainerReading | undefined,
  cur: ContainerReading,
): ContainerMetrics {
  const m: ContainerMetrics = {
    cpu_user_pct: null,
    cpu_system_pct: null,
    cpu_total_pct: cur.cpuTotalNs === null ? cur.cpuHostPct : null,
    c_rss_mb: wholeMib(cur.memUsedBytes),
    c_vsz_mb: wholeMib(cur.memLimitBytes),
    c_shared_mb: wholeMib(cur.memSharedBytes),
    disk_read_mb_s: null,
    disk_write_mb_s: null,
    disk_read_iops: null,
    disk_write_iops: null,
    net_rx_mb_s: null,
    net_tx_mb_s: null,
    net_rx_pkts_s: null,
    net_tx_pkts_s: null,
    net_rx_errs_s: null,
    net_tx_errs_s: null,
    net_rx_drops_s: null,
    net_tx_drops_s: null,
  };
  if (!prev || ratesUnavailableReason(prev, cur) !== null) return m;

  const seconds = (cur.readMs - prev.readMs) / 1000;
  const rate = (k: (typeof COUNTERS)[number], scale = 1) => {
    const d = delta(prev[k], cur[k]);
    return d === null ? null : d / scale / seconds;
  };
  const cpu = hostCpuFromCounters(
    { total: prev.cpuTotalNs, user: prev.cpuUserNs, system: prev.cpuSystemNs, host: prev.systemCpuNs },
    { total: cur.cpuTotalNs, user: cur.cpuUserNs, system: cur.cpuSystemNs, host: cur.systemCpuNs },
  );
  if (cpu) {
    m.cpu_total_pct = cpu.total;
    m.cpu_user_pct = cpu.user;
    m.cpu_system_pct = cpu.system;
  }
  m.disk_read_mb_s = rate('diskReadBytes', MIB);
  m.disk_write_mb_s = rate('diskWriteBytes', MIB);
  m.disk_read_iops = rate('diskReadOps');
  m.disk_write_iops = rate('diskWriteOps');
  m.net_rx_mb_s = rate('netRxBytes', MIB);
  m.net_tx_mb_s = rate('netTxBytes', MIB);
  m.net_rx_pkts_s = rate('netRxPackets');
  m.net_tx_pkts_s = rate('netTxPackets');
  m.net_rx_errs_s = rate('netRxErrors');
  m.net_tx_errs_s = rate('netTxErrors');
  m.net_rx_drops_s = rate('netRxDropped');
  m.net_tx_drops_s = rate('netTxDropped');
  return m;
}
