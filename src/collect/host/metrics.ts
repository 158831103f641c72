import { type Metrics, NODE_METRIC_COLUMNS, type NodeMetricName } from '../../columns.js';
import { MIB, wholeMib } from '../../units.js';
import { type Counter, counterDelta } from '../procfs/counter.js';
import { DISK_STAT } from '../procfs/diskstats.js';
import { NET_STAT } from '../procfs/net-dev.js';
import type { CpuJiffies } from '../procfs/stat.js';
import type { HostSnapshot } from './snapshot.js';

/** The metric columns a host row fills (src/columns.ts decides which). */
export type NodeMetrics = Pick<Metrics, NodeMetricName>;

const SECTOR_BYTES = 512; // /proc/diskstats counts 512-byte sectors whatever the device's sector size

/**
 * A host row's metrics from two snapshots (pure). Gauges (load, memory, processes, temperature)
 * come from `after`; rates are Δcounter ÷ the measured time between the snapshots. A counter that
 * went backwards (wrap, reset) or a device set that changed gives null for the rates it feeds,
 * never a negative value or a spike; with no time between the snapshots every rate is null.
 */
export function hostMetrics(before: HostSnapshot, after: HostSnapshot): NodeMetrics {
  // One object of a fixed shape, filled in place: object spreads of this size cost more than all
  // the arithmetic (measured here: 60 µs against 4 µs per call).
  const m: NodeMetrics = { ...EMPTY };
  const seconds = Number(after.monotonicNs - before.monotonicNs) / 1e9;
  fillCpu(m, before.stat?.cpu, after.stat?.cpu);
  m.load_1m = after.load?.load1 ?? null;
  m.load_5m = after.load?.load5 ?? null;
  m.load_15m = after.load?.load15 ?? null;
  m.procs_running = after.stat?.procsRunning ?? null;
  m.procs_blocked = after.stat?.procsBlocked ?? null;
  fillMemory(m, after);
  m.temperature_c = after.temperatureC;
  if (seconds > 0) {
    m.ctx_switches_s = rate(before.stat?.ctxt, after.stat?.ctxt, seconds);
    m.interrupts_s = rate(before.stat?.intrTotal, after.stat?.intrTotal, seconds);
    fillDisk(m, before.disks, after.disks, seconds);
    fillNetwork(m, before.interfaces, after.interfaces, seconds);
  }
  return m;
}

/** Every host metric null, in the spec's column order (the shape every result shares). */
const EMPTY = Object.freeze(
  Object.fromEntries(NODE_METRIC_COLUMNS.map((column) => [column.name, null])),
) as unknown as NodeMetrics;

type CpuMetrics = Pick<NodeMetrics, Extract<NodeMetricName, `cpu_${string}`>>;

/**
 * The ten CPU parts as percent of all CPU time between the snapshots, summing to 100.
 * The kernel counts guest time inside user and guest_nice inside nice (account_guest_time), so
 * user and nice are reported net of them: each jiffy is counted once.
 */
export function cpuPercentages(before: CpuJiffies | undefined, after: CpuJiffies | undefined): CpuMetrics {
  const m: NodeMetrics = { ...EMPTY };
  fillCpu(m, before, after);
  const { cpu_user_pct, cpu_nice_pct, cpu_system_pct, cpu_idle_pct, cpu_iowait_pct, cpu_irq_pct } = m;
  const { cpu_softirq_pct, cpu_steal_pct, cpu_guest_pct, cpu_guest_nice_pct, cpu_total_pct } = m;
  return {
    cpu_user_pct,
    cpu_nice_pct,
    cpu_system_pct,
    cpu_idle_pct,
    cpu_iowait_pct,
    cpu_irq_pct,
    cpu_softirq_pct,
    cpu_steal_pct,
    cpu_guest_pct,
    cpu_guest_nice_pct,
    cpu_total_pct,
  };
}

function fillCpu(m: CpuMetrics, before: CpuJiffies | undefined, after: CpuJiffies | undefined): void {
  if (!before || !after || before.length === 0 || after.length === 0) return;
  // The kernel documents that iowait can decrease (proc(5): "iowait … can decrease in certain
  // conditions"), and idle can on some NO_HZ kernels; like psutil, such a part counts 0 this time
  // rather than poisoning the rest. The parts still sum to 100 because the total is their sum.
  const d = (i: number): number | null => {
    const b = before[i];
    const a = after[i];
    if (b === null || b === undefined || a === null || a === undefined) return null;
    return Math.max(0, counterDelta(b, a));
  };
  const guest = d(8);
  const guestNice = d(9);
  const parts = [
    Math.max(0, (d(0) ?? 0) - (guest ?? 0)),
    Math.max(0, (d(1) ?? 0) - (guestNice ?? 0)),
    d(2),
    d(3),
    d(4),
    d(5),
    d(6),
    d(7),
    guest,
    guestNice,
  ];
  const total = parts.reduce<number>((sum, part) => sum + (part ?? 0), 0);
  if (total <= 0) return;
  const pct = (part: number | null) => (part === null ? null : (part / total) * 100);
  const idle = pct(parts[3] ?? null);
  const iowait = pct(parts[4] ?? null);
  m.cpu_user_pct = pct(parts[0] ?? null);
  m.cpu_nice_pct = pct(parts[1] ?? null);
  m.cpu_system_pct = pct(parts[2] ?? null);
  m.cpu_idle_pct = idle;
  m.cpu_iowait_pct = iowait;
  m.cpu_irq_pct = pct(parts[5] ?? null);
  m.cpu_softirq_pct = pct(parts[6] ?? null);
  m.cpu_steal_pct = pct(parts[7] ?? null);
  m.cpu_guest_pct = pct(guest);
  m.cpu_guest_nice_pct = pct(guestNice);
  // Busy time as top and psutil count it: everything but idle and iowait.
  m.cpu_total_pct = idle === null ? null : Math.max(0, 100 - idle - (iowait ?? 0));
}

