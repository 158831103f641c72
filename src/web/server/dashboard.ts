/**
 * `startDashboard`: the HTTP server behind `ringmon serve`. node:http and a handful of routes:
 *
 *   /, /node?name=N, /container?node=N&name=C   the pages (one HTML shell; the script draws them)
 *   /assets/…                                   the page's modules and style, uPlot (no data, no token)
 *   /api/nodes, /api/samples                    JSON (api.ts)
 *   /metrics                                    Prometheus text format (metrics.ts)
 *
 * Only GET and HEAD. Every answer but /assets/ needs the token when there is one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../../defaults.js';
import { RingmonError } from '../../errors.js';
import { isBindAddress, MAX_PORT } from '../../limits.js';
import type { RingStore } from '../../store/ring/ring.js';
import { HttpError, type Newest, nodes, readNewest, samples } from './api.js';
import { type Asset, loadAssets, shellHtml } from './assets.js';
import { accessPolicy, isLoopback, requestToken, tokenMatches } from './auth.js';
import { CONTENT_TYPE as METRICS_TYPE, metricsBody } from './metrics.js';

export const DEFAULT_PORT = DEFAULTS.dashboardPort;
export const DEFAULT_BIND = DEFAULTS.dashboardBind;

/** The logging the dashboard does; a pino Logger fits. */
export interface DashboardLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DashboardOptions {
  /** The ring to show; the dashboard only reads it and never closes it. */
  store: RingStore;
  /** TCP port (default 8080); 0 picks a free one (see the returned url). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). Anything but loopback needs `token` or `insecure`. */
  bind?: string;
  /** Required of every request but /assets/: `Authorization: Bearer T` or `?token=T`. */
  token?: string;
  /** Allows a non-loopback bind without a token: anyone who reaches the port can read the ring. */
  insecure?: boolean;
  log?: DashboardLog;
  /** Clock for ages and staleness, epoch milliseconds (default Date.now). */
  now?: () => number;
}

export interface Dashboard {
  /** Where it listens, e.g. `http://127.0.0.1:8080/` (no token in it). */
  readonly url: string;
  /** Stops listening and ends open connections (live pages keep some alive). */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // Page URLs may carry ?token=: never send them to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

const PAGES = new Set(['/', '/node', '/container']);

function validatePort(port: unknown): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new RingmonError(`port ${String(port)} must be a whole number from 0 to ${MAX_PORT}`, 'usage');
  }
  return port;
}

function validateBind(bind: unknown): string {
  if (typeof bind !== 'string' || !isBindAddress(bind)) {
    throw new RingmonError(
      `bind address ${JSON.stringify(bind)} must be an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0`,
      'usage',
    );
  }
  return bind;
}

