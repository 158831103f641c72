import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { NameFilter } from '../collect/sysfs/patterns.js';
import { MAX_NAME_LENGTH } from '../columns.js';
import { DEFAULTS } from '../defaults.js';
import { RingmonError } from '../errors.js';
import { type LogLevel, normalizeLogLevel } from '../log.js';
import type { ConfigFile } from './file-schema.js';

/** Where the ring lives, once flags, file and environment are combined. */
export type DatabaseTarget =
  | {
      kind: 'server';
      /** A postgres:// URL (may hold a password: never print it; see `describe`). */
      url: string;
      /** user@host:port/database, for messages. */
      describe: string;
      /** The password, so logs can scrub it; null when none was given. */
      password: string | null;
    }
  | { kind: 'embedded'; dataDir: string; describe: string; password: null };

/**
 * Which host trees are read and which devices count, resolved: what the host collector takes
 * (`HostCollectorOptions`), with the roots filled in.
 */
export interface HostReading {
  /** Where the proc filesystem is mounted: /proc, or e.g. /host/proc in a container. */
  procRoot: string;
  /** Where the sys filesystem is mounted. */
  sysRoot: string;
  /** Which block devices count (empty: whole physical disks). */
  disks: NameFilter;
  /** Which network interfaces count (empty: physical interfaces). */
  interfaces: NameFilter;
}

/** Every setting of the agent and the commands, resolved. */
export interface Settings {
  db: DatabaseTarget;
  tableName: string;
  /** What the flags or file asked for; undefined means "the ring's, or the default for a new ring". */
  capacity: number | undefined;
  /** Rows per node when shared out per node, null for one pool, undefined: the ring's own. */
  nodeShare: number | null | undefined;
  master: boolean;
  nodeName: string;
  nodeIntervalSeconds: number;
  containerIntervalSeconds: number;
  containers: string[];
  allContainers: boolean;
  dockerCli: boolean;
  /** The host trees and the devices the host rows count. */
  host: HostReading;
  samples: number | undefined;
  bufferRows: number;
  logLevel: LogLevel;
  logFile: string | undefined;
}

/** The flags that say which host trees to read and which devices count (`sample` and `run`). */
export interface HostFlags {
  proc?: string;
  sys?: string;
  diskInclude?: string[];
  diskExclude?: string[];
  netInclude?: string[];
  netExclude?: string[];
}

/** The command-line flags that feed Settings (commander's camelCase names). */
export interface SettingsFlags extends HostFlags {
  host?: string;
  port?: number;
  targetSessionAttrs?: string;
  database?: string;
  user?: string;
  password?: string;
  databaseUrl?: string;
  dataDir?: string;
  table?: string;
  capacity?: number;
  nodeShare?: number | 'off';
  master?: boolean;
  nodeName?: string;
  container?: string[];
  allContainers?: boolean;
  dockerCli?: boolean;
  samples?: number;
  interval?: number;
  bufferRows?: number;
  logLevel?: string;
  logFile?: string;
}

/** A node share as flags and files give it: `off` (or YAML's null) is one pool. */
function offIsNull(share: number | 'off' | null | undefined): number | null | undefined {
  return share === 'off' ? null : share;
}

/** The default embedded data directory: $XDG_DATA_HOME/ringmon, else ~/.local/share/ringmon. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'ringmon');
}

/**
 * Combines flags, the config file and the environment: flags win over the file, the file over the
 * defaults. A server is used when any of them names one (--database-url, DATABASE_URL, --host,
 * the file's database section, PGHOST or PGDATABASE); otherwise the embedded PGlite store.
 */