/** Δcounter ÷ seconds, or null where either reading is missing or the counter went backwards. */
function rate(before: Counter | null | undefined, after: Counter | null | undefined, seconds: number) {
  if (before === null || before === undefined || after === null || after === undefined) return null;
  const delta = counterDelta(before, after);
  return delta < 0 ? null : delta / seconds;
}

/** kB-exact bytes → whole MiB, truncated as free(1) -m does. */

function fillMemory(m: NodeMetrics, after: HostSnapshot): void {
  const get = (key: string) => after.meminfo?.get(key);
  const cached = get('Cached');
  const reclaimable = get('SReclaimable');
  const swapTotal = get('SwapTotal');
  const swapFree = get('SwapFree');
  m.mem_total_mb = wholeMib(get('MemTotal'));
  m.mem_free_mb = wholeMib(get('MemFree'));
  m.mem_available_mb = wholeMib(get('MemAvailable'));
  m.mem_buffers_mb = wholeMib(get('Buffers'));
  // Reclaimable slab is cache too: free(1) and psutil report Cached + SReclaimable.
  m.mem_cached_mb = cached === undefined ? null : wholeMib(cached + (reclaimable ?? 0));
  m.swap_total_mb = wholeMib(swapTotal);
  m.swap_free_mb = wholeMib(swapFree);
  m.swap_used_mb = swapTotal === undefined || swapFree === undefined ? null : wholeMib(swapTotal - swapFree);
}

/**
 * Whether two device maps hold the same names: a device that appeared or went away between the
 * snapshots would turn its whole count into a spike, so such a sample has no rate.
 */
function sameDevices(before: Map<string, unknown>, after: Map<string, unknown>): boolean {
  if (before.size !== after.size || after.size === 0) return false;
  for (const name of after.keys()) if (!before.has(name)) return false;
  return true;
}

function fillDisk(
  m: NodeMetrics,
  before: HostSnapshot['disks'],
  after: HostSnapshot['disks'],
  seconds: number,
) {
  if (!before || !after || !sameDevices(before, after)) return;
  const pairs = [...after].map(([name, now]) => [before.get(name)!.stats, now.stats] as const);
  const sum = (index: number) => sumDeltas(pairs, index);
  // io_ticks is an unsigned int of ms on older kernels: it wraps every 49.7 days, and then only
  // disk_util_pct is lost. The busiest disk's share of the window is the utilisation, as iostat's %util.
  let busiestTicksMs: number | null = 0;
  for (const [then, now] of pairs) {
    const ticks = counterDelta(then[DISK_STAT.ioTicksMs] as Counter, now[DISK_STAT.ioTicksMs] as Counter);
    busiestTicksMs = ticks < 0 || busiestTicksMs === null ? null : Math.max(busiestTicksMs, ticks);
  }
  const perSecond = (total: number | null, unit = 1) => (total === null ? null : total / unit / seconds);
  m.disk_read_mb_s = perSecond(sum(DISK_STAT.sectorsRead), MIB / SECTOR_BYTES);
  m.disk_write_mb_s = perSecond(sum(DISK_STAT.sectorsWritten), MIB / SECTOR_BYTES);
  m.disk_read_iops = perSecond(sum(DISK_STAT.readsCompleted));
  m.disk_write_iops = perSecond(sum(DISK_STAT.writesCompleted));
  // The kernel and ringmon read the clock at slightly different moments, so a saturated disk can
  // show a hair over 100: capped.
  m.disk_util_pct = busiestTicksMs === null ? null : Math.min(100, (busiestTicksMs / (seconds * 1000)) * 100);
}

/** Σ (after − before) of one counter over devices; null when any went backwards (reset, wrap). */
function sumDeltas(pairs: readonly (readonly [Counter[], Counter[]])[], index: number): number | null {
  let sum = 0;
  for (const [then, now] of pairs) {
    const delta = counterDelta(then[index] as Counter, now[index] as Counter);
    if (delta < 0) return null;
    sum += delta;
  }
  return sum;
}

const NET_COLUMNS = [
  ['net_rx_mb_s', NET_STAT.rxBytes, MIB],
  ['net_tx_mb_s', NET_STAT.txBytes, MIB],
  ['net_rx_pkts_s', NET_STAT.rxPackets, 1],
  ['net_tx_pkts_s', NET_STAT.txPackets, 1],
  ['net_rx_errs_s', NET_STAT.rxErrs, 1],
  ['net_tx_errs_s', NET_STAT.txErrs, 1],
  ['net_rx_drops_s', NET_STAT.rxDrop, 1],
  ['net_tx_drops_s', NET_STAT.txDrop, 1],
] as const;

function fillNetwork(
  m: NodeMetrics,
  before: HostSnapshot['interfaces'],
  after: HostSnapshot['interfaces'],
  seconds: number,
): void {
  if (!before || !after || !sameDevices(before, after)) return;
  const pairs = [...after].map(([name, now]) => [before.get(name)!.counters, now.counters] as const);
  for (const [column, index, unit] of NET_COLUMNS) {
    // A driver reset or a 32-bit counter wrap: this column has no honest rate this time.
    const total = sumDeltas(pairs, index);
    m[column] = total === null ? null : total / unit / seconds;
  }
}
