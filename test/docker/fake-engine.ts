/**
 * A stand-in Docker engine for reader tests: a real HTTP server on a unix socket (or TCP, or TLS) that
 * answers the Engine API paths the reader uses from recorded or test-made bodies. Its "collector" sends
 * a stats frame to every open stats stream only when the test calls `collect()` (and one right away when
 * a stream opens, like the engine's first round), so tests decide exactly which frames a tick sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  running: boolean;
  startedAt: string;
  /** The stats body for frame `n` (0, 1, 2, …) of this container. */
  frame: (n: number) => object;
}

export class FakeEngine {
  /** Every request's method and URL, in order. */
  readonly requests: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly #statsStreams = new Map<string, Set<http.ServerResponse>>();
  readonly #eventStreams = new Set<http.ServerResponse>();
  readonly #frameNo = new Map<string, number>();
  readonly #server: http.Server;
  #dir: string | null = null;
  /** `unix:///…/docker.sock` or `tcp://127.0.0.1:PORT`, once listening. */
  dockerHost = '';

  constructor(tls?: https.ServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.#handle(req, res);
    this.#server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  /** Listens on a unix socket in a fresh temporary directory. */
  async listenUnix(): Promise<this> {
    this.#dir = mkdtempSync(join(tmpdir(), 'ringmon-fake-docker-'));
    const path = join(this.#dir, 'docker.sock');
    await new Promise<void>((resolve) => this.#server.listen(path, resolve));
    this.dockerHost = `unix://${path}`;
    return this;
  }

  /** Listens on 127.0.0.1, a free port. */
  async listenTcp(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.dockerHost = `tcp://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  add(c: FakeContainer): void {
    this.containers.set(c.id, c);
  }

  /** One collector round: the next frame to every open stats stream. */
  collect(): void {
    for (const [id, streams] of this.#statsStreams) {
      if (streams.size > 0) this.#sendFrame(id);
    }
  }

  /** A container event (`start`, `die`, `destroy`) to every events stream, at `timeNano`. */
  event(action: string, id: string, timeNano: number): void {
    const c = this.containers.get(id);
    const body = {
      status: action,
      id,
      Type: 'container',
      Action: action,
      Actor: { ID: id, Attributes: { name: c?.name ?? '', image: c?.image ?? '' } },
      time: Math.floor(timeNano / 1e9),
      timeNano,
    };
    for (const res of this.#eventStreams) res.write(`${JSON.stringify(body)}\n`);
  }

  /** Open stats streams of a container. */
  streams(id: string): number {
    return this.#statsStreams.get(id)?.size ?? 0;
  }

  async close(): Promise<void> {
    for (const set of this.#statsStreams.values()) for (const res of set) res.destroy();
    for (const res of this.#eventStreams) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
  }

  #find(selector: string): FakeContainer | undefined {
    for (const c of this.containers.values()) {
      if (c.name === selector || c.id.startsWith(selector)) return c;
    }
    return undefined;
  }

  #sendFrame(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    const n = this.#frameNo.get(id) ?? 0;
    this.#frameNo.set(id, n + 1);
    const body = c.running
      ? c.frame(n)
      : {
          read: '0001-01-01T00:00:00Z',
          id: c.id,
          name: `/${c.name}`,
          cpu_stats: { cpu_usage: {} },
          memory_stats: {},
        };
    for (const res of this.#statsStreams.get(id) ?? []) res.write(`${JSON.stringify(body)}\n`);
  }

  #json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://engine');
    const path = url.pathname;
    if (path === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    if (path === '/containers/json') {
      this.#json(
        res,
        200,
        [...this.containers.values()]
          .filter((c) => c.running)
          .map((c) => ({
            Id: c.id,
            Names: [`/${c.name}`],
            Image: c.image,
            Status: 'Up 2 seconds',
            State: 'running',
          })),
      );
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      this.#eventStreams.add(res);
      res.on('close', () => this.#eventStreams.delete(res));
      return;
    }
    const m = /^\/containers\/([^/]+)\/(json|stats)$/.exec(path);
    const c = m ? this.#find(decodeURIComponent(m[1] ?? '')) : undefined;
    if (m && !c) {
      this.#json(res, 404, { message: `No such container: ${m[1]}` });
      return;
    }
    if (m && c && m[2] === 'json') {
      this.#json(res, 200, {
        Id: c.id,
        Name: `/${c.name}`,
        State: { Running: c.running, StartedAt: c.startedAt },
        HostConfig: { Memory: 0, NetworkMode: 'default' },
      });
      return;
    }
    if (m && c && m[2] === 'stats' && url.searchParams.get('stream') !== 'false') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      let set = this.#statsStreams.get(c.id);
      if (!set) {
        set = new Set();
        this.#statsStreams.set(c.id, set);
      }
      set.add(res);
      res.on('close', () => set.delete(res));
      // The engine's next collector round, right away.
      setImmediate(() => this.#sendFrame(c.id));
      return;
    }
    this.#json(res, 404, { message: `page not found: ${req.method} ${req.url}` });
  }
}
