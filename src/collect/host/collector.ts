import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../defaults.js';
import { RingmonError } from '../../errors.js';
import { KernelFile } from '../kernel-file.js';
import { parseDiskstats } from '../procfs/diskstats.js';
import { parseLoadavg } from '../procfs/loadavg.js';
import { parseMeminfo } from '../procfs/meminfo.js';
import { parseNetDev } from '../procfs/net-dev.js';
import { parseStat } from '../procfs/stat.js';
import { guessPhysicalInterface, guessWholeDisk, physicalDeviceClassifier } from '../sysfs/devices.js';
import { makeDeviceFilter, type NameFilter } from '../sysfs/patterns.js';
import {
  type CpuTemperatureSource,
  discoverCpuTemperature,
  parseMillidegrees,
} from '../sysfs/temperature.js';
import { hostMetrics, type NodeMetrics } from './metrics.js';
import type { HostSnapshot } from './snapshot.js';

/** Where {@link HostCollector} reads the host, and which devices count. */
export interface HostCollectorOptions {
  /** Root of the proc filesystem (default /proc). */
  procRoot?: string;
  /** Root of the sys filesystem (default /sys). */
  sysRoot?: string;
  /** Which block devices count (default: whole physical disks). */
  disks?: NameFilter;
  /** Which network interfaces count (default: physical interfaces). */
  interfaces?: NameFilter;
}

/** The /proc/meminfo lines host rows use. */
const MEMINFO_KEYS = [
  'MemTotal',
  'MemFree',
  'MemAvailable',
  'Buffers',
  'Cached',
  'SReclaimable',
  'SwapTotal',
  'SwapFree',
];

const byName = <T extends { name: string }>(items: T[]) => new Map(items.map((item) => [item.name, item]));

const parseHostMeminfo = (text: string) => parseMeminfo(text, MEMINFO_KEYS);

/** `parse` of the file's text, or null with a line in `errors` when it cannot be read or parsed. */
function attempt<T>(file: KernelFile, parse: (text: string) => T, errors: string[]): T | null {
  try {
    return parse(file.read());
  } catch (error) {
    errors.push(`${file.path}: ${(error as Error).message}`);
    return null;
  }
}

/** How often a host without a temperature sensor looks again (a driver may load later). */
const SENSOR_RETRY_MS = 60_000;

/**
 * Reads the host's counters. The files stay open between snapshots, so a snapshot costs one read
 * per file and the parsing: no open, close, readdir or process spawn on the hot path.
 */
export class HostCollector {
  /** Root of the proc filesystem this collector reads. */
  readonly procRoot: string;
  /** Root of the sys filesystem this collector reads. */
  readonly sysRoot: string;
  #stat: KernelFile;
  #loadavg: KernelFile;
  #meminfo: KernelFile;
  #diskstats: KernelFile;
  #netDev: KernelFile;
  #countsDisk: (name: string) => boolean;
  #countsInterface: (name: string) => boolean;
  #physicalDisk: (name: string) => boolean;
  #physicalInterface: (name: string) => boolean;
  #disks: NameFilter;
  #interfaces: NameFilter;
  #temperature: { source: CpuTemperatureSource; files: KernelFile[] } | null = null;
  #temperatureLookedAtMs = Number.NEGATIVE_INFINITY;

