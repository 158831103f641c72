/**
 * Reads containers through the Docker Engine API with dockerode: one-shot stats (`stream=false&one-shot=true`,
 * which answers at once instead of waiting a second for a second reading) plus `inspect` for the start time,
 * every container of a tick concurrently, over one keep-alive agent. Paths are unversioned, so any engine
 * version answers (Debian's dockerd 20.10 speaks API 1.41 at most).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ContainerNotFoundError, ContainerNotRunningError, DockerUnavailableError } from './errors.js';
import { readingFromStats } from './formulas.js';
import type { ContainerProblem, ContainerReader, ReadResult } from './reader.js';
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
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
}

/** The `inspect` fields the reader uses. */
interface InspectSubset {
  Id: string;
  Name: string;
  State?: { Running?: boolean; StartedAt?: string };
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
]);

/** The Engine API reader (`source` = `docker-api`). */
export class EngineApiReader implements ContainerReader {
  readonly source = 'docker-api' as const;
  readonly endpoint: string;
  readonly #docker: Docker;
  readonly #agent: http.Agent;

  constructor(endpoint: DockerEndpoint, options: EngineApiReaderOptions = {}) {
    this.endpoint = endpoint.url;
    const agentOptions = { keepAlive: true, maxSockets: 32 };
    this.#agent = endpoint.tls ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
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
      timeout: options.timeoutMs ?? 10_000,
      agent: this.#agent,
    } as Docker.DockerOptions;
    this.#docker = new Docker(opts);
  }

  /** Reader for the docker CLI's environment variables (see `dockerEndpointFromEnv`). */
  static fromEnv(env?: Readonly<Record<string, string | undefined>>, options?: EngineApiReaderOptions) {
    return new EngineApiReader(dockerEndpointFromEnv(env), options);
  }

  async ping(): Promise<void> {
    try {
      await this.#docker.ping();
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  async listContainers(): Promise<ContainerInfo[]> {
    let list: Docker.ContainerInfo[];
    try {
      list = await this.#docker.listContainers();
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

  async read(selectors: readonly string[] | 'all'): Promise<ReadResult> {
    const all = selectors === 'all';
    const wanted = all ? (await this.listContainers()).map((c) => c.id) : selectors;
    const results = await Promise.all(
      wanted.map((sel) =>
        this.#readOne(sel).then(
          (reading) => ({ reading }),
          (error: Error) => ({ error, sel }),
        ),
      ),
    );
    const readings: ContainerReading[] = [];
    const problems: ContainerProblem[] = [];
    for (const r of results) {
      if ('reading' in r) readings.push(r.reading);
      else if (r.error instanceof DockerUnavailableError) throw r.error;
      // With 'all', a container that stopped between the list and its stats is simply gone.
      else if (!all) problems.push({ selector: r.sel, error: r.error });
    }
    return { readings, problems };
  }

  close(): void {
    this.#agent.destroy();
  }

  async #readOne(selector: string): Promise<ContainerReading> {
    const container = this.#docker.getContainer(selector);
    const [stats, info] = await Promise.all([
      container.stats({ stream: false, 'one-shot': true }) as Promise<unknown>,
      container.inspect() as Promise<unknown>,
    ]).catch((err: unknown) => {
      throw this.#containerError(selector, err);
    });
    const inspect = info as InspectSubset;
    if (inspect.State?.Running === false) throw new ContainerNotRunningError(selector);
    const sameContainer = (stats as EngineStats).id === undefined || (stats as EngineStats).id === inspect.Id;
    const reading = readingFromStats(stats as EngineStats, {
      source: 'docker-api',
      id: inspect.Id,
      name: inspect.Name,
      startedAt: sameContainer ? (inspect.State?.StartedAt ?? null) : null,
    });
    if (!reading) throw new ContainerNotRunningError(selector);
    return reading;
  }

  #containerError(selector: string, err: unknown): Error {
    const e = err as { statusCode?: number };
    if (e.statusCode === 404) return new ContainerNotFoundError(selector, { cause: err });
    if (e.statusCode === 409) return new ContainerNotRunningError(selector, { cause: err });
    return this.#unavailable(err);
  }

  /** Connection-level failures become `DockerUnavailableError`; HTTP errors keep a one-line message. */
  #unavailable(err: unknown): Error {
    const e = err as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
    if (e.statusCode !== undefined) {
      return new Error(
        `Docker engine at ${this.endpoint}: HTTP ${e.statusCode} ${e.json?.message ?? ''}`.trim(),
        {
          cause: err,
        },
      );
    }
    const why = e.code && CONNECTION_CODES.has(e.code) ? e.code : (e.code ?? e.message ?? String(err));
    return new DockerUnavailableError(`cannot reach the Docker engine at ${this.endpoint} (${why})`, {
      cause: err,
    });
  }
}
