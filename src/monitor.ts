import { hostname } from 'node:os';
import type { DockerAccessOptions } from './collect/docker/index.js';
import type { HostCollectorOptions } from './collect/host/collector.js';
import { sampleHost } from './collect/host/collector.js';
import type { SampleInput, SampleRow } from './columns.js';
import { DEFAULTS } from './defaults.js';
import { formatState, formatSummary } from './format/text.js';
import { nodeRow } from './rows/node-row.js';
import type { RingDb } from './store/client/sql-client.js';
import { type ResizeResult, type RingState, RingStore } from './store/ring/ring.js';

/** Options of {@link ResourceMonitor.open}: the spec's constructor parameters. */
export interface ResourceMonitorOptions {
  /** Where the ring lives: a postgres:// URL, a pg Pool or Client, a PGlite instance or data directory. */
  db: RingDb;
  /** Table name (default `monitor_samples_ring`). */
  tableName?: string;
  /**
   * Rows the ring holds (default 10,000). A master applies it to an existing ring; any other monitor
   * adopts the ring's capacity and only uses its own when it creates the ring.
   */
  capacity?: number;
  /** Mark this monitor's rows as the master's, and let it set the ring's capacity. */
  master?: boolean;
  /** Node name in the rows (default: the host name). */
  nodeName?: string;
  /** Store columns a row does not fill as NULL (default) or 0. */
  useNullForEmpty?: boolean;
  /** Where /proc and /sys are, and which disks and interfaces count. */
  host?: HostCollectorOptions;
  /** How to reach Docker. */
  docker?: DockerAccessOptions;
  /** Where warnings go (default: stderr). */
  onWarning?: (message: string) => void;
}

/**
 * The spec's `CompleteResourceMonitor`: samples the host and containers and stores each sample as
 * one row of the ring.
 *
 * @example
 * ```ts
 * const monitor = await ResourceMonitor.open({ db: 'postgres://monitor_user@localhost/monitoring',
 *   tableName: 'performance_metrics', capacity: 1000, master: true, nodeName: 'server-01' });
 * try {
 *   await monitor.sampleNode({ intervalSeconds: 2 });
 *   await monitor.sampleContainer({ containerId: 'my-app', containerName: 'web-server' });
 *   monitor.printSampleSummary(await monitor.getRecentSamples({ limit: 10 }));
 * } finally {
 *   await monitor.close();
 * }
 * ```
 */
export class ResourceMonitor {
  /** The ring this monitor writes to. */
  readonly store: RingStore;
  readonly nodeName: string;
  readonly master: boolean;
  readonly #options: ResourceMonitorOptions;

  private constructor(store: RingStore, options: ResourceMonitorOptions) {
    this.store = store;
    this.#options = options;
    this.nodeName = options.nodeName ?? hostname();
    this.master = options.master ?? false;
  }

  /** Opens (and if needed creates) the ring; see {@link ResourceMonitorOptions.capacity} for who sets capacity. */
  static async open(options: ResourceMonitorOptions): Promise<ResourceMonitor> {
    const master = options.master ?? false;
    const store = await RingStore.open({
      db: options.db,
      tableName: options.tableName ?? DEFAULTS.tableName,
      capacity: options.capacity,
      capacityMode: master ? 'apply' : 'adopt',
      useNullForEmpty: options.useNullForEmpty ?? true,
    });
    const monitor = new ResourceMonitor(store, options);
    if (!master && options.capacity !== undefined && store.capacity !== options.capacity) {
      monitor.#warn(
        `the ring ${store.table} holds ${store.capacity} rows, not the ${options.capacity} asked for: only a master sets capacity; using ${store.capacity}`,
      );
    }
    return monitor;
  }

  /** Samples the host over `intervalSeconds` (default 1), stores the row and returns it. */
  async sampleNode(options: { intervalSeconds?: number; source?: string } = {}): Promise<SampleInput> {
    const intervalSeconds = options.intervalSeconds ?? DEFAULTS.intervalSeconds;
    const sample = await sampleHost({ ...this.#options.host, intervalSeconds });
    for (const error of sample.errors) this.#warn(error);
    const row = nodeRow(sample, { nodeName: this.nodeName, master: this.master }, intervalSeconds);
    if (options.source !== undefined) row.source = options.source;
    await this.store.write([row]);
    return row;
  }

  /**
   * Samples one container over `intervalSeconds` (default 1), stores the row and returns it.
   * Rejects with a one-line error when Docker is unreachable or the container does not exist.
   */
  async sampleContainer(options: {
    containerId: string;
    containerName?: string;
    intervalSeconds?: number;
    source?: string;
  }): Promise<SampleInput> {
    const { sampleContainers } = await import('./collect/docker/index.js');
    const [row] = await sampleContainers({
      ...this.#options.docker,
      selectors: [options.containerId],
      displayNames: options.containerName ? { [options.containerId]: options.containerName } : undefined,
      intervalSeconds: options.intervalSeconds ?? DEFAULTS.intervalSeconds,
      nodeName: this.nodeName,
    });
    const stored: SampleInput = { ...row!, master_flag: this.master };
    if (options.source !== undefined) stored.source = options.source;
    await this.store.write([stored]);
    return stored;
  }

  /** The newest rows first, optionally of one node and/or one container name. */
  getRecentSamples(
    options: { limit?: number; nodeFilter?: string; containerFilter?: string } = {},
  ): Promise<SampleRow[]> {
    return this.store.recent({
      limit: options.limit,
      node: options.nodeFilter,
      container: options.containerFilter,
    });
  }

  /** Changes the ring's capacity, keeping the newest rows (and its node share, see RingStore). */
  setCapacity(capacity: number, options: { nodeShare?: number | null } = {}): Promise<ResizeResult> {
    return this.store.setCapacity(capacity, options);
  }

  /** Deletes rows older than `keepHours` (default 24) and returns how many. */
  cleanupOldSamples(options: { keepHours?: number } = {}): Promise<number> {
    return this.store.cleanupOldSamples(options.keepHours ?? 24);
  }

  /** Prints a readable summary of samples to stdout (and returns it). */
  printSampleSummary(samples: readonly SampleRow[]): string {
    const text = formatSummary(samples);
    process.stdout.write(`${text}\n`);
    return text;
  }

  /** Prints the ring's state to stdout and returns it. */
  async debugTableState(): Promise<RingState> {
    const state = await this.store.state();
    process.stdout.write(`${formatState(state)}\n`);
    return state;
  }

  /** Closes the ring's connection (a pg Pool, Client or PGlite the caller passed stays open). */
  close(): Promise<void> {
    return this.store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #warn(message: string): void {
    (this.#options.onWarning ?? ((m) => process.stderr.write(`ringmon: warning: ${m}\n`)))(message);
  }
}

/** The spec's name for {@link ResourceMonitor}. */
export const CompleteResourceMonitor = ResourceMonitor;
