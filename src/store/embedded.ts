/**
 * The embedded store shared between processes. A PGlite database can be open in one process only,
 * so the first ringmon process to open a data directory owns it; an owner that serves (the agent)
 * also answers the PostgreSQL protocol on a Unix socket in the directory, where the other commands
 * (`recent`, `status`, `serve`) and `psql -h DATA_DIR` connect while it runs.
 *
 * Layout of a ringmon data directory:
 *   pgdata/          the PGlite database
 *   owner.lock       {"pid": N}: created exclusively by the process that opens pgdata
 *   agent.json       {"pid": N, "socketDir" | "host"+"port"}: written once the socket answers
 *   .s.PGSQL.5432    the socket (libpq's name, so psql and pg find it from the directory alone)
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import { RingmonError } from '../errors.js';
import { EmbeddedServer, SessionGate } from './embedded-server.js';
import { openPglite, wrapPglite } from './pglite-client.js';
import type { PgliteLike, PgliteTuning, SqlClient } from './sql-client.js';

/** Where a running agent serves its embedded database. */
export interface AgentEndpoint {
  pid: number;
  /** Directory of the Unix socket `.s.PGSQL.<port>`, or null when it serves on TCP loopback. */
  socketDir: string | null;
  host: string;
  port: number;
}

export interface EmbeddedHandle {
  /**
   * Owner: the PGlite instance (a SqlClient that takes turns with the socket's clients when it
   * serves); client: a postgres URL to the owner's socket.
   */
  db: PGlite | SqlClient | string;
  mode: 'owner' | 'client';
  /** Where the database is served, when this process serves it. */
  endpoint: AgentEndpoint | null;
  close(): Promise<void>;
}

export interface OpenEmbeddedOptions {
  /** Serve the database on a socket for other processes (the agent does). */
  serve?: boolean;
  /** Connect to the agent's socket when one runs (default true); false: fail instead. */
  connectToAgent?: boolean;
  tuning?: PgliteTuning;
  /** How long to wait for a starting agent's socket, ms. */
  waitForAgentMs?: number;
}

const SOCKET_PORT = 5432;
// sun_path holds 108 bytes on Linux; a longer data directory serves on TCP loopback instead.
const MAX_SOCKET_PATH = 100;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
};

/** The URL a client uses to reach an agent's endpoint (PGlite ignores user and database). */
export function endpointUrl(endpoint: AgentEndpoint): string {
  return endpoint.socketDir
    ? `postgresql://postgres@localhost:${endpoint.port}/postgres?host=${encodeURIComponent(endpoint.socketDir)}`
    : `postgresql://postgres@${endpoint.host}:${endpoint.port}/postgres`;
}

/** The endpoint of the agent serving `dataDir`, or null when none runs. */
export function findAgent(dataDir: string): AgentEndpoint | null {
  const agent = readJson<AgentEndpoint>(join(resolve(dataDir), 'agent.json'));
  return agent && isAlive(agent.pid) ? agent : null;
}

/**
 * Opens the embedded database in `dataDir`: as its owner when no other process has it, else as a
 * client of the agent that serves it. Fails with one line when another process holds it without
 * serving it (a one-off command), naming that process.
 */
export async function openEmbedded(
  dataDir: string,
  options: OpenEmbeddedOptions = {},
): Promise<EmbeddedHandle> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockPath = join(dir, 'owner.lock');
  const deadline = Date.now() + (options.waitForAgentMs ?? 10_000);
  for (;;) {
    try {
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid }), { flag: 'wx', mode: 0o600 });
      break; // the lock is ours
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new RingmonError(`cannot use the data directory ${dir}: ${(error as Error).message}`, 'usage');
      }
    }
    const owner = readJson<{ pid: number }>(lockPath);
    if (owner && !isAlive(owner.pid)) {
      rmSync(lockPath, { force: true }); // left by a process that died: take over
      continue;
    }
    const agent = findAgent(dir);
    if (agent && options.connectToAgent !== false) {
      return { db: endpointUrl(agent), mode: 'client', endpoint: null, close: async () => {} };
    }
    if (Date.now() > deadline || options.connectToAgent === false) {
      throw new RingmonError(
        `the embedded database in ${dir} is in use by process ${owner?.pid ?? '?'}, which does not share it; ` +
          'wait for it to finish, or run the agent (ringmon run), which serves it to other commands',
        'runtime',
      );
    }
    await sleep(200); // an agent that is starting writes agent.json once its socket answers
  }

  const release = () => {
    rmSync(join(dir, 'agent.json'), { force: true });
    rmSync(lockPath, { force: true });
  };
  let db: PGlite;
  try {
    db = await openPglite(join(dir, 'pgdata'), options.tuning ?? {});
  } catch (error) {
    release();
    throw error;
  }
  if (!options.serve) {
    return {
      db,
      mode: 'owner',
      endpoint: null,
      close: async () => {
        await db.close().catch(() => undefined);
        release();
      },
    };
  }
  const socketPath = join(dir, `.s.PGSQL.${SOCKET_PORT}`);
  const useSocket = socketPath.length <= MAX_SOCKET_PATH;
  if (useSocket) rmSync(socketPath, { force: true });
  const gate = new SessionGate();
  const server = new EmbeddedServer({
    db,
    gate,
    listen: useSocket ? { path: socketPath } : { port: 0 },
  });
  let tcpPort: number;
  try {
    tcpPort = await server.start();
  } catch (error) {
    await db.close().catch(() => undefined);
    release();
    throw new RingmonError(
      `cannot serve the embedded database on ${useSocket ? socketPath : '127.0.0.1'}: ${(error as Error).message}`,
      'runtime',
    );
  }
  const [host, port] = useSocket ? ['localhost', SOCKET_PORT] : ['127.0.0.1', tcpPort];
  const endpoint: AgentEndpoint = { pid: process.pid, socketDir: useSocket ? dir : null, host, port };
  const tmp = join(dir, `agent.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(endpoint), { mode: 0o600 });
  renameSync(tmp, join(dir, 'agent.json'));
  return {
    // The store closes this client, not the database: the socket's clients may still be using it.
    db: wrapPglite(db as unknown as PgliteLike, false, join(dir, 'pgdata'), gate),
    mode: 'owner',
    endpoint,
    close: async () => {
      rmSync(join(dir, 'agent.json'), { force: true });
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      if (useSocket) rmSync(socketPath, { force: true });
      release();
    },
  };
}