export function resolveSettings(flags: SettingsFlags, file: ConfigFile, env: NodeJS.ProcessEnv): Settings {
  const monitoring = file.monitoring ?? {};
  const logLevelText = flags.logLevel ?? file.logging?.level ?? 'info';
  const logLevel = normalizeLogLevel(logLevelText);
  if (!logLevel) {
    throw new RingmonError(
      `--log-level ${logLevelText}: use one of trace, debug, info, warn, error, fatal`,
      'usage',
    );
  }
  const interval = flags.interval;
  return {
    db: resolveDatabase(flags, file, env),
    tableName: flags.table ?? monitoring.table_name ?? DEFAULTS.tableName,
    capacity: flags.capacity ?? monitoring.capacity,
    nodeShare: offIsNull(flags.nodeShare ?? monitoring.node_share),
    master: flags.master ?? monitoring.master ?? false,
    nodeName: checkedNodeName(flags.nodeName ?? monitoring.node_name ?? hostname()),
    nodeIntervalSeconds: interval ?? monitoring.intervals?.node_seconds ?? DEFAULTS.intervalSeconds,
    containerIntervalSeconds: interval ?? monitoring.intervals?.container_seconds ?? DEFAULTS.intervalSeconds,
    containers:
      flags.container && flags.container.length > 0 ? flags.container : (monitoring.containers ?? []),
    allContainers: flags.allContainers ?? monitoring.all_containers ?? false,
    dockerCli: flags.dockerCli ?? false,
    host: resolveHostReading(flags, monitoring),
    samples: flags.samples,
    bufferRows: flags.bufferRows ?? monitoring.buffer_rows ?? DEFAULTS.bufferRows,
    logLevel,
    logFile: flags.logFile ?? file.logging?.file,
  };
}

/**
 * The host trees and device filters from the flags, else the config file's `monitoring` keys, else
 * the defaults. A list given as a flag replaces the file's list, as `--container` does.
 */
export function resolveHostReading(
  flags: HostFlags,
  monitoring: NonNullable<ConfigFile['monitoring']> = {},
): HostReading {
  const list = (flag: string[] | undefined, key: string[] | undefined) =>
    flag && flag.length > 0 ? flag : key;
  return {
    procRoot: flags.proc ?? monitoring.proc_root ?? DEFAULTS.procRoot,
    sysRoot: flags.sys ?? monitoring.sys_root ?? DEFAULTS.sysRoot,
    disks: {
      include: list(flags.diskInclude, monitoring.disk_include),
      exclude: list(flags.diskExclude, monitoring.disk_exclude),
    },
    interfaces: {
      include: list(flags.netInclude, monitoring.net_include),
      exclude: list(flags.netExclude, monitoring.net_exclude),
    },
  };
}

function resolveDatabase(flags: SettingsFlags, file: ConfigFile, env: NodeJS.ProcessEnv): DatabaseTarget {
  const section = file.database ?? {};
  const url = flags.databaseUrl ?? (flags.host ? undefined : env.DATABASE_URL);
  const passwordEnv = section.password_env ?? 'POSTGRES_PASSWORD';
  const envPassword = env[passwordEnv] ?? env.POSTGRES_PASSWORD ?? env.PGPASSWORD ?? null;
  const password = flags.password ?? envPassword;
  if (url) return serverFromUrl(url, flags.password ?? null, envPassword);
  const namesServer =
    flags.host !== undefined ||
    flags.port !== undefined ||
    flags.database !== undefined ||
    flags.user !== undefined ||
    section.host !== undefined ||
    section.database !== undefined ||
    Boolean(env.PGHOST || env.PGDATABASE);
  if (!namesServer) {
    const dataDir = flags.dataDir ?? section.data_dir ?? defaultDataDir(env);
    return { kind: 'embedded', dataDir, describe: `embedded PGlite at ${dataDir}`, password: null };
  }
  const hostSetting = flags.host ?? section.host ?? env.PGHOST ?? 'localhost';
  const host = Array.isArray(hostSetting) ? hostSetting.join(',') : hostSetting;
  const port = flags.port ?? section.port ?? (env.PGPORT ? Number(env.PGPORT) : 5432);
  const attrs = flags.targetSessionAttrs ?? section.target_session_attrs ?? env.PGTARGETSESSIONATTRS;
  const user = flags.user ?? section.user ?? env.PGUSER ?? env.USER ?? 'postgres';
  const database = flags.database ?? section.database ?? env.PGDATABASE ?? user;
  const auth =
    password === null
      ? encodeURIComponent(user)
      : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  const path = `/${encodeURIComponent(database)}`;
  const query = attrs === undefined ? '' : `?target_session_attrs=${encodeURIComponent(attrs)}`;
  // A host that is a directory is a Unix socket (libpq's convention): pg takes it as ?host=.
  const hosts = host.startsWith('/') ? [host] : host.split(',').map((h) => hostWithPort(h.trim(), port));
  const serverUrl = host.startsWith('/')
    ? `postgresql://${auth}@localhost:${port}${path}?host=${encodeURIComponent(host)}${query.replace('?', '&')}`
    : `postgresql://${auth}@${hosts.join(',')}${path}${query}`;
  return {
    kind: 'server',
    url: serverUrl,
    describe: `${user}@${host.startsWith('/') ? `${host}:${port}` : hosts.join(',')}/${database}`,
    password,
  };
}

