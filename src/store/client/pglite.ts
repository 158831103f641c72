/**
 * `SqlClient` over PGlite, PostgreSQL compiled to WebAssembly and run inside this process.
 *
 * Memory is the cost to watch (measured on this project's machine with PGlite 0.5.17, which is
 * PostgreSQL 18.7, and again with the pinned 0.5.14; docs/ring.md has the figures). Three defaults keep a long-running agent small:
 * - initdb for a new data directory runs in a short-lived child process: it runs in a second
 *   WebAssembly instance, peaks near 780 MiB, and V8 keeps much of that after it closes;
 * - shared_buffers is 8MB instead of PGlite's 128MB, and max_connections 5 instead of 100;
 * - V8 keeps PostgreSQL's WebAssembly at baseline code (see baselineWasmOnly).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { asDriverError, oneLine, RingStoreError } from '../errors.js';
import type {
  PgliteLike,
  PgliteTuning,
  QueryOptions,
  SqlClient,
  SqlQueryable,
  SqlResult,
} from './sql-client.js';

const run = promisify(execFile);

/**
 * The settings we pass to the embedded server, on top of PGlite's own start parameters. One
 * backend runs, so the shared memory sized for 100 connections (lock table, process slots) is
 * waste; 8MB of buffers hold the hot part of a ring, the operating system's page cache the rest.
 */
export function pgliteStartParams(tuning: PgliteTuning): string[] {
  const settings: Record<string, string> = {
    shared_buffers: tuning.sharedBuffers ?? '8MB',
    max_connections: '5',
    ...tuning.settings,
  };
  return [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

let baselineSet = false;

/**
 * V8 compiles WebAssembly twice: at once with its baseline compiler (Liftoff), then the hot
 * functions again with its optimiser (TurboFan). For PostgreSQL's 10 MB module the optimised code
 * costs about 80 MiB of RSS (measured: 250 → 170 MiB while writing) for 10–15 % more rows/s.
 * The flag is process-wide and must be set before the module is compiled, i.e. before the first
 * PGlite is created; it changes nothing for a module compiled earlier.
 */
function baselineWasmOnly(): void {
  if (baselineSet) return;
  baselineSet = true;
  v8.setFlagsFromString('--liftoff-only');
}

function isInitialised(dir: string): boolean {
  return existsSync(path.join(dir, 'PG_VERSION'));
}

/**
 * Runs PGlite's initdb for `dir` in a child Node process. The child needs the CommonJS build of
 * PGlite (it runs a `-e` script), which we locate from here so that it is the same installed copy.
 */
async function initInChild(dir: string, startParams: string[]): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@electric-sql/pglite');
  const script = [
    `const { PGlite } = require(${JSON.stringify(entry)});`,
    '(async () => {',
    `  const db = new PGlite(process.env.RINGMON_PGLITE_DIR, { startParams: JSON.parse(process.env.RINGMON_PGLITE_PARAMS) });`,
    '  await db.waitReady;',
    '  await db.close();',
    // PGlite's file system fails with an ErrnoError that has an errno and no message.
    '})().catch((e) => { console.error(JSON.stringify({ message: e && e.message, errno: e && e.errno })); process.exit(1); });',
  ].join('\n');
  try {
    await run(process.execPath, ['-e', script], {
      env: {
        ...process.env,
        RINGMON_PGLITE_DIR: dir,
        RINGMON_PGLITE_PARAMS: JSON.stringify(startParams),
      },
      timeout: 120_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    let reported: unknown = asDriverError(err);
    try {
      reported = JSON.parse(stderr.trim().split('\n').pop() ?? '');
    } catch {
      if (stderr.trim() !== '') reported = { message: stderr };
    }
    throw new RingStoreError(
      'connect',
      `cannot create the PGlite database in ${dir}: ${pgliteFailure(reported)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * What PGlite's virtual file system's error numbers (WASI's numbering, not Linux's) mean, for the
 * ones a data directory meets; PGlite's ErrnoError carries the number and no message.
 */
const FS_ERRNO: Record<number, string> = {
  2: 'permission denied (EACCES)',
  19: 'disk quota exceeded (EDQUOT)',
  29: 'input/output error (EIO)',
  44: 'no such file or directory (ENOENT)',
  51: 'no space left on device (ENOSPC)',
  63: 'operation not permitted (EPERM)',
  69: 'read-only file system (EROFS)',
};

/** One line for whatever PGlite threw: a message, or an ErrnoError's number. */
export function pgliteFailure(err: unknown): string {
  const { message, errno } = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as {
    message?: unknown;
    errno?: unknown;
  };
  if (typeof message === 'string' && message !== '') return oneLine(message);
  if (typeof errno === 'number') return FS_ERRNO[errno] ?? `file system error ${errno}`;
  return oneLine(String(err));
}

/**
 * Creates a new data directory in `dir` by initialising a sibling and renaming it into place, so
 * that a creation that fails half-way (a full disk, a kill) leaves no half-made directory that a
 * later start would have to refuse.
 */
async function initDataDir(dir: string, startParams: string[]): Promise<void> {
  const staging = `${dir}.init-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging, { recursive: true });
    await initInChild(staging, startParams);
    rmSync(dir, { recursive: true, force: true }); // empty: checked by the caller
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err instanceof RingStoreError
      ? err
      : new RingStoreError('connect', `cannot create the PGlite database in ${dir}: ${pgliteFailure(err)}`, {
          cause: err,
        });
  }
}

/**
 * Opens (creating when needed) the PGlite database in a directory, or in memory for `memory://`,
 * with the store's memory settings. The caller owns the instance.
 */
export async function openPglite(dataDir: string, tuning: PgliteTuning): Promise<PGlite> {
  const startParams = pgliteStartParams(tuning);
  if (tuning.optimizeWasm !== true) baselineWasmOnly();
  const inMemory = isInMemory(dataDir);
  const dir = inMemory ? dataDir : path.resolve(dataDir);
  if (!inMemory && !isInitialised(dir)) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new RingStoreError(
        'bad-input',
        `${dir} is neither empty nor a PGlite data directory (it has no PG_VERSION); refusing to use it`,
      );
    }
    if (tuning.initInChildProcess !== false) await initDataDir(dir, startParams);
    else mkdirSync(dir, { recursive: true });
  }
  try {
    const db = new PGlite(inMemory ? undefined : dir, { startParams });
    await db.waitReady;
    return db;
  } catch (err) {
    throw new RingStoreError(
      'connect',
      `cannot open the PGlite database in ${inMemory ? 'memory' : dir}: ${pgliteFailure(err)}`,
      { cause: err },
    );
  }
}

function isInMemory(dataDir: string): boolean {
  return dataDir === '' || dataDir.startsWith('memory://');
}

/** openPglite, wrapped as a SqlClient that closes the database when the store closes. */
export async function openPgliteDir(dataDir: string, tuning: PgliteTuning): Promise<SqlClient> {
  const db = await openPglite(dataDir, tuning);
  return wrapPglite(
    db as unknown as PgliteLike,
    true,
    isInMemory(dataDir) ? 'memory' : path.resolve(dataDir),
  );
}

function closedError(target: string): RingStoreError {
  return new RingStoreError('closed', `the PGlite database (${target}) is closed`);
}

function wrapQuery(q: PgliteLike['query'], target: string): SqlQueryable['query'] {
  return async <R>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}) => {
    try {
      const res = await q<R>(
        text,
        params as unknown[],
        options.rowMode ? { rowMode: options.rowMode } : undefined,
      );
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rowCount ?? 0 } satisfies SqlResult<R>;
    } catch (err) {
      if (/closed/i.test(asDriverError(err).message ?? '') && asDriverError(err).code === undefined) {
        throw closedError(target);
      }
      throw err;
    }
  };
}

