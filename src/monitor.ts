import { hostname } from 'node:os';
import type { DockerAccessOptions } from './collect/docker/index.js';
import { type HostCollectorOptions, sampleHost } from './collect/host/collector.js';
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
  /** Where {@link ResourceMonitor.printSampleSummary} and {@link ResourceMonitor.debugTableState} print (default: stdout). */
  output?: TextOutput;
}

/** Somewhere text can be written: `process.stdout`, a file stream, a socket, a test's collector. */
export interface TextOutput {
  /** Called with whole lines, each ending in a newline. */
  write(text: string): unknown;
}

/** Options of {@link ResourceMonitor.sampleNode}. */
export interface SampleNodeOptions {
  /** Seconds between the two snapshots (default 1); also the row's `interval_seconds`. */
  intervalSeconds?: number;
  /** The row's `source` column (default `procfs`). */
  source?: string;
}

/** Options of {@link ResourceMonitor.sampleContainer}. */
export interface SampleContainerOptions {
  /** The container's name or ID. */
  containerId: string;
  /** The row's `container_name` (default: the container's own name). */
  containerName?: string;
  /** Seconds between the two readings (default 1); also the row's `interval_seconds`. */
  intervalSeconds?: number;
  /** The row's `source` column (default `docker-api` or `docker-cli`, whichever read it). */
  source?: string;
}

/** Options of {@link ResourceMonitor.getRecentSamples}. */
export interface RecentSamplesOptions {
  /** At most this many rows (default 100). */
  limit?: number;
  /** Only rows of this node: its host rows and its containers' rows. */
  nodeFilter?: string;
  /** Only rows of containers with this `container_name` (on every node, or on `nodeFilter`'s). */
  containerFilter?: string;
}

/** Options of {@link ResourceMonitor.setCapacity}. */
export interface SetCapacityOptions {
  /**
   * Rows each node keeps when the ring is shared out per node (see `RingStoreOptions.nodeShare`);
   * `null` makes the ring one pool again; without it the ring's own setting holds.
   */
  nodeShare?: number | null;
}

/** Options of {@link ResourceMonitor.cleanupOldSamples}. */
export interface CleanupOptions {
  /** Keep rows of the last this many hours (default 24). */
  keepHours?: number;
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
  /** The `node_name` of this monitor's rows. */
  readonly nodeName: string;
  /** Whether this monitor's rows carry `master_flag` and it sets the ring's capacity. */
  readonly master: boolean;
  readonly #options: ResourceMonitorOptions;
  readonly #output: TextOutput;

  private constructor(store: RingStore, options: ResourceMonitorOptions) {
    this.store = store;
    this.#options = options;
    this.nodeName = options.nodeName ?? hostname();
    this.master = options.master ?? false;
    this.#output = options.output ?? process.stdout;
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
  async sampleNode(options: SampleNodeOptions = {}): Promise<SampleInput> {
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
  async sampleContainer(options: SampleContainerOptions): Promise<SampleInput> {
    // Loaded here, not at the top: the Docker client (dockerode, ssh2, grpc) costs more to load than
    // the rest of the library, and a program that samples only the host never needs it.
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
  getRecentSamples(options: RecentSamplesOptions = {}): Promise<SampleRow[]> {
    return this.store.recent({
      limit: options.limit,
      node: options.nodeFilter,
      container: options.containerFilter,
    });
  }

  /** Changes the ring's capacity, keeping the newest rows (and its node share, see RingStore). */
  setCapacity(capacity: number, options: SetCapacityOptions = {}): Promise<ResizeResult> {
    return this.store.setCapacity(capacity, options);
  }

  /** Deletes rows older than `keepHours` (default 24) and returns how many. */
  cleanupOldSamples(options: CleanupOptions = {}): Promise<number> {
    return this.store.cleanupOldSamples(options.keepHours ?? 24);
  }

  /** Prints a readable summary of samples to {@link ResourceMonitorOptions.output} (and returns it). */
  printSampleSummary(samples: readonly SampleRow[]): string {
    const text = formatSummary(samples);
    this.#output.write(`${text}\n`);
    return text;
  }

  /** Prints the ring's state to {@link ResourceMonitorOptions.output} and returns it. */
  async debugTableState(): Promise<RingState> {
    const state = await this.store.state();
    this.#output.write(`${formatState(state)}\n`);
    return state;
  }

  /** Closes the ring's connection (a pg Pool, Client or PGlite the caller passed stays open). */
  close(): Promise<void> {
    return this.store.close();
  }

  /** Closes the monitor at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #warn(message: string): void {
    (this.#options.onWarning ?? ((m) => process.stderr.write(`ringmon: warning: ${m}\n`)))(message);
  }
}

/**
 * The spec's name for {@link ResourceMonitor}: the same class under a second name, so it is a value
 * (`CompleteResourceMonitor.open(…)`) and a type (`let monitor: CompleteResourceMonitor`).
 */
export { ResourceMonitor as CompleteResourceMonitor };