/**
 * One entry of a host list with its port: `db1` takes the port setting, `db1:5433` keeps its own,
 * and an IPv6 address is bracketed (`::1` → `[::1]:5432`).
 */
function hostWithPort(entry: string, port: number): string {
  if (entry.startsWith('[')) return /\]:\d+$/.test(entry) ? entry : `${entry}:${port}`;
  const colons = entry.split(':').length - 1;
  if (colons === 1) return entry;
  return `${colons > 1 ? `[${entry}]` : entry}:${port}`;
}

/** A password flag replaces the URL's; a password from the environment only fills in a missing one. */
function serverFromUrl(
  text: string,
  passwordFlag: string | null,
  envPassword: string | null,
): DatabaseTarget {
  // WHATWG URL takes one host: a list (db1:5432,db2:5432) is parsed in its place and put back.
  const hostList = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*,[^/?#]*)/i.exec(text)?.[1];
  const parsed = hostList === undefined ? text : text.replace(hostList, HOST_LIST_STAND_IN);
  let url: URL;
  try {
    url = new URL(parsed);
  } catch {
    throw new RingmonError(
      'the database URL does not parse: write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
      'usage',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new RingmonError(
      `the database URL must start with postgresql:// (it starts with ${url.protocol}//)`,
      'usage',
    );
  }
  if (passwordFlag !== null) url.password = encodeURIComponent(passwordFlag);
  else if (!url.password && envPassword !== null && url.username)
    url.password = encodeURIComponent(envPassword);
  // A bad percent-escape (%zz) is named by its part, never by its text: it may be the password.
  const decode = (part: string, value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new RingmonError(
        `the database URL does not parse: its ${part} has a malformed percent-escape (% must be followed by two hex digits; write a literal % as %25)`,
        'usage',
      );
    }
  };
  const password = url.password ? decode('password', url.password) : null;
  const user = decode('user name', url.username) || '(default user)';
  const database = decode('database name', url.pathname.slice(1)) || '(default database)';
  const where = hostList ?? `${url.hostname || 'localhost'}:${url.port || 5432}`;
  return {
    kind: 'server',
    url: hostList === undefined ? url.toString() : url.toString().replace(HOST_LIST_STAND_IN, hostList),
    describe: `${user}@${where}/${database}`,
    password,
  };
}

/** Where a URL's host list stands while WHATWG URL checks the rest (a name no real host has). */
const HOST_LIST_STAND_IN = 'ringmon-host-list.invalid';

/** The node name, within the one limit the ring and the dashboard share. */
function checkedNodeName(name: string): string {
  if (name.length > MAX_NAME_LENGTH) {
    throw new RingmonError(
      `the node name is ${name.length} characters long; at most ${MAX_NAME_LENGTH} (--node-name, monitoring.node_name)`,
      'usage',
    );
  }
  return name;
}
