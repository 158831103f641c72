/**
 * Private PostgreSQL servers and pgbouncers for tests and benches: each on its own loopback port
 * and temporary directory, so that they can be configured (max_connections, pool sizes), measured
 * (their processes' CPU) and killed without touching the shared server on 5432.
 *
 * Run as root, the servers run as the `postgres` OS user (initdb and postgres refuse root, pgbouncer
 * switches with -u). `serversUnavailable` says why they cannot run here (null when they can).
 */
import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileP = promisify(execFile);
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;

// ---------------------------------------------------------------------------------------------
// What is installed

function pgBinDir(): string | null {
  const candidates = [process.env.RINGMON_PG_BINDIR, '/usr/lib/postgresql/15/bin'];
  try {
    // Any other installed major version, newest first, when 15 is absent.
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // No Debian-style PostgreSQL tree.
  }
  for (const dir of candidates) {
    if (dir !== undefined && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')))
      return dir;
  }
  return null;
}

function pgbouncerBin(): string | null {
  const candidates = [process.env.RINGMON_PGBOUNCER, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir) candidates.push(path.join(dir, 'pgbouncer'));
  return candidates.find((c) => c !== undefined && existsSync(c)) ?? null;
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** Root runs the servers as `postgres`; anyone else runs them as themselves. */
function runAs(): RunAs | null | 'missing' {
  if (process.getuid?.() !== 0) return null;
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid, gid] = line.split(':');
      if (name === 'postgres') return { uid: Number(uid), gid: Number(gid), name };
    }
  } catch {
    // Fall through: no readable passwd file.
  }
  return 'missing';
}

const PG_BIN = pgBinDir();
const PGBOUNCER = pgbouncerBin();
const RUN_AS = runAs();

/** Why a private PostgreSQL server cannot be started here, or null. */
export const postgresUnavailable: string | null =
  PG_BIN === null
    ? 'no PostgreSQL binaries (initdb, postgres) under /usr/lib/postgresql/*/bin or RINGMON_PG_BINDIR'
    : RUN_AS === 'missing'
      ? 'running as root but there is no postgres OS user to run PostgreSQL as'
      : null;

/** Why a pgbouncer cannot be started here, or null. */
export const pgbouncerUnavailable: string | null =
  PGBOUNCER === null ? 'no pgbouncer binary (/usr/sbin/pgbouncer, PATH or RINGMON_PGBOUNCER)' : null;

/** Why the harness cannot run both (null when it can): tests skip with it, or fail under CI=true. */
export const serversUnavailable: string | null = postgresUnavailable ?? pgbouncerUnavailable;

/** Binaries and user the harness uses, for messages. */
export const serverBinaries = {
  pgBinDir: PG_BIN,
  pgbouncer: PGBOUNCER,
  runAs: RUN_AS === 'missing' ? null : RUN_AS,
};

// ---------------------------------------------------------------------------------------------
// Processes

/** False when the process is gone or only a zombie (the kernel keeps that until someone reaps it). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  /** utime, stime, cutime, cstime in clock ticks. */
  ticks: [number, number, number, number];
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(fields[i] ?? 0);
  return { pid, state: fields[0] ?? '?', ppid: n(1), ticks: [n(11), n(12), n(13), n(14)] };
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    clockTicks = 100;
    try {
      const out = readFileSync('/proc/self/auxv');
      // AT_CLKTCK (17) in the auxiliary vector: pairs of 64-bit words.
      for (let i = 0; i + 16 <= out.length; i += 16) {
        if (out.readBigUInt64LE(i) === 17n) clockTicks = Number(out.readBigUInt64LE(i + 8));
      }
    } catch {
      // 100 is Linux's USER_HZ everywhere we run.
    }
  }
  return clockTicks;
}

/** The live direct children of `pid` (a postmaster's backends and auxiliary processes). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== null && stat.ppid === pid && stat.state !== 'Z') out.push(stat.pid);
  }
  return out;
}

/**
 * CPU seconds (user + system) used so far by `pid` and, with `children`, by its live children.
 * The parent's cutime/cstime hold what children that already exited and were reaped used, so the
 * sum does not drop when an autovacuum worker or a backend goes away.
 */
