/**
 * `SqlClient` over node-postgres: a pool the store opens from a URL, or a Pool/Client the caller owns.
 */
import pg from 'pg';
import { asDriverError, isConnectionLoss, maskSecrets, oneLine, RingStoreError } from '../errors.js';
import { splitHostList } from './host-list.js';
import type {
  OpenSqlClientOptions,
  PgClientLike,
  PgPoolClientLike,
  PgPoolLike,
  PgQueryConfig,
  PgResultLike,
  QueryOptions,
  SqlClient,
  SqlQueryable,
  SqlResult,
} from './sql-client.js';

/** Host, port, user and database, as resolved by pg (URL, then PG* environment, then its defaults). */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
  database: string;
}

const INT8_OID = 20;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * pg returns int8 as a string so that no value loses precision. Ring ids, sample times and sizes all
 * fit a double by far, so they come back as numbers, as PGlite returns them; anything larger stays a
 * string rather than being rounded.
 */
export const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/** One function for every result, not a closure per query: pg asks for a parser per field of each. */
function parseInt8(value: string): number | string {
  const big = BigInt(value);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : value;
}

export function describe(e: Endpoint): string {
  return `${e.user}@${e.host}:${e.port}/${e.database}`;
}

/** SQLSTATEs of a login the server refused: wrong password, unknown role, no such database, no CONNECT. */
const LOGIN_REFUSED = new Set(['28P01', '28000', '3D000', '42501']);

/**
 * SQLSTATEs with which a server that is there turns a connection away for now: its connection
 * slots are full, it is starting up, shutting down or in crash recovery, or it ran out of memory.
 */
const NOT_NOW: Record<string, string> = {
  '53300':
    'it has no connection slot left (too many clients already: max_connections is reached); put pgbouncer in transaction pooling in front of it (README: Many hosts) or raise max_connections',
  '57P03': 'it cannot accept connections now',
  '57P01': 'it is shutting down',
  '57P02': 'it is shutting down',
  '53200': 'it is out of memory',
};

const OPENING_FAILED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENOENT',
  '28P01',
  '28000',
  '3D000',
  '53300',
]);

/** One line for a failure to open a connection: where, as whom, what failed. Never the password. */
export function connectError(err: unknown, e: Endpoint): RingStoreError {
  const d = asDriverError(err);
  const where = `PostgreSQL at ${e.host}:${e.port}`;
  const who = `user ${e.user} (database ${e.database})`;
  const server = maskSecrets(oneLine(d.message ?? String(err)));
  // pgbouncer words an unknown database its own way, with the generic protocol-violation code.
  const refused =
    (d.code !== undefined && LOGIN_REFUSED.has(d.code)) ||
    /no such database/i.test(server) ||
    (/SASL|password/i.test(server) && d.code === undefined);
  if (refused) {
    return new RingStoreError('auth', `${where} refused login for ${who}: ${server}`, { cause: err });
  }
  const notNow = d.code !== undefined ? NOT_NOW[d.code] : undefined;
  if (notNow !== undefined) {
    return new RingStoreError('connect', `${where} turned away ${who}: ${notNow} (${server})`, {
      cause: err,
    });
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running and listening on that port?)',
    ENOTFOUND: 'unknown host name',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOENT: 'no server socket there (is the server running?)',
  };
  const reason =
    (d.code !== undefined ? reasons[d.code] : undefined) ??
    (/timeout/i.test(server) ? 'connection timed out' : server);
  return new RingStoreError('connect', `cannot connect to ${where} as ${who}: ${reason}`, { cause: err });
}

export function endpointOf(config: pg.ClientConfig): Endpoint {
  // A Client that is never connected resolves the URL, the PG* variables and pg's defaults for us.
  const probe = new pg.Client(config);
  return {
    host: probe.host ?? 'localhost',
    port: probe.port ?? 5432,
    user: probe.user ?? 'postgres',
    database: probe.database ?? probe.user ?? 'postgres',
  };
}

type RawQuery = (config: PgQueryConfig) => Promise<PgResultLike>;

export class PgQueryable implements SqlQueryable {
  readonly #raw: RawQuery;
  readonly #endpoint: Endpoint;

  constructor(raw: RawQuery, endpoint: Endpoint) {
    this.#raw = raw;
    this.#endpoint = endpoint;
  }

