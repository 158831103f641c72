/**
 * Container rows. `ContainerSampler` keeps the previous reading of every container it samples and turns
 * each new reading into a row with rates against it; `sampleContainers` is the one-off form (two readings,
 * one interval apart); `listContainers` is `ringmon containers`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SampleInput } from '../../columns.js';
import { storedIntervalSeconds } from '../../units.js';
import { EngineApiReader } from './api-reader.js';
import { DockerCliReader, execDockerCli } from './cli-reader.js';
import { ContainerNotFoundError, DockerUnavailableError } from './errors.js';
import { containerMetrics } from './formulas.js';
import type { ContainerReader } from './reader.js';
import type { ContainerInfo, ContainerReaderKind, ContainerReading } from './types.js';

/** How to reach Docker. */
export interface DockerAccessOptions {
  /** Use the docker CLI even when the API socket works (`--docker-cli`). */
  forceCli?: boolean;
  /** Environment for DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and the CLI (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** A ready reader instead (tests); `forceCli` and `env` are then ignored. */
  reader?: ContainerReader;
}

/**
 * A reader that answers: the Engine API when its socket answers (unless `forceCli`), else the docker CLI.
 * Rejects with `DockerUnavailableError` naming both failures when neither reaches an engine.
 */
export async function openContainerReader(options: DockerAccessOptions = {}): Promise<ContainerReader> {
  if (options.reader) return options.reader;
  const env = options.env ?? process.env;
  let apiProblem = '';
  if (!options.forceCli) {
    let api: EngineApiReader | undefined;
    try {
      api = EngineApiReader.fromEnv(env);
      await api.ping();
      return api;
    } catch (err) {
      api?.close();
      if (!(err instanceof DockerUnavailableError)) throw err;
      apiProblem = err.message;
    }
  }
  const cli = new DockerCliReader(execDockerCli({ env: { ...process.env, ...env } }));
  try {
    await cli.ping();
    return cli;
  } catch (err) {
    if (!(err instanceof DockerUnavailableError)) throw err;
    const why = apiProblem ? `${apiProblem}; ${err.message}` : err.message;
    throw new DockerUnavailableError(`no Docker: ${why}`, { cause: err });
  }
}

/** Options of `ContainerSampler`. */
export interface ContainerSamplerOptions extends DockerAccessOptions {
  /** Containers by name or ID (`--container`, repeatable), or `'all'` running ones (`--all-containers`). */
  selectors: readonly string[] | 'all';
  /** The rows' `node_name`. */
  nodeName: string;
  /** Nominal seconds between ticks; goes into `interval_seconds` (whole seconds, rounded up). */
  intervalSeconds: number;
  /**
   * Display names (the spec's `container_name`), keyed by the selector as given, the container's name or
   * its full ID. Without one, the container's own name.
   */
  displayNames?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Called once per missing container (until it is seen again) and once per Docker outage. */
  onWarning?: (message: string) => void;
  /**
   * Throw instead of warning: a missing or stopped container rejects `tick()` with
   * `ContainerNotFoundError` / `ContainerNotRunningError`, no Docker with `DockerUnavailableError`.
   */
  strict?: boolean;
}

const defaultWarn = (message: string) => process.stderr.write(`ringmon: warning: ${message}\n`);

/**
 * Stateful container sampling for the long-running agent. Each `tick()` reads every selected container
 * once (concurrently) and returns one row per running container, with CPU, disk and network rates against
 * that container's previous reading (NULL rates on its first reading, after a restart or when the name
 * now belongs to another container). A container the engine has nothing new for since the last tick (it
 * refreshes about once a second) has no row in that tick. A missing container gives one warning and is
 * picked up when it appears. Call `close()` when done: the API reader holds open streams.
 */
export class ContainerSampler {
  readonly #reader: ContainerReader;
  readonly #options: ContainerSamplerOptions;
  readonly #warn: (message: string) => void;
  /** Previous reading per selector (per container name with `'all'`). */
  readonly #previous = new Map<string, ContainerReading>();
  /** Selectors already warned about, until they are seen again. */
  readonly #warned = new Set<string>();
  #outageWarned = false;

  constructor(reader: ContainerReader, options: ContainerSamplerOptions) {
    this.#reader = reader;
    this.#options = options;
    this.#warn = options.onWarning ?? defaultWarn;
  }

  /** Opens a reader (API, else CLI) and a sampler on it. Rejects with `DockerUnavailableError`. */
  static async open(options: ContainerSamplerOptions): Promise<ContainerSampler> {
    return new ContainerSampler(await openContainerReader(options), options);
  }

