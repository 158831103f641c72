/**
 * One server connection over a list of hosts, found by libpq's rule: try the hosts in order and
 * keep the first that answers and satisfies target_session_attrs (`prefer-standby`: a standby
 * first, then any). node-postgres connects to one host only, so this is ours.
 *
 * The connection is chosen when it is first needed and again after it is lost: a write that finds
 * the primary gone fails with code 'connection-lost' (the agent buffers), and the next statement
 * walks the list again, where it finds the promoted standby. A server that turned read-only under
 * a session that needs writes (a demoted primary) counts as lost too. One connection, as an agent
 * has against a single host: a server's connection budget stays counted in agents.
 */
import pg from 'pg';
import { asDriverError, maskSecrets, oneLine, RingStoreError } from '../errors.js';
import { type HostList, type SessionKind, sessionFits, type TargetSessionAttrs } from './host-list.js';
import {
  connectError,
  describe,
  type Endpoint,
  endpointOf,
  inTransaction,
  leanViaClient,
  Mutex,
  PgQueryable,
  translate,
} from './postgres.js';
import type { PgClientLike, QueryOptions, SqlClient, SqlQueryable, SqlResult } from './sql-client.js';

export interface FailoverOptions {
  /** Milliseconds to wait for each host's connection. */
  connectMs: number;
  applicationName: string;
}

/** What a connected session says about itself: the two questions libpq asks. */
const SESSION_KIND_SQL =
  "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') = 'on' AS read_only";

/** SQLSTATE 25006: a write in a read-only transaction (a standby, or a demoted primary). */
const READ_ONLY_SQLSTATE = '25006';

interface Connected {
  client: PgClientLike;
  endpoint: Endpoint;
  queryable: PgQueryable;
}

class FailoverSqlClient implements SqlClient {
  readonly backend = 'postgres' as const;
  readonly concurrent = false;
  readonly #hosts: HostList;
  readonly #options: FailoverOptions;
  readonly #mutex = new Mutex();
  #current: Connected | null = null;
  #closed = false;

  constructor(hosts: HostList, options: FailoverOptions) {
    this.#hosts = hosts;
    this.#options = options;
  }

  /** The server in use (user@host:port/db), or the list while none is. */
  get target(): string {
    if (this.#current !== null) return describe(this.#current.endpoint);
    return `${this.#hosts.names.join(',')} (${this.#hosts.targetSessionAttrs})`;
  }

  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<SqlResult<R>> {
    return this.#mutex.run(() => this.#run((q) => q.query<R>(text, params, options)));
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => this.#run((tx) => inTransaction(tx, fn)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#mutex.run(() => this.#drop());
  }

  /** Runs `fn` on the connection (found first when there is none); a lost one is dropped. */
  async #run<T>(fn: (q: SqlQueryable) => Promise<T>): Promise<T> {
    if (this.#closed) throw new RingStoreError('closed', 'the database connection is closed');
    const current = this.#current ?? (await this.#connect());
    try {
      return await fn(current.queryable);
    } catch (err) {
      if (err instanceof RingStoreError && (err.code === 'connection-lost' || err.code === 'connect')) {
        await this.#drop();
      } else if (
        asDriverError(err).code === READ_ONLY_SQLSTATE &&
        needsWrites(this.#hosts.targetSessionAttrs)
      ) {
        await this.#drop();
        throw new RingStoreError(
          'connection-lost',
          `PostgreSQL at ${current.endpoint.host}:${current.endpoint.port} is read-only now (${oneLine(asDriverError(err).message ?? '')}): looking for the ${this.#hosts.targetSessionAttrs} server again`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async #drop(): Promise<void> {
    const current = this.#current;
    this.#current = null;
    await current?.client.end().catch(() => undefined);
  }

  /** libpq's walk: each host in order, the first that fits; `prefer-standby` walks twice. */
  async #connect(): Promise<Connected> {
    const attrs = this.#hosts.targetSessionAttrs;
    const passes: TargetSessionAttrs[] = attrs === 'prefer-standby' ? ['prefer-standby', 'any'] : [attrs];
    const why: string[] = [];
    let refused: RingStoreError | null = null;
    for (const pass of passes) {
      for (let i = 0; i < this.#hosts.urls.length; i++) {
        const name = this.#hosts.names[i]!;
        const found = await this.#tryHost(this.#hosts.urls[i]!, pass).catch((err: unknown) => {
          if (err instanceof RingStoreError && err.code === 'auth') refused ??= err;
          why.push(`${name}: ${err instanceof Error ? shortReason(err.message) : String(err)}`);
          return null;
        });
        if (found === null) continue;
        if (found.fits) {
          this.#current = found.connected;
          return found.connected;
        }
        why.push(`${name}: ${found.kind.standby ? 'a standby' : 'read-only'}`);
        await found.connected.client.end().catch(() => undefined);
      }
    }
    // A login no host accepts needs a person, not time: say so as the refusal it is.
    if (refused !== null) throw refused;
    throw new RingStoreError(
      'connect',
      `no server of ${this.#hosts.names.join(', ')} is ${describeAttrs(attrs)} (${why.join('; ')})`,
    );
  }

  async #tryHost(
    url: string,
    attrs: TargetSessionAttrs,
  ): Promise<{ connected: Connected; kind: SessionKind; fits: boolean }> {
    const config: pg.ClientConfig = {
      connectionString: url,
      connectionTimeoutMillis: this.#options.connectMs,
      application_name: this.#options.applicationName,
      keepAlive: true,
    };
    const endpoint = endpointOf(config);
    const client = new pg.Client(config) as unknown as PgClientLike;
    // An idle connection that dies (the server stops) must not crash the process: the next
    // statement fails and the list is walked again.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw connectError(err, endpoint);
    }
    const queryable = new PgQueryable((c) => client.query(c), leanViaClient(client), endpoint);
    let kind: SessionKind;
    try {
      const row = (await queryable.query<{ standby: boolean; read_only: boolean }>(SESSION_KIND_SQL)).rows[0];
      kind = { standby: row?.standby === true, readOnly: row?.read_only === true || row?.standby === true };
    } catch (err) {
      await client.end().catch(() => undefined);
      throw translate(err, endpoint);
    }
    return { connected: { client, endpoint, queryable }, kind, fits: sessionFits(attrs, kind) };
  }
}

function needsWrites(attrs: TargetSessionAttrs): boolean {
  return attrs === 'read-write' || attrs === 'primary';
}

function describeAttrs(attrs: TargetSessionAttrs): string {
  return attrs === 'any' ? 'reachable' : `${attrs} (target_session_attrs)`;
}

/** The part of a connect error after "PostgreSQL at host:port …:", since the host is named already. */
function shortReason(message: string): string {
  return maskSecrets(message.replace(/^cannot connect to PostgreSQL at \S+ as [^:]+: /, ''));
}

/** Opens the connection now, so that a bad login or no fitting server is said at once. */
export async function openFailover(hosts: HostList, options: FailoverOptions): Promise<SqlClient> {
  const client = new FailoverSqlClient(hosts, options);
  try {
    await client.query('SELECT 1');
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  return client;
}