  async query<R = Record<string, unknown>>(
    text: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<SqlResult<R>> {
    try {
      const config: PgQueryConfig = { text, values: params as unknown[], types: TYPES };
      if (options.rowMode) config.rowMode = options.rowMode;
      const res = await this.#raw(config);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    } catch (err) {
      throw translate(err, this.#endpoint);
    }
  }
}

/** Connection-level failures become RingStoreErrors; statement errors pass through for the ring to word. */
export function translate(err: unknown, e: Endpoint): unknown {
  if (err instanceof RingStoreError) return err;
  const d = asDriverError(err);
  // The pool opens connections lazily, so a statement can fail with what a login would.
  if (d.code !== undefined && OPENING_FAILED.has(d.code)) {
    return connectError(err, e);
  }
  if (isConnectionLoss(err)) {
    return new RingStoreError(
      'connection-lost',
      `lost the connection to PostgreSQL at ${e.host}:${e.port} (user ${e.user}): ${maskSecrets(oneLine(d.message ?? String(err)))}; the statement was rolled back`,
      { cause: err },
    );
  }
  return err;
}

class PgPoolSqlClient implements SqlClient {
  readonly backend = 'postgres' as const;
  readonly concurrent = true;
  readonly target: string;
  readonly #pool: PgPoolLike;
  readonly #owned: boolean;
  readonly #endpoint: Endpoint;
  readonly #queryable: PgQueryable;
  readonly #onError = () => {
    // An idle pooled connection died (server restart, pg_terminate_backend). The pool drops it and
    // the next query opens a new one; without a listener Node would crash on the 'error' event.
  };

  constructor(pool: PgPoolLike, owned: boolean, endpoint: Endpoint) {
    this.#pool = pool;
    this.#owned = owned;
    this.#endpoint = endpoint;
    this.target = describe(endpoint);
    this.#queryable = new PgQueryable((c) => pool.query(c), endpoint);
    pool.on('error', this.#onError);
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions) {
    return this.#queryable.query<R>(text, params, options);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    let conn: PgPoolClientLike;
    try {
      conn = await this.#pool.connect();
    } catch (err) {
      throw translate(err, this.#endpoint);
    }
    const tx = new PgQueryable((c) => conn.query(c), this.#endpoint);
    let broken: Error | undefined;
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await conn.query({ text: 'ROLLBACK' });
      } catch (rollbackErr) {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw err;
    } finally {
      conn.release(broken);
    }
  }

  async close(): Promise<void> {
    this.#pool.off?.('error', this.#onError);
    if (this.#owned) await this.#pool.end();
  }
}

/**
 * `fn` inside BEGIN … COMMIT on a connection that runs nothing else meanwhile (the caller holds
 * it), ROLLBACK when it throws.
 */
export async function inTransaction<T>(tx: SqlQueryable, fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
  await tx.query('BEGIN');
  try {
    const result = await fn(tx);
    await tx.query('COMMIT');
    return result;
  } catch (err) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * One connection serves one statement at a time, and a transaction must not let another caller's
 * statement slip in between its BEGIN and COMMIT; this queue keeps them apart.
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

class PgSingleSqlClient implements SqlClient {
  readonly backend = 'postgres' as const;
  readonly concurrent = false;
  readonly target: string;
  readonly #client: PgClientLike;
  readonly #owned: boolean;
  readonly #queryable: PgQueryable;
  readonly #mutex = new Mutex();
  readonly #onError = () => {
    // The caller's connection died while idle; the next query reports it as a RingStoreError.
  };

  constructor(client: PgClientLike, owned: boolean, endpoint: Endpoint) {
    this.#client = client;
    this.#owned = owned;
    this.target = describe(endpoint);
    this.#queryable = new PgQueryable((c) => client.query(c), endpoint);
    client.on('error', this.#onError);
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions) {
    return this.#mutex.run(() => this.#queryable.query<R>(text, params, options));
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => inTransaction(this.#queryable, fn));
  }

  async close(): Promise<void> {
    this.#client.off?.('error', this.#onError);
    if (this.#owned) await this.#client.end();
  }
}

/** Opens a pool for a postgres:// URL and checks that a first connection and login succeed. */
export async function openPgUrl(url: string, options: OpenSqlClientOptions): Promise<SqlClient> {
  const connectMs = options.connectTimeoutMs ?? 10_000;
  const hosts = splitHostList(url);
  if (hosts !== null) {
    // Several hosts, or a session kind to insist on: one connection that finds its server (failover.ts).
    const { openFailover } = await import('./failover.js');
    return openFailover(hosts, { connectMs, applicationName: options.applicationName ?? 'ringmon' });
  }
  /**
   * pg-pool applies connectionTimeoutMillis to opening a connection and to waiting for a free one
   * alike. With one connection per store a statement may wait behind a VACUUM or a dashboard read
   * for longer than a connect may take, and that wait is not a failure: only opening is timed.
   */
  class TimedClient extends pg.Client {
    constructor(clientConfig?: pg.ClientConfig) {
      super({ ...clientConfig, connectionTimeoutMillis: connectMs });
    }
  }
  const config: pg.PoolConfig = {
    connectionString: url,
    // One connection per store: a server's connection budget is then counted in agents.
    max: options.poolSize ?? 1,
    application_name: options.applicationName ?? 'ringmon',
    connectionTimeoutMillis: 0,
    // Idle connections stay open. pg-pool's default (10 s) arms and clears a timer around every
    // statement, on the agent's hot path, and an agent sampling every 10 s or more would log in
    // again on every tick; the store keeps one connection and closes it with the store.
    idleTimeoutMillis: 0,
    Client: TimedClient,
    keepAlive: true,
  };
  let endpoint: Endpoint;
  try {
    endpoint = endpointOf(config);
  } catch (err) {
    throw new RingStoreError(
      'bad-input',
      `cannot parse the connection string ${maskSecrets(url)}: ${asDriverError(err).message}`,
    );
  }
  const pool = new pg.Pool(config) as unknown as PgPoolLike;
  const client = new PgPoolSqlClient(pool, true, endpoint);
  try {
    await pool.query({ text: 'SELECT 1' });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw connectError(err, endpoint);
  }
  return client;
}

function endpointFromObject(o: { host?: string; port?: number; user?: string; database?: string }): Endpoint {
  const fallback = endpointOf({});
  return {
    host: o.host ?? fallback.host,
    port: o.port ?? fallback.port,
    user: o.user ?? fallback.user,
    database: o.database ?? fallback.database,
  };
}

export function wrapPgPool(pool: PgPoolLike, owned: boolean, _options?: OpenSqlClientOptions): SqlClient {
  return new PgPoolSqlClient(pool, owned, endpointFromObject(pool.options ?? {}));
}

export function wrapPgClient(client: PgClientLike, owned: boolean): SqlClient {
  return new PgSingleSqlClient(client, owned, endpointFromObject(client));
}