export function cpuSeconds(pid: number, options: { children?: boolean } = {}): number {
  const own = readStat(pid);
  if (own === null) return 0;
  let ticks = own.ticks[0] + own.ticks[1] + own.ticks[2] + own.ticks[3];
  if (options.children) {
    for (const child of childPids(pid)) {
      const s = readStat(child);
      if (s !== null) ticks += s.ticks[0] + s.ticks[1] + s.ticks[2] + s.ticks[3];
    }
  }
  return ticks / ticksPerSecond();
}

/** A free loopback port now (another process may take it before we bind it: callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the kernel gave'));
      });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (RUN_AS !== null && RUN_AS !== 'missing') chownSync(dir, RUN_AS.uid, RUN_AS.gid);
  return dir;
}

function chownToRunner(file: string): void {
  if (RUN_AS !== null && RUN_AS !== 'missing') chownSync(file, RUN_AS.uid, RUN_AS.gid);
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface Tracked {
  /** Signal that asks the process to stop at once; the exit handler sends it and waits briefly. */
  quickSignal: NodeJS.Signals;
  pid: number;
  dir: string;
  exited: () => boolean;
}

const live = new Set<Tracked>();
let exitHookInstalled = false;

/**
 * Last resort when a test or bench did not stop what it started (a crash, a failed assertion before
 * the cleanup): 'exit' handlers must be synchronous, so this signals, polls /proc for up to a few
 * seconds, then SIGKILLs what is left and removes the directories.
 */
function cleanupSync(): void {
  const deadline = Date.now() + 5000;
  for (const t of live) if (!t.exited()) signal(t.pid, t.quickSignal);
  for (const t of live) {
    while (isAlive(t.pid) && Date.now() < deadline) sleepSync(20);
    if (isAlive(t.pid)) {
      for (const child of childPids(t.pid)) signal(child, 'SIGKILL');
      signal(t.pid, 'SIGKILL');
    }
    rmSync(t.dir, { recursive: true, force: true });
  }
  live.clear();
}

function track(t: Tracked): void {
  live.add(t);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', cleanupSync);
  }
}

/**
 * Stops every server and bouncer still running, then exits, on SIGINT and SIGTERM: without it a
 * Ctrl-C of a bench leaves them behind (a signal that kills Node skips the 'exit' handlers).
 */
export function stopAllOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanupSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Resolves when the child exits; `exited()` answers synchronously. */
function watchExit(child: ChildProcess): { done: Promise<void>; exited: () => boolean } {
  let exited = child.exitCode !== null || child.signalCode !== null;
  const done = new Promise<void>((resolve) => {
    if (exited) resolve();
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  return { done, exited: () => exited };
}

async function waitFor(done: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const result = await Promise.race([done.then(() => true as const), timeout]);
  clearTimeout(timer);
  return result;
}

/** Waits until none of `pids` is alive (reparented orphans are reaped by init, not by us). */
async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function runnerIds(): { uid?: number; gid?: number } {
  return RUN_AS !== null && RUN_AS !== 'missing' ? { uid: RUN_AS.uid, gid: RUN_AS.gid } : {};
}

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LANG: 'C', LC_ALL: 'C' };
}

/**
 * Starts a server process with its output in `log`, tracked for the exit hook, and waits until
 * `ready.sql` answers on `ready.url`. 'port taken' when it died because another process had its
 * port (the caller tries another); any other failure removes `dir` and throws with the log's end.
 */