  private constructor(options: HostCollectorOptions) {
    this.procRoot = options.procRoot ?? DEFAULTS.procRoot;
    this.sysRoot = options.sysRoot ?? DEFAULTS.sysRoot;
    const proc = (name: string) => new KernelFile(join(this.procRoot, name));
    this.#stat = proc('stat');
    this.#loadavg = proc('loadavg');
    this.#meminfo = proc('meminfo');
    this.#diskstats = proc('diskstats');
    this.#netDev = proc('net/dev');
    this.#disks = options.disks ?? {};
    this.#interfaces = options.interfaces ?? {};
    this.#physicalDisk = physicalDeviceClassifier(join(this.sysRoot, 'block'), guessWholeDisk);
    this.#physicalInterface = physicalDeviceClassifier(
      join(this.sysRoot, 'class', 'net'),
      guessPhysicalInterface,
    );
    this.#countsDisk = makeDeviceFilter(this.#disks, this.#physicalDisk);
    this.#countsInterface = makeDeviceFilter(this.#interfaces, this.#physicalInterface);
  }

  /** Opens a collector; throws a RingmonError when procRoot is not a proc filesystem. */
  static open(options: HostCollectorOptions = {}): HostCollector {
    const collector = new HostCollector(options);
    if (!existsSync(join(collector.procRoot, 'stat'))) {
      throw new RingmonError(
        `${collector.procRoot} is not a proc filesystem (no ${join(collector.procRoot, 'stat')}); ` +
          'point --proc at the directory where proc is mounted',
        'usage',
      );
    }
    return collector;
  }

  /** The sensors that give temperature_c, or null where none was found. */
  get temperatureSource(): CpuTemperatureSource | null {
    return this.#temperature?.source ?? null;
  }

  /** Reads every counter now. Never throws for a missing or malformed file: that part is null. */
  snapshot(): HostSnapshot {
    // The parsers are made once (constructor), not as closures on every snapshot.
    const errors: string[] = [];
    const monotonicNs = process.hrtime.bigint();
    const wallMs = Date.now();
    return {
      monotonicNs,
      wallMs,
      stat: attempt(this.#stat, parseStat, errors),
      load: attempt(this.#loadavg, parseLoadavg, errors),
      meminfo: attempt(this.#meminfo, parseHostMeminfo, errors),
      disks: attempt(this.#diskstats, this.#parseDisks, errors),
      interfaces: attempt(this.#netDev, this.#parseInterfaces, errors),
      temperatureC: this.#readTemperature(wallMs),
      errors,
    };
  }

  /**
   * One line for each include list (`--disk-include`, `--net-include`) that matches none of the
   * host's devices: its columns would stay NULL with no word of why. Each line names the devices
   * there are, the ones counted without a list (else every name the kernel lists), to pick from:
   * `--disk-include nvme* matches no block device (devices here: sda, vda)`. Read once, at start;
   * a device that appears later is counted when it does.
   */
  unmatchedIncludes(): string[] {
    const lines: string[] = [];
    const check = (
      flag: string,
      kind: string,
      filter: NameFilter,
      names: () => string[],
      counts: (name: string) => boolean,
      physical: (name: string) => boolean,
    ) => {
      if (!filter.include || filter.include.length === 0) return;
      let present: string[];
      try {
        present = names();
      } catch {
        return; // an unreadable file is reported by the snapshot itself
      }
      if (present.some(counts)) return;
      const shown = present.some(physical) ? present.filter(physical) : present;
      lines.push(
        `${flag} ${filter.include.join(',')} matches no ${kind} (${kind === 'block device' ? 'devices' : 'interfaces'} here: ${shown.length > 0 ? shown.join(', ') : 'none'})`,
      );
    };
    check(
      '--disk-include',
      'block device',
      this.#disks,
      () => parseDiskstats(this.#diskstats.read()).map((d) => d.name),
      this.#countsDisk,
      this.#physicalDisk,
    );
    check(
      '--net-include',
      'network interface',
      this.#interfaces,
      () => parseNetDev(this.#netDev.read()).map((i) => i.name),
      this.#countsInterface,
      this.#physicalInterface,
    );
    return lines;
  }

  readonly #parseDisks = (text: string) => byName(parseDiskstats(text, this.#countsDisk));
  readonly #parseInterfaces = (text: string) => byName(parseNetDev(text, this.#countsInterface));

  /** Closes the files kept open between snapshots. */
  close(): void {
    for (const file of [this.#stat, this.#loadavg, this.#meminfo, this.#diskstats, this.#netDev])
      file.close();
    for (const file of this.#temperature?.files ?? []) file.close();
  }

  #readTemperature(nowMs: number): number | null {
    if (this.#temperature === null && nowMs - this.#temperatureLookedAtMs >= SENSOR_RETRY_MS) {
      this.#temperatureLookedAtMs = nowMs;
      const source = discoverCpuTemperature(this.sysRoot);
      if (source)
        this.#temperature = { source, files: source.inputs.map((path) => new KernelFile(path, 64)) };
    }
    if (this.#temperature === null) return null;
    let hottest: number | null = null;
    for (const file of this.#temperature.files) {
      const text = file.readOrNull();
      const celsius = text === null ? null : parseMillidegrees(text);
      if (celsius !== null && (hottest === null || celsius > hottest)) hottest = celsius;
    }
    if (hottest === null) {
      // Every sensor failed (driver unloaded?): look for sensors again on a later snapshot.
      for (const file of this.#temperature.files) file.close();
      this.#temperature = null;
    }
    return hottest;
  }
}

/** A host sample: two snapshots and the metrics between them. */
export interface HostSample {
  /** UTC epoch seconds of the second snapshot. */
  sampleTime: number;
  /** Seconds measured between the snapshots (monotonic clock). */
  elapsedSeconds: number;
  /** The host row's metric columns; null where a part could not be read or has no rate yet. */
  metrics: NodeMetrics;
  /** Parts that could not be read, one line each. */
  errors: string[];
}

/**
 * The sample between two snapshots of one {@link HostCollector} (pure: no I/O, no waiting): the
 * rates over the time between them. The agent calls it on every tick with the previous tick's
 * snapshot.
 */
export function hostSampleBetween(before: HostSnapshot, after: HostSnapshot): HostSample {
  return {
    sampleTime: Math.floor(after.wallMs / 1000),
    elapsedSeconds: Number(after.monotonicNs - before.monotonicNs) / 1e9,
    metrics: hostMetrics(before, after),
    // Usually both are empty: no Set and no copies then.
    errors:
      before.errors.length === 0 && after.errors.length === 0
        ? []
        : [...new Set([...before.errors, ...after.errors])],
  };
}

/** Options of {@link sampleHost}. */
export interface SampleHostOptions extends HostCollectorOptions {
  /** Seconds between the two snapshots (default 1). */
  intervalSeconds?: number;
}

/**
 * Samples the host once: opens a {@link HostCollector}, takes two snapshots `intervalSeconds`
 * apart and returns {@link hostSampleBetween} them (the one-off measurement of
 * `ResourceMonitor.sampleNode`). Throws a RingmonError when procRoot is not a proc filesystem.
 */
export async function sampleHost(options: SampleHostOptions = {}): Promise<HostSample> {
  const collector = HostCollector.open(options);
  try {
    const before = collector.snapshot();
    await new Promise((resolve) =>
      setTimeout(resolve, (options.intervalSeconds ?? DEFAULTS.intervalSeconds) * 1000),
    );
    return hostSampleBetween(before, collector.snapshot());
  } finally {
    collector.close();
  }
}