class PgliteSqlClient implements SqlClient {
  readonly backend = 'pglite' as const;
  // PGlite is one backend in one thread: every statement queues behind the previous one.
  readonly concurrent = false;
  readonly target: string;
  readonly query: SqlQueryable['query'];
  readonly #db: PgliteLike;
  readonly #owned: boolean;
  readonly #gate: SessionTurns;

  constructor(db: PgliteLike, owned: boolean, where: string, gate: SessionTurns) {
    this.#db = db;
    this.#owned = owned;
    this.#gate = gate;
    this.target = `pglite:${where}`;
    this.query = wrapQuery(
      (text, params, options) => gate.run(() => db.query(text, params, options)),
      this.target,
    );
  }

  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      this.#db.transaction((tx) => fn({ query: wrapQuery((t, p, o) => tx.query(t, p, o), this.target) })),
    );
  }

  async close(): Promise<void> {
    if (this.#owned && !this.#db.closed) await this.#db.close();
  }
}

/**
 * Takes turns on the one PGlite session with other users of it (the embedded socket's clients,
 * embedded/socket-server.ts); `run` holds the session for the whole of `fn`.
 */
export interface SessionTurns {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

const ALONE: SessionTurns = { run: (fn) => fn() };

/** `gate`: the session's turns, when the database is also served to other processes. */
export function wrapPglite(db: PgliteLike, owned: boolean, where?: string, gate?: SessionTurns): SqlClient {
  return new PgliteSqlClient(db, owned, where ?? db.dataDir ?? 'memory', gate ?? ALONE);
}