/** Hosts a browser may name when the dashboard is on loopback without a token (see allowedHost). */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const bracket = /^(\[[^\]]*\])(?::\d+)?$/.exec(header);
  if (bracket?.[1] !== undefined) return bracket[1].toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  if (typeof options !== 'object' || options === null || typeof options.store?.latest !== 'function') {
    throw new RingmonError('startDashboard() takes an options object with a RingStore as store', 'usage');
  }
  const { store, log } = options;
  const port = validatePort(options.port ?? DEFAULT_PORT);
  const bind = validateBind(options.bind ?? DEFAULT_BIND);
  const token = accessPolicy({ bind, token: options.token, insecure: options.insecure });
  const now = options.now ?? Date.now;
  const assets = loadAssets();
  const shell = Buffer.from(shellHtml(), 'utf8');
  // Loopback without a token trusts whoever can connect; a web page the user visits can too, through
  // DNS rebinding, unless requests that name another host are refused.
  const checkHost = token === undefined && isLoopback(bind);
  const bindHost = bind.includes(':') ? `[${bind}]` : bind;

  const shared = new SharedReads(store);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    } catch {
      // A request target that is no URL at all (`GET http://[`): the client's mistake, not ours.
      return sendJson(req, res, 400, { error: 'the request target does not parse as a URL' });
    }
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(req, res, 405, { error: `method ${req.method} is not allowed; use GET` });
    }
    if (checkHost) {
      const host = hostName(req.headers.host);
      if (!LOCAL_HOSTS.has(host) && host !== bindHost) {
        return sendJson(req, res, 403, { error: 'this dashboard answers only to its loopback address' });
      }
    }
    if (path.startsWith('/assets/')) {
      const found = assets.get(path.slice('/assets/'.length));
      if (found === undefined) return sendJson(req, res, 404, { error: 'no such asset' });
      return sendAsset(req, res, found);
    }
    if (
      token !== undefined &&
      !tokenMatches(token, requestToken(req.headers.authorization, url.searchParams))
    ) {
      res.setHeader('www-authenticate', 'Bearer realm="ringmon"');
      return sendJson(req, res, 401, {
        error: 'a token is required: send Authorization: Bearer <token> or add ?token=<token>',
      });
    }
    if (PAGES.has(path)) {
      return send(req, res, 200, 'text/html; charset=utf-8', shell);
    }
    if (path === '/api/nodes') {
      const nowMs = now();
      return sendJson(req, res, 200, await nodes(store, url.searchParams, nowMs, () => shared.read(nowMs)));
    }
    if (path === '/api/samples') return sendJson(req, res, 200, await samples(store, url.searchParams));
    if (path === '/metrics') {
      // Prometheus sends its own parameters only when configured to; none are read here.
      return send(req, res, 200, METRICS_TYPE, await shared.metrics(now()));
    }
    return sendJson(req, res, 404, { error: `no such page: ${path.slice(0, 100)}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendJson(req, res, err.status, { error: err.message });
      // Store errors are RingmonErrors: one line, no password (store/errors.ts redacts them).
      const message = err instanceof RingmonError ? err.message : 'internal error';
      log?.warn(
        { err: err instanceof Error ? err.message : String(err), path: req.url?.split('?')[0] },
        'dashboard request failed',
      );
      if (!res.headersSent) sendJson(req, res, 500, { error: message });
      else res.destroy();
    });
  });
  // Live pages poll every interval; an idle keep-alive connection should not outlive that by much.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use: choose another --port'
          : err.code === 'EADDRNOTAVAIL'
            ? 'this machine has no such address: choose another --bind'
            : err.code === 'EACCES'
              ? 'not allowed (ports below 1024 need privileges)'
              : (err.code ?? err.message);
      reject(new RingmonError(`cannot listen on ${bind} port ${port}: ${why}`, 'runtime', { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, bind, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/`;
  log?.info({ url, token: token !== undefined }, 'dashboard listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** How long one read of the newest rows serves /api/nodes and /metrics: agents write once a second. */
export const SHARED_READ_MS = 1000;

/**
 * The newest rows, read once and shared by every /api/nodes and /metrics request for up to
 * SHARED_READ_MS (real time) and while the dashboard's clock stays in the same second; requests
 * that arrive while a read runs wait for it rather than start their own. At 1,000 nodes × 10
 * containers a read takes ~100 ms (45 of them the server's) and the /metrics text ~75 more: pages
 * and scrapers at once would otherwise each pay that. The price: an answer may be up to a second
 * older than the ring, less than one sampling interval of a 1 Hz agent. A failed read is not kept.
 */
interface SharedEntry {
  second: number;
  at: number;
  newest: Promise<Newest>;
  metrics?: Promise<Buffer>;
}

class SharedReads {
  readonly #store: RingStore;
  #entry: SharedEntry | undefined;

  constructor(store: RingStore) {
    this.#store = store;
  }

  #current(nowMs: number): SharedEntry {
    const second = Math.floor(nowMs / 1000);
    const e = this.#entry;
    if (e !== undefined && e.second === second && performance.now() - e.at < SHARED_READ_MS) return e;
    const entry: SharedEntry = { second, at: performance.now(), newest: readNewest(this.#store, nowMs) };
    this.#entry = entry;
    entry.newest.catch(() => {
      if (this.#entry === entry) this.#entry = undefined;
    });
    return entry;
  }

  read(nowMs: number): Promise<Newest> {
    return this.#current(nowMs).newest;
  }

  metrics(nowMs: number): Promise<Buffer> {
    const e = this.#current(nowMs);
    e.metrics ??= e.newest.then((n) => metricsBody(n.latest));
    return e.metrics;
  }
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': String(body.length),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(value), 'utf8'));
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = { etag: asset.etag, 'cache-control': 'no-cache' };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { ...SECURITY_HEADERS, ...headers });
    res.end();
    return;
  }
  send(req, res, 200, asset.type, asset.body, headers);
}