  /** `docker-api` or `docker-cli`. */
  get source(): ContainerReaderKind {
    return this.#reader.source;
  }

  /** Where the reader connects, for messages. */
  get endpoint(): string {
    return this.#reader.endpoint;
  }

  /** One row per running selected container; see the class comment. */
  async tick(): Promise<SampleInput[]> {
    const { selectors, strict } = this.#options;
    let result: Awaited<ReturnType<ContainerReader['read']>>;
    try {
      result = await this.#reader.read(selectors, { requireFresh: strict === true });
    } catch (err) {
      if (strict || !(err instanceof DockerUnavailableError)) throw err;
      if (!this.#outageWarned) this.#warn(`${err.message}; container rows resume when it answers`);
      this.#outageWarned = true;
      return [];
    }
    this.#outageWarned = false;

    for (const p of result.problems) {
      if (strict) throw p.error;
      this.#previous.delete(p.selector);
      if (this.#warned.has(p.selector)) continue;
      this.#warned.add(p.selector);
      const when = p.error instanceof ContainerNotFoundError ? 'appears' : 'runs';
      this.#warn(`${p.error.message}; it will be sampled when it ${when}`);
    }

    const rows: SampleInput[] = [];
    const seenIds = new Set<string>();
    const seenKeys = new Set<string>();
    const all = selectors === 'all';
    for (const reading of result.readings) {
      if (seenIds.has(reading.id)) continue;
      seenIds.add(reading.id);
      const key = all ? reading.name : (selectors.find((s) => answersTo(reading, s)) ?? reading.id);
      seenKeys.add(key);
      this.#warned.delete(key);
      const metrics = containerMetrics(this.#previous.get(key), reading);
      this.#previous.set(key, reading);
      rows.push({
        sample_time: Math.floor(reading.readMs / 1000),
        node_flag: false,
        node_name: this.#options.nodeName,
        container_name: this.#displayName(key, reading),
        source: reading.source,
        interval_seconds: storedIntervalSeconds(this.#options.intervalSeconds),
        ...metrics,
      });
    }
    // Nothing new from the engine for these since the last tick: no row, and their previous reading stays.
    for (const u of result.unchanged) seenKeys.add(all ? u.name : u.selector);
    // Containers gone since the last tick: forget them, so a comeback starts without rates.
    for (const key of this.#previous.keys()) if (!seenKeys.has(key)) this.#previous.delete(key);
    return rows;
  }

  /** Frees the reader's sockets. */
  close(): void {
    this.#reader.close();
  }

  #displayName(key: string, reading: ContainerReading): string {
    const names = this.#options.displayNames;
    if (names) {
      const get = (k: string) => (names instanceof Map ? names.get(k) : (names as Record<string, string>)[k]);
      const found = get(key) ?? get(reading.name) ?? get(reading.id);
      if (found !== undefined) return found;
    }
    return reading.name;
  }
}

/** Is this reading the container the selector names (name, full ID or ID prefix)? */
function answersTo(reading: ContainerReading, selector: string): boolean {
  const s = selector.replace(/^\//, '');
  return reading.name === s || reading.id.startsWith(s);
}

/** Options of `sampleContainers`. */
export interface SampleContainersOptions extends DockerAccessOptions {
  selectors: readonly string[] | 'all';
  /** Seconds between the two readings (default 1). */
  intervalSeconds?: number;
  nodeName: string;
  displayNames?: ContainerSamplerOptions['displayNames'];
}

/**
 * A one-off sample: two readings `intervalSeconds` apart, one row per container with rates between them.
 * Rejects with `DockerUnavailableError` (no Docker at all), `ContainerNotFoundError` or
 * `ContainerNotRunningError` (one of the named containers); each has a one-line message.
 */
export async function sampleContainers(options: SampleContainersOptions): Promise<SampleInput[]> {
  const intervalSeconds = options.intervalSeconds ?? 1;
  const sampler = await ContainerSampler.open({ ...options, intervalSeconds, strict: true });
  try {
    const start = performance.now();
    await sampler.tick();
    await sleep(Math.max(0, intervalSeconds * 1000 - (performance.now() - start)));
    return await sampler.tick();
  } finally {
    sampler.close();
  }
}

/** The running containers (name, ID, image, status), for `ringmon containers`. */
export async function listContainers(options: DockerAccessOptions = {}): Promise<ContainerInfo[]> {
  const reader = await openContainerReader(options);
  try {
    return await reader.listContainers();
  } finally {
    if (!options.reader) reader.close();
  }
}
