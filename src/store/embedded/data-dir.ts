/**
 * The embedded store shared between processes. A PGlite database can be open in one process only,
 * so the first ringmon process to open a data directory owns it, and shares it: it answers the
 * PostgreSQL protocol on a Unix socket, where every later process (another command, a second agent,
 * `psql -h DATA_DIR`) connects while it runs. An agent that is such a client takes the directory
 * over when the owner goes (ring-sink.ts reopens, and the reopen finds the lock free).
 *
 * Layout of a ringmon data directory:
 *   pgdata/          the PGlite database
 *   owner.lock       locked by the owner (dir-lock.ts: the kernel lets go when it dies); {"pid": N}
 *   agent.json       {"pid": N, "socketDir"}: written once the socket answers
 *   .s.PGSQL.5432    the socket (libpq's name, so psql and pg find it from the directory alone)
 *
 * A data directory whose path is too long for a socket address (sun_path holds 108 bytes) gets its
 * socket in a private directory instead (socket-dir.ts: mode 0700, ours), named in agent.json: never
 * on TCP, where any local user could connect without a password.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import { RingmonError } from '../../errors.js';
import { openPglite, wrapPglite } from '../client/pglite.js';
import type { PgliteLike, PgliteTuning, SqlClient } from '../client/sql-client.js';
import { type DirLock, lockHolder, tryLockDir } from './dir-lock.js';
import { privateSocketDir } from './socket-dir.js';
import { EmbeddedServer, SessionGate } from './socket-server.js';

/** Where a running owner serves its embedded database. */
export interface AgentEndpoint {
  pid: number;
  /** Directory of the Unix socket `.s.PGSQL.<port>`. */
  socketDir: string;
  port: number;
}

export interface EmbeddedHandle {
  /**
   * Owner: the PGlite instance (a SqlClient that takes turns with the socket's clients when it
   * serves); client: a postgres URL to the owner's socket.
   */
  db: PGlite | SqlClient | string;
  mode: 'owner' | 'client';
  /** Where the database is served: by this process (owner) or by the owner it connects to. */
  endpoint: AgentEndpoint | null;
  close(): Promise<void>;
}

export interface OpenEmbeddedOptions {
  /**
   * Share the database on its socket while this process owns it (default true: whichever process
   * opens a directory first shares it, so that a command started before the agent does not keep
   * the agent out).
   */
  serve?: boolean;
  tuning?: PgliteTuning;
  /** How long to wait for an owner that holds the lock but does not answer on a socket yet, ms. */
  waitForOwnerMs?: number;
}

const SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;
/** The longest socket path a Unix socket address holds (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
};

/** The URL a client uses to reach an owner's socket (PGlite ignores user and database). */
export function endpointUrl(endpoint: AgentEndpoint): string {
  return `postgresql://postgres@localhost:${endpoint.port}/postgres?host=${encodeURIComponent(endpoint.socketDir)}`;
}

/**
 * The endpoint the owner of `dataDir` serves, when a process really listens there; null when none
 * does (nobody owns the directory, its owner is starting or does not share it, or agent.json is what
 * a dead owner left).
 */
export async function findOwner(dataDir: string): Promise<AgentEndpoint | null> {
  const owner = readJson<AgentEndpoint>(join(resolve(dataDir), 'agent.json'));
  if (owner === null || typeof owner.socketDir !== 'string' || typeof owner.port !== 'number') return null;
  return (await listens(join(owner.socketDir, `.s.PGSQL.${owner.port}`))) ? owner : null;
}

function listens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const unusable = (dir: string, error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EROFS' || code === 'EACCES' || code === 'EPERM'
      ? '; choose a --data-dir (database.data_dir) on a filesystem this user may write'
      : '';
  return new RingmonError(
    `cannot use the data directory ${dir}: ${(error as Error).message}${hint}`,
    'usage',
  );
};

/** Creates the data directory; a failure says its real cause. */
function makeDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A recursive mkdir reports ENOENT where the cause is a read-only or unwritable parent: asked
    // once more without it, the kernel names the cause (EROFS, EACCES).
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (direct) {
      if ((direct as NodeJS.ErrnoException).code !== 'ENOENT') throw direct;
    }
    throw error;
  }
}

