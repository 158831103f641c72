import type { Command } from 'commander';
import { Agent, type SampleSource } from '../agent/agent.js';
import type { ContainerSource } from '../agent/container-source.js';
import { HostSource } from '../agent/host-source.js';
import { RingSink } from '../agent/ring-sink.js';
import type { Settings, SettingsFlags } from '../config/settings.js';
import { DEFAULTS } from '../defaults.js';
import { RingmonError } from '../errors.js';
import { createLog } from '../log.js';
import { isPassing, RingStoreError } from '../store/errors.js';
import type { RingStore } from '../store/ring/ring.js';
import type { Dashboard } from '../web/index.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { type OpenedRing, openRing } from './open-ring.js';
import {
  addHostOptions,
  collectList,
  grouped,
  parseCapacity,
  parseNodeShare,
  parseSeconds,
  wholeNumber,
} from './options.js';
import {
  addDashboardOptions,
  checkDashboardAccess,
  type DashboardFlags,
  serveDashboard,
  tokenFromEnv,
} from './serve.js';
import { onStopSignal } from './signals.js';

interface RunFlags extends SettingsFlags, DashboardFlags {
  config?: string;
  serve?: boolean;
  servePort: number;
}

/** The dashboard `run --serve` starts beside the agent. */
type DashboardSettings = DashboardFlags & { port: number };

