/**
 * `ringmon serve`: the dashboard over the ring the settings name, until SIGINT/SIGTERM.
 *
 * The issue spells the dashboard's port `--port`, which the other commands use for PostgreSQL's
 * (database-options.ts); here the server's port is `--db-port` (or --database-url, PGPORT, the file).
 * `ringmon run --serve` takes the dashboard flags through addDashboardOptions with `--serve-port`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { DEFAULTS } from '../defaults.js';
import { RingmonError } from '../errors.js';
import { isBindAddress, MAX_PORT } from '../limits.js';
import { createLog } from '../log.js';
import type { RingStore } from '../store/ring/ring.js';
import type { Dashboard, DashboardLog } from '../web/index.js';
import { accessPolicy } from '../web/server/auth.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { openRing } from './open-ring.js';
import { wholeNumber } from './options.js';
import { onStopSignal } from './signals.js';

/** Where a token can come from without showing up in `ps`. */
export const TOKEN_ENV = 'RINGMON_DASHBOARD_TOKEN';

export interface DashboardFlags {
  bind: string;
  token?: string;
  insecure?: boolean;
}

interface ServeFlags extends Omit<SettingsFlags, 'port'>, DashboardFlags {
  config?: string;
  port: number;
  dbPort?: number;
}

const parseDashboardPort = wholeNumber('a TCP port number', 0, MAX_PORT, '0: any free port');

function parseBind(text: string): string {
  if (!isBindAddress(text)) {
    throw new InvalidArgumentError(
      'must be an IP address or host name to listen on (e.g. 127.0.0.1 or 0.0.0.0)',
    );
  }
  return text;
}

/** --bind, --token, --insecure, and the port flag under the name given. */
export function addDashboardOptions(command: Command, portFlag: '--port' | '--serve-port'): Command {
  return command
    .option(
      `${portFlag} <port>`,
      'dashboard TCP port (0: any free port)',
      parseDashboardPort,
      DEFAULTS.dashboardPort,
    )
    .option('--bind <address>', 'address the dashboard listens on', parseBind, DEFAULTS.dashboardBind)
    .option(
      '--token <token>',
      `token every request must carry (Authorization: Bearer, or ?token=); better: ${TOKEN_ENV}`,
    )
    .option(
      '--insecure',
      'allow a non-loopback --bind without a token: anyone who reaches it reads the ring',
    );
}

export function registerServe(program: Command): void {
  addDashboardOptions(
    addDatabaseOptions(
      program
        .command('serve')
        .description('serve the live dashboard, the JSON API and /metrics over the ring'),
      '--db-port',
    ),
    '--port',
  ).action((flags: ServeFlags) => runServe(flags));
}

async function runServe(flags: ServeFlags): Promise<void> {
  const { port, dbPort, bind, token, insecure, ...rest } = flags;
  const settings = await settingsFrom({ ...rest, port: dbPort });
  const secrets = settings.db.password ? [settings.db.password] : [];
  const dashboardToken = token ?? tokenFromEnv();
  // Refused before the ring is opened, which can take seconds.
  checkDashboardAccess({ bind, token: dashboardToken, insecure });
  if (dashboardToken) secrets.push(dashboardToken);
  const log = createLog({ level: settings.logLevel, file: settings.logFile, secrets });
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  onStopSignal((signal) => {
    log.info({ signal }, 'stopping the dashboard');
    stopRequested();
  });
  try {
    const ring = await openRing(settings, { readOnly: true });
    try {
      const dashboard = await serveDashboard(
        ring.store,
        { port, bind, token: dashboardToken, insecure },
        log,
      );
      await stopped;
      await dashboard.close();
    } finally {
      await ring.close();
    }
  } finally {
    log.flush();
  }
}

/** Refuses a bad bind, token or insecure combination (RingmonError, usage) before anything is opened. */
export function checkDashboardAccess(options: {
  bind: string;
  token: string | undefined;
  insecure: boolean | undefined;
}): void {
  if (options.insecure && options.token !== undefined) {
    throw new RingmonError('--insecure and a token contradict each other: give one of them', 'usage');
  }
  accessPolicy(options);
}

export function tokenFromEnv(): string | undefined {
  const value = process.env[TOKEN_ENV];
  return value === undefined || value === '' ? undefined : value;
}

/** Starts the dashboard for a command (serve, run --serve) and says where it is. */
export async function serveDashboard(
  store: RingStore,
  flags: DashboardFlags & { port: number },
  log: DashboardLog,
): Promise<Dashboard> {
  const token = flags.token ?? tokenFromEnv();
  checkDashboardAccess({ bind: flags.bind, token, insecure: flags.insecure });
  // The dashboard's modules (zod, the page, uPlot) load only when a dashboard starts.
  const { startDashboard } = await import('../web/index.js');
  return startDashboard({ store, port: flags.port, bind: flags.bind, token, insecure: flags.insecure, log });
}