/**
 * Opens the embedded database in `dataDir`: as its owner when no other process holds it, else as a
 * client of the owner's socket. Fails with one line when the owner does not share it (a library
 * user that opened it with serve: false), naming that process.
 */
export async function openEmbedded(
  dataDir: string,
  options: OpenEmbeddedOptions = {},
): Promise<EmbeddedHandle> {
  const dir = resolve(dataDir);
  const deadline = Date.now() + (options.waitForOwnerMs ?? 30_000);
  for (;;) {
    let lock: DirLock | null;
    try {
      makeDataDir(dir);
      lock = tryLockDir(dir);
    } catch (error) {
      throw unusable(dir, error);
    }
    if (lock !== null) return own(dir, lock, options);
    const owner = await findOwner(dir);
    if (owner !== null)
      return { db: endpointUrl(owner), mode: 'client', endpoint: owner, close: async () => {} };
    if (Date.now() > deadline) {
      const pid = lockHolder(dir);
      throw new RingmonError(
        `the embedded database in ${dir} is in use by ${pid === null ? 'another process' : `process ${pid}`}, which does not share it; ` +
          'wait for it to finish, or stop it',
        'runtime',
      );
    }
    // An owner opens the database before its socket answers (seconds for a new directory).
    await sleep(100);
  }
}

async function own(dir: string, lock: DirLock, options: OpenEmbeddedOptions): Promise<EmbeddedHandle> {
  // What an owner that died left: no client may take it for a live endpoint, and a database it was
  // creating (client/pglite.ts creates one beside pgdata and renames it into place).
  rmSync(join(dir, 'agent.json'), { force: true });
  for (const name of readdirSync(dir)) {
    if (name.startsWith('pgdata.init-')) rmSync(join(dir, name), { recursive: true, force: true });
  }
  let db: PGlite;
  try {
    db = await openPglite(join(dir, 'pgdata'), options.tuning ?? {});
  } catch (error) {
    lock.release();
    throw error;
  }
  const giveUp = async (error: unknown): Promise<never> => {
    await db.close().catch(() => undefined);
    lock.release();
    throw error;
  };
  if (options.serve === false) {
    return {
      db,
      mode: 'owner',
      endpoint: null,
      close: async () => {
        await db.close().catch(() => undefined);
        lock.release();
      },
    };
  }
  let socketDir = dir;
  if (join(dir, SOCKET_FILE).length > MAX_SOCKET_PATH) {
    try {
      socketDir = privateSocketDir(dir, SOCKET_FILE.length, MAX_SOCKET_PATH);
    } catch (error) {
      return giveUp(
        new RingmonError(
          `cannot serve the embedded database of ${dir}: ${(error as Error).message}`,
          'runtime',
        ),
      );
    }
  }
  const socketPath = join(socketDir, SOCKET_FILE);
  // The lock is ours, so a socket file here is a dead owner's: nobody listens on it.
  rmSync(socketPath, { force: true });
  const gate = new SessionGate();
  const server = new EmbeddedServer({ db, gate, listen: { path: socketPath } });
  try {
    await server.start();
  } catch (error) {
    return giveUp(
      new RingmonError(
        `cannot serve the embedded database on ${socketPath}: ${(error as Error).message}`,
        'runtime',
      ),
    );
  }
  const endpoint: AgentEndpoint = { pid: process.pid, socketDir, port: SOCKET_PORT };
  const tmp = join(dir, `agent.json.${process.pid}`);
  try {
    writeFileSync(tmp, JSON.stringify(endpoint), { mode: 0o600 });
    renameSync(tmp, join(dir, 'agent.json'));
  } catch (error) {
    rmSync(tmp, { force: true });
    await server.stop().catch(() => undefined);
    return giveUp(unusable(dir, error));
  }
  return {
    // The store closes this client, not the database: the socket's clients may still be using it.
    db: wrapPglite(db as unknown as PgliteLike, false, join(dir, 'pgdata'), gate),
    mode: 'owner',
    endpoint,
    close: async () => {
      rmSync(join(dir, 'agent.json'), { force: true });
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      rmSync(socketPath, { force: true });
      if (socketDir !== dir) rmSync(socketDir, { recursive: true, force: true });
      lock.release();
    },
  };
}