async function startProcess(o: {
  what: string;
  command: string;
  args: string[];
  options: SpawnOptions;
  quickSignal: NodeJS.Signals;
  dir: string;
  log: string;
  port: number;
  ready: { url: string; sql: string };
  portTaken: RegExp;
  lastAttempt: boolean;
}): Promise<{ pid: number; exit: ReturnType<typeof watchExit>; tracked: Tracked } | 'port taken'> {
  const logFd = openSync(o.log, 'a');
  chownToRunner(o.log);
  const child = spawn(o.command, o.args, { ...o.options, stdio: ['ignore', logFd, logFd], cwd: o.dir });
  closeSync(logFd);
  // A forgotten server must not keep Node alive; the exit hook still stops it.
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(o.dir, { recursive: true, force: true });
    throw new Error(`could not spawn ${o.what}`);
  }
  const exit = watchExit(child);
  const tracked: Tracked = { quickSignal: o.quickSignal, pid, dir: o.dir, exited: exit.exited };
  track(tracked);
  const ready = await waitReady(o.ready.url, o.ready.sql, exit.exited);
  if (ready === true) return { pid, exit, tracked };
  signal(pid, 'SIGKILL');
  await exit.done;
  const logText = tail(o.log);
  live.delete(tracked);
  if (o.portTaken.test(logText) && !o.lastAttempt) return 'port taken';
  rmSync(o.dir, { recursive: true, force: true });
  throw new Error(`${o.what} on port ${o.port} did not start (${ready}); its log ends:\n${logText}`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** One statement on a connection of its own, opened and ended around it: `url` may be a server being stopped. */
export async function sqlAt<R>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export interface PrivateServer {
  readonly host: string;
  readonly port: number;
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  /** The postmaster's PID. */
  readonly pid: number;
  /** The temporary directory: data directory `data`, socket, `postgres.log`. */
  readonly dir: string;
  /** The same server, another database or role. */
  urlFor(database: string, user?: string): string;
  /** CREATE DATABASE name; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** CPU seconds of the postmaster and all its processes so far (see cpuSeconds). */
  cpuSeconds(): number;
  /** SIGINT (fast shutdown) or SIGQUIT (immediate), waits for the exit, removes the directory. Idempotent. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGKILL to the postmaster and its children, as a crash would; then as stop(). */
  kill(): Promise<void>;
  /** `pg_ctl promote`: a standby becomes a primary (waits until it accepts writes). */
  promote(): Promise<void>;
}

export interface PostgresOptions {
  /** max_connections (default 100). */
  maxConnections?: number;
  /** More settings, as `-c name=value`; they win over the harness's own (fsync=off, say). */
  settings?: Record<string, string>;
  /**
   * A streaming standby of this server instead of a new cluster: its data directory is made with
   * `pg_basebackup -R` (which writes primary_conninfo and standby.signal), and it connects to the
   * primary as `applicationName` (what synchronous_standby_names names).
   */
  standbyOf?: { server: PrivateServer; applicationName: string };
}

const SETTING_NAME = /^[a-z_][a-z0-9_.]*$/;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export async function startPostgres(opts: PostgresOptions = {}): Promise<PrivateServer> {
  if (postgresUnavailable !== null || PG_BIN === null) throw new Error(postgresUnavailable ?? 'unavailable');
  const settings: Record<string, string> = {
    listen_addresses: HOST,
    max_connections: String(opts.maxConnections ?? 100),
    // Durability costs time and buys nothing for a server that is thrown away.
    fsync: 'off',
    logging_collector: 'off',
    ...opts.settings,
  };
  for (const name of Object.keys(settings)) {
    if (!SETTING_NAME.test(name)) throw new Error(`bad setting name ${JSON.stringify(name)}`);
  }
  const dir = tempDir('ringmon-pg-');
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'postgres.log');
  try {
    if (opts.standbyOf === undefined) {
      await execFileP(
        path.join(PG_BIN, 'initdb'),
        [
          '-D',
          data,
          '-U',
          'postgres',
          '-A',
          'trust',
          '-E',
          'UTF8',
          '--locale=C',
          '--no-sync',
          '--no-instructions',
        ],
        { ...runnerIds(), env: childEnv(), cwd: dir },
      );
    } else {
      const { server, applicationName } = opts.standbyOf;
      const conninfo = `host=${server.host} port=${server.port} user=postgres application_name=${applicationName}`;
      await execFileP(
        path.join(PG_BIN, 'pg_basebackup'),
        ['-D', data, '-R', '-X', 'stream', '--no-sync', '-d', conninfo],
        { ...runnerIds(), env: childEnv(), cwd: dir },
      );
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; message?: string };
    const tool = opts.standbyOf === undefined ? 'initdb' : 'pg_basebackup';
    throw new Error(`${tool} failed: ${(e.stderr ?? e.message ?? String(err)).trim()}`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['-D', data, '-c', `port=${port}`, '-c', `unix_socket_directories=${dir}`];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const url = `postgresql://postgres@${HOST}:${port}/postgres`;
    const started = await startProcess({
      what: 'postgres',
      command: path.join(PG_BIN, 'postgres'),
      args,
      options: { ...runnerIds(), env: childEnv() },
      quickSignal: 'SIGQUIT',
      dir,
      log,
      port,
      ready: { url, sql: 'SELECT 1' },
      portTaken: /could not bind|already in use/i,
      lastAttempt: attempt >= PORT_ATTEMPTS,
    });
    if (started === 'port taken') continue;
    const { pid, exit, tracked } = started;
    let stopping: Promise<void> | undefined;
    const finish = async (sig: NodeJS.Signals, timeoutMs: number) => {
      const children = childPids(pid);
      signal(pid, sig);
      if (!(await waitFor(exit.done, timeoutMs))) {
        for (const c of childPids(pid)) signal(c, 'SIGKILL');
        signal(pid, 'SIGKILL');
        await exit.done;
      }
      // After a SIGKILL the backends are orphans that exit once they notice the postmaster is gone.
      if (sig === 'SIGKILL') for (const c of children) signal(c, 'SIGKILL');
      await waitGone(children, STOP_TIMEOUT_MS);
      live.delete(tracked);
      rmSync(dir, { recursive: true, force: true });
    };
    const server: PrivateServer = {
      host: HOST,
      port,
      url,
      pid,
      dir,
      urlFor: (database, user = 'postgres') => `postgresql://${user}@${HOST}:${port}/${database}`,
      async createDatabase(name) {
        if (!IDENT.test(name)) throw new Error(`bad database name ${JSON.stringify(name)}`);
        const admin = new pg.Client(url);
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${name}`);
        } finally {
          await admin.end();
        }
        return server.urlFor(name);
      },
      cpuSeconds: () => cpuSeconds(pid, { children: true }),
      stop(mode = 'fast') {
        stopping ??= finish(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT', STOP_TIMEOUT_MS);
        return stopping;
      },
      kill() {
        stopping ??= finish('SIGKILL', STOP_TIMEOUT_MS);
        return stopping;
      },
      async promote() {
        await execFileP(path.join(PG_BIN!, 'pg_ctl'), ['promote', '-D', data, '-w', '-t', '60'], {
          ...runnerIds(),
          env: childEnv(),
          cwd: dir,
        });
      },
    };
    return server;
  }
}

/** True once a login and `probe` succeed; otherwise why not, after READY_TIMEOUT_MS or an exit. */
async function waitReady(url: string, probe: string, exited: () => boolean): Promise<true | string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'not answering';
  while (Date.now() < deadline) {
    if (exited()) return 'it exited';
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(probe);
      return true;
    } catch (err) {
      // 57P03: still starting up; ECONNREFUSED: not listening yet.
      last = err instanceof Error ? err.message : String(err);
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(50);
  }
  return `not ready within ${READY_TIMEOUT_MS / 1000} s: ${last}`;
}

// ---------------------------------------------------------------------------------------------
// pgbouncer

export interface PrivateBouncer {
  readonly host: string;
  readonly port: number;
  /** postgresql://postgres@127.0.0.1:PORT/<database> (default postgres). */
  url(database?: string, user?: string): string;
  readonly pid: number;
  readonly dir: string;
  /** pgbouncer is one process: its CPU seconds so far. */
  cpuSeconds(): number;
  /** SIGTERM (immediate shutdown: SIGINT waits for every client to leave), waits, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

export interface BouncerOptions {
  target: { host: string; port: number };
  /** default_pool_size: server connections per database and user. */
  poolSize: number;
  /** max_client_conn (default 5000). */
  maxClientConn?: number;
  poolMode?: 'transaction' | 'session' | 'statement';
  /** Roles that may log in (trust: pgbouncer only checks that the name is listed). Default postgres. */
  users?: string[];
  /** More [pgbouncer] settings; they win over the harness's own. */
  settings?: Record<string, string>;
}

export async function startPgbouncer(opts: BouncerOptions): Promise<PrivateBouncer> {
  if (pgbouncerUnavailable !== null || PGBOUNCER === null)
    throw new Error(pgbouncerUnavailable ?? 'unavailable');
  const users = opts.users ?? ['postgres'];
  for (const u of users) if (!IDENT.test(u)) throw new Error(`bad user name ${JSON.stringify(u)}`);
  const maxClientConn = opts.maxClientConn ?? 5000;
  // One descriptor per client and per server connection, and some for pgbouncer itself.
  const nofile = maxClientConn + opts.poolSize * 2 + 100;
  const dir = tempDir('ringmon-pgbouncer-');
  const ini = path.join(dir, 'pgbouncer.ini');
  const userlist = path.join(dir, 'userlist.txt');
  const log = path.join(dir, 'pgbouncer.log');
  await writeFile(userlist, users.map((u) => `"${u}" ""\n`).join(''));
  chownToRunner(userlist);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings: Record<string, string> = {
      listen_addr: HOST,
      listen_port: String(port),
      // Thousands of clients may connect within a second; the default backlog of 128 drops SYNs.
      listen_backlog: '4096',
      unix_socket_dir: '',
      auth_type: 'trust',
      auth_file: userlist,
      admin_users: users.join(','),
      stats_users: users.join(','),
      pool_mode: opts.poolMode ?? 'transaction',
      default_pool_size: String(opts.poolSize),
      max_client_conn: String(maxClientConn),
      // node-postgres sends none of these, other drivers (JDBC, psycopg) do.
      ignore_startup_parameters: 'extra_float_digits,options',
      logfile: log,
      pidfile: path.join(dir, 'pgbouncer.pid'),
      // A line per client connection is thousands of lines per run and costs pgbouncer CPU.
      log_connections: '0',
      log_disconnections: '0',
      ...opts.settings,
    };
    const text = [
      '[databases]',
      `* = host=${opts.target.host} port=${opts.target.port}`,
      '',
      '[pgbouncer]',
      ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
      '',
    ].join('\n');
    await writeFile(ini, text);
    chownToRunner(ini);
    // Raise, never lower, the limit; only root may pass the hard limit, anyone else gets up to it.
    const script =
      '[ "$(ulimit -n)" -ge "$1" ] || ulimit -n "$1" 2>/dev/null || ulimit -n hard; shift; exec "$@"';
    const asUser = RUN_AS !== null && RUN_AS !== 'missing' ? ['-u', RUN_AS.name] : [];
    const url = (database = 'postgres', user = users[0] ?? 'postgres') =>
      `postgresql://${user}@${HOST}:${port}/${database}`;
    const started = await startProcess({
      what: 'pgbouncer',
      command: 'bash',
      args: ['-c', script, 'bash', String(nofile), PGBOUNCER, ...asUser, ini],
      options: {},
      quickSignal: 'SIGTERM',
      dir,
      log,
      port,
      // The admin console answers even before any server connection is made; it knows only SHOW.
      ready: { url: url('pgbouncer'), sql: 'SHOW VERSION' },
      portTaken: /already in use|bind/i,
      lastAttempt: attempt >= PORT_ATTEMPTS,
    });
    if (started === 'port taken') continue;
    const { pid, exit, tracked } = started;
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      url,
      pid,
      dir,
      cpuSeconds: () => cpuSeconds(pid),
      stop() {
        stopping ??= (async () => {
          signal(pid, 'SIGTERM');
          if (!(await waitFor(exit.done, STOP_TIMEOUT_MS))) {
            signal(pid, 'SIGKILL');
            await exit.done;
          }
          live.delete(tracked);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  }
}
