/**
 * Reads containers through the Docker Engine API with dockerode. Paths are unversioned, so any engine
 * version answers (Debian's dockerd 20.10 speaks API 1.41 at most).
 *
 * The engine measures containers in one collector loop that runs once a second; every stats request, even
 * `stream=false&one-shot=true`, waits for that loop's next round (0–1 s; measured 0.7 s per request when
 * polled every 100 ms on dockerd 20.10). So instead of asking each tick, the reader subscribes once per
 * container to `GET /containers/{id}/stats?stream=true`, keeps the latest frame (unparsed) and hands it out
 * when a tick asks: a tick costs no engine round trip for stats. A tick that finds no frame newer than the
 * one it used last time waits a little (`freshWaitMs`) for the next one, then reports the container unchanged.
 * `GET /events` (`start`, `die`, `destroy`) tells restarts, which the stats stream does not end on, and keeps
 * the set of running containers for `'all'` without listing them every tick.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { ContainerNotFoundError, ContainerNotRunningError, DockerUnavailableError } from './errors.js';
import { parseEngineTime, readingFromStats } from './formulas.js';
import { JsonLines } from './json-lines.js';
import type { ContainerReader, ReadOptions, ReadResult } from './reader.js';
import type { ContainerInfo, ContainerReading, EngineStats } from './types.js';

/** Where the engine is and how to talk to it. */
export interface DockerEndpoint {
  /** As a user writes it: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`. */
  url: string;
  /** Unix socket path, for `unix://`. */
  socketPath?: string;
  /** Host and port, for `tcp://`. */
  host?: string;
  port?: number;
  /** Client certificate and CA for TLS (`DOCKER_TLS_VERIFY`); plain HTTP when absent. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
}

/** The docker CLI's default when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * The endpoint the docker CLI would use, from its environment variables: DOCKER_HOST (`unix://PATH`,
 * `tcp://HOST:PORT`; default `unix:///var/run/docker.sock`), DOCKER_TLS_VERIFY (any non-empty value turns
 * on verified TLS, as in the docker CLI, "0" included) and DOCKER_CERT_PATH (`ca.pem`, `cert.pem`,
 * `key.pem`; default `~/.docker`). Other schemes (`ssh://`, `npipe://`) throw `DockerUnavailableError`:
 * the docker CLI fallback handles those.
 */
export function dockerEndpointFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): DockerEndpoint {
  const url = env.DOCKER_HOST?.trim() || DEFAULT_DOCKER_HOST;
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length) || '/var/run/docker.sock';
    return { url, socketPath };
  }
  if (!url.startsWith('tcp://')) {
    throw new DockerUnavailableError(`DOCKER_HOST ${url}: only unix:// and tcp:// are read through the API`);
  }
  let parsed: URL;
  try {
    parsed = new URL(`http://${url.slice('tcp://'.length)}`);
  } catch {
    throw new DockerUnavailableError(`DOCKER_HOST ${url} is not a valid tcp://HOST:PORT address`);
  }
  const useTls = (env.DOCKER_TLS_VERIFY ?? '') !== '';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : useTls ? 2376 : 2375;
  if (!useTls) return { url, host, port };
  const dir = env.DOCKER_CERT_PATH || join(home, '.docker');
  try {
    const read = (f: string) => readFileSync(join(dir, f));
    return { url, host, port, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } };
  } catch (err) {
    throw new DockerUnavailableError(
      `DOCKER_TLS_VERIFY is set but the TLS files in ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      { cause: err },
    );
  }
}

/** Options of `EngineApiReader`. */
export interface EngineApiReaderOptions {
  /** Timeout of ping, list and inspect requests in ms (default 10 000). Streams have none. */
  timeoutMs?: number;
  /**
   * How long to wait for a container's first stats frame, or for a fresh one when the caller requires it,
   * in ms (default 2 500; the engine sends one about every second).
   */
  frameWaitMs?: number;
  /**
   * How long a tick waits for a frame newer than the one it used last time (or for a new container's first
   * frame), in ms (default 50: the rest of an engine round in progress). Past that, the container is
   * reported `unchanged` for this tick.
   */
  freshWaitMs?: number;
}

/** The `inspect` fields the reader uses. */
interface InspectSubset {
  Id: string;
  Name: string;
  State?: { Running?: boolean; StartedAt?: string };
}

/** One container's stats stream. */
interface Subscription {
  id: string;
  name: string;
  /** `State.StartedAt` when subscribed, epoch ms. */
  startedMs: number | null;
  frames: JsonLines;
  /** `frames.seq` of the frame the last tick used. */
  usedSeq: number;
}

/** The Engine API reader (`source` = `docker-api`). Call `close()` when done: it holds open streams. */
export class EngineApiReader implements ContainerReader {
  readonly source = 'docker-api' as const;
  readonly endpoint: string;
  readonly #docker: Docker;
  readonly #timeoutMs: number;
  readonly #frameWaitMs: number;
  readonly #freshWaitMs: number;
  /** Stats streams by container ID. */
  readonly #subs = new Map<string, Subscription>();
  /** Which container ID a selector resolved to. */
  readonly #selectorIds = new Map<string, string>();
  /** `start` event times (epoch ms) by container ID, the last few. */
  readonly #starts = new Map<string, number[]>();
  #events: JsonLines | null = null;
  /** Running container IDs, from one list and then `start`/`die`/`destroy` events; for `'all'`. */
  #running: Set<string> | null = null;
  #closed = false;
  #firstRead = true;

  constructor(endpoint: DockerEndpoint, options: EngineApiReaderOptions = {}) {
    this.endpoint = endpoint.url;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#frameWaitMs = options.frameWaitMs ?? 2_500;
    this.#freshWaitMs = options.freshWaitMs ?? 50;
    // Every connection field is given explicitly: dockerode merges its own reading of DOCKER_HOST under
    // these, and an unset `host` would let a tcp:// DOCKER_HOST win over our socketPath.
    const opts = {
      socketPath: endpoint.socketPath,
      host: endpoint.socketPath ? undefined : endpoint.host,
      port: endpoint.socketPath ? undefined : endpoint.port,
      protocol: endpoint.tls ? 'https' : 'http',
      ca: endpoint.tls?.ca,
      cert: endpoint.tls?.cert,
      key: endpoint.tls?.key,
      version: undefined,
      timeout: undefined,
      // No agent of our own: docker-modem deep-inspects every request's options (for its debug log, even
      // when off), and an agent holding ten stream sockets made that 30–50 ms of CPU per request. Node's
      // global agents keep sockets alive and have no socket limit (each stats stream holds one).
    } as Docker.DockerOptions;
    this.#docker = new Docker(opts);
  }

  /** Reader for the docker CLI's environment variables (see `dockerEndpointFromEnv`). */
  static fromEnv(env?: Readonly<Record<string, string | undefined>>, options?: EngineApiReaderOptions) {
    return new EngineApiReader(dockerEndpointFromEnv(env), options);
  }

  async ping(): Promise<void> {
    try {
      // dockerode's ping takes options at run time; its types do not say so.
      const ping = this.#docker.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
      await this.#timed((abortSignal) => ping.call(this.#docker, { abortSignal }));
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  async listContainers(): Promise<ContainerInfo[]> {
    let list: Docker.ContainerInfo[];
    try {
      list = await this.#timed((abortSignal) => this.#docker.listContainers({ abortSignal }));
    } catch (err) {
      throw this.#unavailable(err);
    }
    return list.map((c) => ({
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      id: c.Id,
      image: c.Image,
      status: c.Status,
      state: c.State,
    }));
  }

  async read(selectors: readonly string[] | 'all', options: ReadOptions = {}): Promise<ReadResult> {
    if (this.#closed) throw new Error('EngineApiReader is closed');
    // Watch for restarts before looking at any container, so no start can fall between the two.
    await this.#watchEvents();
    const all = selectors === 'all';
    if (all && this.#running === null) {
      this.#running = new Set((await this.listContainers()).map((c) => c.id));
    }
    const wanted = all ? [...(this.#running ?? [])] : selectors;
    const used = new Set<string>();
    const results = await Promise.all(
      wanted.map((sel) =>
        this.#readOne(sel, used, options.requireFresh === true).then(
          (got) => ({ got, sel }),
          (error: Error) => ({ error, sel }),
        ),
      ),
    );
    // Streams of containers no longer asked for (gone, or not selected any more) are closed.
    for (const [id, sub] of this.#subs) {
      if (!used.has(id)) this.#drop(sub);
    }
    this.#firstRead = false;
    const result: ReadResult = { readings: [], problems: [], unchanged: [] };
    for (const r of results) {
      if ('error' in r) {
        if (r.error instanceof DockerUnavailableError) throw r.error;
        // With 'all', a container that stopped between the list and its stats is simply gone.
        if (!all) result.problems.push({ selector: r.sel, error: r.error });
      } else if ('reading' in r.got) result.readings.push(r.got.reading);
      else result.unchanged.push({ selector: r.sel, id: r.got.unchanged.id, name: r.got.unchanged.name });
    }
    return result;
  }

  /** Closes every stream and socket. */
  close(): void {
    this.#closed = true;
    for (const sub of this.#subs.values()) sub.frames.close();
    this.#subs.clear();
    this.#events?.close();
    this.#events = null;
  }

  async #readOne(
    selector: string,
    used: Set<string>,
    requireFresh: boolean,
  ): Promise<{ reading: ContainerReading } | { unchanged: Subscription }> {
    let sub = this.#subscriptionFor(selector);
    for (let attempt = 0; ; attempt++) {
      if (!sub) {
        sub = await this.#subscribe(selector);
        this.#selectorIds.set(selector, sub.id);
      }
      used.add(sub.id);
      // A long wait only when asked for, or on the reader's first read (so a sampler's first tick has rows);
      // otherwise a container without news, or a new one without its first frame yet, is `unchanged`.
      const patient = requireFresh || this.#firstRead;
      if (await sub.frames.next(sub.usedSeq, patient ? this.#frameWaitMs : this.#freshWaitMs)) break;
      if (!sub.frames.ended) {
        if (!patient) return { unchanged: sub };
        throw new Error(`no stats for ${selector} from the engine within ${this.#frameWaitMs} ms`);
      }
      // The stream ended (container removed, engine restarted): look the selector up again, once.
      this.#drop(sub);
      sub = undefined;
      if (attempt > 0) throw new ContainerNotRunningError(selector);
    }
    sub.usedSeq = sub.frames.seq;
    const stats = JSON.parse(sub.frames.latest ?? '{}') as EngineStats;
    const reading = readingFromStats(stats, { source: 'docker-api', id: sub.id, name: sub.name });
    if (!reading) throw new ContainerNotRunningError(selector);
    reading.startedMs = this.#startedAsOf(sub, reading.readMs);
    return { reading };
  }

  #subscriptionFor(selector: string): Subscription | undefined {
    const id = this.#selectorIds.get(selector) ?? selector;
    const sub = this.#subs.get(id);
    if (sub?.frames.ended) {
      this.#drop(sub);
      return undefined;
    }
    return sub;
  }

  async #subscribe(selector: string): Promise<Subscription> {
    const container = this.#docker.getContainer(selector);
    let info: InspectSubset;
    try {
      info = (await this.#timed((abortSignal) => container.inspect({ abortSignal }))) as InspectSubset;
    } catch (err) {
      throw this.#containerError(selector, err);
    }
    if (info.State?.Running !== true) throw new ContainerNotRunningError(selector);
    const existing = this.#subs.get(info.Id);
    if (existing && !existing.frames.ended) return existing;
    let stream: Readable;
    try {
      stream = (await this.#docker.getContainer(info.Id).stats({ stream: true })) as unknown as Readable;
    } catch (err) {
      throw this.#containerError(selector, err);
    }
    const sub: Subscription = {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      startedMs: parseEngineTime(info.State?.StartedAt ?? ''),
      frames: new JsonLines(stream),
      usedSeq: 0,
    };
    this.#subs.set(sub.id, sub);
    return sub;
  }

  #drop(sub: Subscription): void {
    sub.frames.close();
    this.#subs.delete(sub.id);
    this.#starts.delete(sub.id);
    for (const [sel, id] of this.#selectorIds) if (id === sub.id) this.#selectorIds.delete(sel);
  }

  /** The latest start of the container at or before `readMs`: from `inspect`, or a later `start` event. */
  #startedAsOf(sub: Subscription, readMs: number): number | null {
    let started = sub.startedMs;
    for (const t of this.#starts.get(sub.id) ?? []) {
      if (t <= readMs && (started === null || t > started)) started = t;
    }
    return started;
  }

  /**
   * Opens (or reopens) the container events stream (`start`, `die`, `destroy`); rejects with
   * `DockerUnavailableError`.
   */
  async #watchEvents(): Promise<void> {
    if (this.#events && !this.#events.ended) return;
    let stream: Readable;
    try {
      stream = (await this.#docker.getEvents({
        filters: { type: ['container'], event: ['start', 'die', 'destroy'] },
      })) as unknown as Readable;
    } catch (err) {
      throw this.#unavailable(err);
    }
    // Whatever happened while no stream was open is unknown: list the running containers again, and
    // resubscribe (inspect re-reads StartedAt) rather than miss a restart.
    this.#running = null;
    if (this.#events) for (const sub of [...this.#subs.values()]) this.#drop(sub);
    this.#events = new JsonLines(stream, (line) => this.#onEvent(line));
  }

  #onEvent(line: string): void {
    let event: {
      Action?: string;
      status?: string;
      id?: string;
      Actor?: { ID?: string };
      timeNano?: number;
      time?: number;
    };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const id = event.Actor?.ID ?? event.id;
    if (!id) return;
    const action = event.Action ?? event.status;
    if (action !== 'start') {
      this.#running?.delete(id);
      return;
    }
    this.#running?.add(id);
    if (!this.#subs.has(id)) return;
    const ms = event.timeNano !== undefined ? event.timeNano / 1e6 : (event.time ?? 0) * 1000;
    const list = this.#starts.get(id) ?? [];
    list.push(ms);
    if (list.length > 4) list.shift();
    this.#starts.set(id, list);
  }

  /**
   * Runs a request with the reader's timeout. Not `AbortSignal.timeout()`: its timer stays armed after the
   * answer and, firing later, builds a DOMException with a stack trace for nothing, once per request.
   */
  async #timed<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    try {
      return await request(controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  #containerError(selector: string, err: unknown): Error {
    const e = err as { statusCode?: number };
    if (e.statusCode === 404) return new ContainerNotFoundError(selector, { cause: err });
    if (e.statusCode === 409) return new ContainerNotRunningError(selector, { cause: err });
    return this.#unavailable(err);
  }

  /** Connection-level failures become `DockerUnavailableError`; HTTP errors keep a one-line message. */
  #unavailable(err: unknown): Error {
    const e = err as {
      code?: string;
      name?: string;
      statusCode?: number;
      json?: { message?: string };
      message?: string;
    };
    if (e.statusCode !== undefined) {
      const why = (e.json?.message ?? '').trim();
      return new Error(`Docker engine at ${this.endpoint}: HTTP ${e.statusCode}${why ? ` ${why}` : ''}`, {
        cause: err,
      });
    }
    const why =
      e.name === 'AbortError' || e.code === 'ABORT_ERR'
        ? `no answer within ${this.#timeoutMs} ms`
        : (e.code ?? e.message ?? String(err));
    return new DockerUnavailableError(`cannot reach the Docker engine at ${this.endpoint} (${why})`, {
      cause: err,
    });
  }
}
