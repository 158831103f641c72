/**
 * The narrow SQL interface the ring needs, and `openSqlClient`, which turns whatever the caller
 * passed (a connection string, a pg Pool or Client, a PGlite instance or data directory) into it.
 *
 * Core code (ring/schema.ts, ring/ring.ts) sees only `SqlClient`; the pg and PGlite adapters live in their own
 * files and are imported lazily, so an embedded user never loads pg and a server user never loads
 * the 10 MB PGlite WebAssembly module.
 */
import { RingStoreError } from '../errors.js';

export interface SqlResult<R> {
  rows: R[];
  /** Rows the statement inserted, updated or deleted (0 for other statements). */
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Rows as arrays in select-list order instead of objects: for wide rows in bulk (1,100 rows of 52
   * columns) the driver's per-field object building costs more than the query.
   */
  rowMode?: 'array';
}

export interface SqlQueryable {
  /** Runs one statement; values are bound as parameters `$1 … $n`, never spliced into the text. */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<R>>;
}

export interface SqlClient extends SqlQueryable {
  /** Which engine answers: a PostgreSQL server or embedded PGlite. */
  readonly backend: 'postgres' | 'pglite';
  /** Where the data lives, for messages: `postgres@127.0.0.1:5432/test` or `pglite:/var/lib/ringmon`. */
  readonly target: string;
  /**
   * Whether statements from this client can run at the same time (a pool): maintenance such as
   * VACUUM then runs beside the writes instead of queueing in front of them.
   */
  readonly concurrent: boolean;
  /** Runs `fn` inside BEGIN … COMMIT on one connection, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Releases what the adapter opened itself; a Pool, Client or PGlite the caller passed stays open. */
  close(): Promise<void>;
}

/** The structural parts of pg's Pool and Client that we use (we do not import pg's types here). */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
  query(config: PgQueryConfig): Promise<PgResultLike>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off?(event: 'error', listener: (err: Error) => void): unknown;
  readonly totalCount: number;
  readonly options?: { host?: string; port?: number; user?: string; database?: string };
}
export interface PgPoolClientLike {
  query(config: PgQueryConfig): Promise<PgResultLike>;
  release(err?: Error | boolean): void;
}
export interface PgClientLike {
  connect(): Promise<unknown>;
  query(config: PgQueryConfig): Promise<PgResultLike>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off?(event: 'error', listener: (err: Error) => void): unknown;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly database?: string;
}
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
  types?: unknown;
  rowMode?: 'array';
}
export interface PgResultLike {
  rows: unknown[];
  rowCount: number | null;
}

/** The structural part of a PGlite instance that we use. */
export interface PgliteLike {
  readonly waitReady: Promise<void>;
  readonly dataDir?: string;
  readonly closed?: boolean;
  query<R>(
    text: string,
    params?: unknown[],
    options?: { rowMode?: 'array' | 'object' },
  ): Promise<{ rows: R[]; affectedRows?: number; rowCount?: number }>;
  exec(text: string): Promise<unknown>;
  transaction<T>(fn: (tx: { query: PgliteLike['query'] }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Where the ring lives:
 * - `postgres://…` or `postgresql://…`: a server; the store opens (and later ends) its own pool;
 * - a pg `Pool` or a connected pg `Client`: a server connection the caller owns;
 * - a `PGlite` instance: an embedded database the caller owns;
 * - any other string: a PGlite data directory (created when absent; `memory://` keeps it in memory).
 */
export type RingDb = string | PgPoolLike | PgClientLike | PgliteLike | SqlClient;

export interface OpenSqlClientOptions {
  /** Connections in the pool the store opens for a connection string (writes plus maintenance). */
  poolSize?: number;
  /** `application_name` the server shows in pg_stat_activity for connections the store opens. */
  applicationName?: string;
  /** Milliseconds to wait for a connection before giving up. */
  connectTimeoutMs?: number;
  /** PGlite tuning; see pglite.ts for what each one costs. */
  pglite?: PgliteTuning;
}

export interface PgliteTuning {
  /** PostgreSQL's shared_buffers inside PGlite (default '8MB'; PGlite's own default is 128MB). */
  sharedBuffers?: string;
  /** Run initdb for a new data directory in a short-lived child process (default true). */
  initInChildProcess?: boolean;
  /** Extra `-c name=value` settings passed to the embedded server. */
  settings?: Record<string, string>;
  /**
   * Let V8 optimise PostgreSQL's WebAssembly (default false: baseline code only, about 80 MiB less
   * RSS for 10–15 % fewer rows/s). Process-wide, decided when the first PGlite is created.
   */
  optimizeWasm?: boolean;
}

const SERVER_URL = /^postgres(?:ql)?:\/\//i;

/** Accepts anything {@link RingDb} describes and returns our interface; fails with a one-line RingStoreError. */
export async function openSqlClient(db: RingDb, options: OpenSqlClientOptions = {}): Promise<SqlClient> {
  if (typeof db === 'string') {
    if (SERVER_URL.test(db)) {
      const { openPgUrl } = await import('./postgres.js');
      return openPgUrl(db, options);
    }
    const { openPgliteDir } = await import('./pglite.js');
    return openPgliteDir(db, options.pglite ?? {});
  }
  if (isSqlClient(db)) return db;
  if (isPglite(db)) {
    const { wrapPglite } = await import('./pglite.js');
    return wrapPglite(db, false);
  }
  if (isPgPool(db)) {
    const { wrapPgPool } = await import('./postgres.js');
    return wrapPgPool(db, false, options);
  }
  if (isPgClient(db)) {
    const { wrapPgClient } = await import('./postgres.js');
    return wrapPgClient(db, false);
  }
  throw new RingStoreError(
    'bad-input',
    'db must be a postgres:// URL, a pg Pool or Client, a PGlite instance or a PGlite data directory',
  );
}

function hasFunctions(value: unknown, ...names: string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return names.every((n) => typeof record[n] === 'function');
}

function isSqlClient(value: unknown): value is SqlClient {
  return (
    hasFunctions(value, 'query', 'transaction', 'close') &&
    typeof (value as { backend?: unknown }).backend === 'string'
  );
}

function isPglite(value: unknown): value is PgliteLike {
  return hasFunctions(value, 'query', 'exec', 'transaction', 'close') && 'waitReady' in (value as object);
}

function isPgPool(value: unknown): value is PgPoolLike {
  return hasFunctions(value, 'connect', 'query', 'end') && 'totalCount' in (value as object);
}

function isPgClient(value: unknown): value is PgClientLike {
  return hasFunctions(value, 'connect', 'query', 'end');
}