/** Adds the agent's flags (the spec's, plus ringmon's) to a command. */
export function addAgentOptions(command: Command): Command {
  addDatabaseOptions(command)
    .option(
      '--capacity <rows>',
      `rows the ring holds (default ${grouped(DEFAULTS.capacity)}); a master applies it, other agents adopt the ring's`,
      parseCapacity,
    )
    .option(
      '--node-share <rows>',
      "rows each node keeps in a ring shared out per node, so a noisy node cannot overwrite the others' history (default 'off': one pool); a master applies it",
      parseNodeShare,
    )
    .option('--master', 'mark this agent as the master (it sets the ring capacity and node share)')
    .option('--node-name <name>', 'node name in the rows (default: the host name)')
    .option('--container <name>', 'sample this container too (repeatable; name or ID)', collectList)
    .option('--all-containers', 'sample every running container')
    .option('--docker-cli', 'read containers through the docker CLI instead of the Engine API')
    .option(
      '--samples <n>',
      'stop after N node samples (default: run until stopped)',
      wholeNumber(
        'a whole number of samples',
        0,
        Number.MAX_SAFE_INTEGER,
        'host samples to take before stopping',
      ),
    )
    .option(
      '--interval <seconds>',
      `seconds between samples, node and containers (default ${DEFAULTS.intervalSeconds}; overrides the config intervals; stored in interval_seconds rounded up to whole seconds)`,
      parseSeconds,
    )
    .option(
      '--buffer-rows <n>',
      `rows kept in memory while the database is unreachable (default ${grouped(DEFAULTS.bufferRows)})`,
      wholeNumber(
        'a whole number of rows',
        1,
        10_000_000,
        'kept in memory while the database is unreachable',
      ),
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error or fatal (default info)')
    .option('--log-file <file>', 'append JSON log lines to this file');
  // The host trees and device filters: the same flags as `ringmon sample`.
  return addHostOptions(command);
}

export function registerRun(program: Command): void {
  addDashboardOptions(
    addAgentOptions(
      program
        .command('run', { isDefault: true })
        .description(
          'run the agent: sample the host (and containers) on a schedule and write each tick to the ring',
        ),
    ).option(
      '--serve',
      'also serve the dashboard (as ringmon serve; with --serve-port, --bind, --token, --insecure)',
    ),
    '--serve-port',
  ).action(async (flags: RunFlags) => {
    const web = flags.serve
      ? {
          port: flags.servePort,
          bind: flags.bind,
          token: flags.token ?? tokenFromEnv(),
          insecure: flags.insecure,
        }
      : undefined;
    // A dashboard that could not start is refused before the agent opens anything.
    if (web) checkDashboardAccess(web);
    return runAgent(await settingsFrom(flags), web);
  });
}

/** Runs the agent until SIGINT/SIGTERM or --samples; resolves when everything is flushed and closed. */
export async function runAgent(settings: Settings, web?: DashboardSettings): Promise<void> {
  const secrets = [settings.db.password, web?.token].filter((s): s is string => typeof s === 'string');
  const log = createLog({ level: settings.logLevel, file: settings.logFile, secrets });
  // Handled from the start: a signal while the ring opens (creating an embedded store takes
  // seconds) must not kill the process between taking the store's lock and releasing it.
  const controller = new AbortController();
  onStopSignal((signal) => {
    log.info({ signal }, 'stopping: finishing the write in flight and flushing');
    controller.abort();
  });
  // Typed by the assertion, not narrowed to null: `opened` sets it from a callback.
  let ring = null as OpenedRing | null;
  let dashboard: Dashboard | undefined;
  /** The process whose embedded store the ring was last opened in (a takeover is logged). */
  let embeddedOwner: number | null = null;
  const open = async () => {
    const opening = await openRing(settings, {
      serve: true,
      applyCapacity: settings.master,
      create: true,
      onWarning: (message) => log.warn(message),
    });
    // A hot standby answers but takes no writes: until it is promoted, or the host list reaches a
    // primary, that is an outage like any other (the agent buffers and tries again).
    if (opening.store.standby) {
      const target = opening.store.backend.target;
      await opening.close();
      throw new RingStoreError(
        'standby',
        `${target} is a hot standby, which takes no writes: the agent buffers until it is promoted or a primary answers (name every server, with target_session_attrs=read-write)`,
      );
    }
    return opening;
  };
  /** What the agent does once it has the ring, at start or when the database first answers. */
  const opened = async (opening: OpenedRing): Promise<RingStore> => {
    const before = embeddedOwner;
    ring = opening;
    await warnMastersDisagree(settings, opening.store, log);
    const now = ownerOf(opening);
    embeddedOwner = now;
    if (now !== null) {
      if (now === process.pid && before !== null && before !== process.pid) {
        log.warn(
          { previousOwner: before },
          `took the embedded store over from process ${before}, which has gone`,
        );
      } else if (now !== process.pid && now !== before) {
        log.info({ owner: now }, `the embedded store is open in process ${now}: writing through its socket`);
      }
    }
    warnCapacity(settings, opening.store, log);
    if (web) dashboard = await serveDashboard(opening.store, web, log);
    return opening.store;
  };
  // Opened first: a proc root that is not one (--proc, monitoring.proc_root) is refused before the
  // ring is opened, let alone created.
  const host = new HostSource({
    ...settings.host,
    intervalSeconds: settings.nodeIntervalSeconds,
    nodeName: settings.nodeName,
    master: settings.master,
    log,
  });
  const sources: SampleSource[] = [host];
  let agentRan = false;
  let unreachable: unknown;
  try {
    // A database that is not there yet (down, out of connection slots, starting up) is an outage:
    // the agent samples into its buffer and opens the ring when it answers. Anything else (a refused
    // login, a table of another shape) is for a person to fix, now.
    try {
      await opened(await open());
    } catch (error) {
      if (!isPassing(error)) throw error;
      unreachable = error;
    }
    const containers = await openContainers(settings, log);
    if (containers) sources.push(containers);
    const store = ring?.store;
    const endpoint = ring?.embedded?.endpoint;
    log.info(
      {
        ring: settings.tableName,
        db: settings.db.describe,
        capacity: store?.capacity ?? settings.capacity,
        nodeShare: store ? store.nodeShare : settings.nodeShare,
        node: settings.nodeName,
        master: settings.master,
        nodeInterval: settings.nodeIntervalSeconds,
        containers: containers ? (settings.allContainers ? 'all' : settings.containers) : [],
        ...(endpoint && ring?.embedded?.mode === 'owner' ? { sharedAt: endpoint.socketDir } : {}),
      },
      'agent started',
    );
    const agent = new Agent({
      sources,
      sink: new RingSink(
        store ?? null,
        async () => {
          const reached = await opened(await open());
          log.info({ ring: reached.table, capacity: reached.capacity }, 'database reached; ring opened');
          return reached;
        },
        async () => {
          // A client of another process's embedded store reopens: if that owner has gone, the
          // reopen makes this agent the owner, and its buffer goes into the directory itself.
          if (ring?.embedded?.mode !== 'client') return false;
          const closing = ring;
          ring = null;
          await dashboard?.close();
          dashboard = undefined;
          await closing.close().catch(() => undefined);
          return true;
        },
      ),
      log,
      bufferRows: settings.bufferRows,
      samples: settings.samples,
    });
    if (unreachable !== undefined) agent.reportOutage(unreachable);
    agentRan = true;
    const summary = await agent.run(controller.signal);
    const { fatalError, outageError, ...counts } = summary;
    log.info(counts, 'agent stopped');
    if (fatalError !== undefined) {
      throw fatalError instanceof RingmonError
        ? fatalError
        : new RingmonError(String((fatalError as Error)?.message ?? fatalError));
    }
    const lost = summary.rowsDropped + summary.rowsUnwritten;
    if (lost > 0) {
      throw new RingmonError(
        `stopped with ${lost} sampled row(s) the database never took (${summary.rowsDropped} dropped when the buffer was full, ${summary.rowsUnwritten} still buffered at the stop)${summary.outageError === undefined ? '' : `; the database: ${summary.outageError}`}`,
        'lost',
      );
    }
  } finally {
    // The agent closes its sources when it stops; a start that failed before it ran closes them here.
    if (!agentRan) await Promise.all(sources.map((source) => source.close?.()));
    await dashboard?.close();
    await ring?.close();
    log.flush();
  }
}

/** The PID of the process that owns the embedded store the ring is open in; null on a server. */
function ownerOf(ring: OpenedRing | null): number | null {
  return ring?.embedded?.endpoint?.pid ?? (ring?.embedded?.mode === 'owner' ? process.pid : null);
}

/** How recently another master must have written for a resize to be a disagreement between two. */
const MASTERS_DISAGREE_SECONDS = 3600;

/**
 * A master that resized the ring at its start, while another node wrote as the master within the
 * last hour: two masters with different settings resize the ring back and forth at each start, and
 * each shrink drops rows. Said once, as a warning, with both settings.
 */
async function warnMastersDisagree(settings: Settings, store: RingStore, log: ReturnType<typeof createLog>) {
  const resized = store.resizedAtOpen;
  if (!settings.master || resized === null) return;
  const since = Math.floor(Date.now() / 1000) - MASTERS_DISAGREE_SECONDS;
  const others = (await store.masters(since).catch(() => [])).filter((m) => m.node !== settings.nodeName);
  const other = others[0];
  if (other === undefined) return;
  const layout = (l: { capacity: number; nodeShare: number | null }) =>
    l.nodeShare === null ? `capacity ${l.capacity}` : `capacity ${l.capacity} in shares of ${l.nodeShare}`;
  const ago = Math.max(0, Math.floor(Date.now() / 1000) - other.newest);
  log.warn(
    { otherMaster: other.node, otherMasterSecondsAgo: ago, ring: resized.from, asked: resized.to },
    `two masters disagree: ${other.node} wrote as the master ${ago} s ago with the ring at ${layout(resized.from)}, and this master (${settings.nodeName}) set ${layout(resized.to)}; give every master the same --capacity and --node-share, or run only one with --master`,
  );
}

function warnCapacity(settings: Settings, store: RingStore, log: ReturnType<typeof createLog>): void {
  const resized = store.resizedAtOpen;
  if (resized !== null) {
    const layout = (l: { capacity: number; nodeShare: number | null }) =>
      l.nodeShare === null ? String(l.capacity) : `${l.capacity} (shares of ${l.nodeShare})`;
    const line = `resizing ring ${layout(resized.from)} → ${layout(resized.to)}: ${resized.dropped} oldest row(s) dropped`;
    if (resized.dropped > 0) log.warn({ dropped: resized.dropped }, line);
    else log.info({ dropped: 0 }, line);
  }
  if (!settings.master && settings.capacity !== undefined && settings.capacity !== store.capacity) {
    log.warn(
      { asked: settings.capacity, ring: store.capacity },
      'only a master sets the ring capacity: using the ring’s',
    );
  }
  if (!settings.master && settings.nodeShare !== undefined && settings.nodeShare !== store.nodeShare) {
    log.warn(
      { asked: settings.nodeShare, ring: store.nodeShare },
      'only a master sets the node share: using the ring’s',
    );
  }
}

async function openContainers(
  settings: Settings,
  log: ReturnType<typeof createLog>,
): Promise<ContainerSource | null> {
  if (!settings.allContainers && settings.containers.length === 0) return null;
  // dockerode costs ~27 MiB of memory: loaded only by agents that sample containers.
  const [{ ContainerSource }, { DockerUnavailableError }] = await Promise.all([
    import('../agent/container-source.js'),
    import('../collect/docker/index.js'),
  ]);
  try {
    const source = await ContainerSource.open({
      selectors: settings.allContainers ? 'all' : settings.containers,
      nodeName: settings.nodeName,
      intervalSeconds: settings.containerIntervalSeconds,
      forceCli: settings.dockerCli,
      master: settings.master,
      onWarning: (message) => log.warn(message),
    });
    log.info({ docker: source.describe }, 'sampling containers');
    return source;
  } catch (error) {
    if (!(error instanceof DockerUnavailableError)) throw error;
    log.warn(`${error.message}; sampling the host only`);
    return null;
  }
}
