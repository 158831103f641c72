/**
 * The ring's public types: what RingStore.open takes and what its methods return.
 */
import type { OpenSqlClientOptions, RingDb } from '../client/sql-client.js';

export interface RingStoreOptions {
  /** Where the ring lives; see {@link RingDb}. */
  db: RingDb;
  /** Table name, a plain identifier (`^[a-z_][a-z0-9_]{0,62}$`). Default `monitor_samples_ring`. */
  tableName?: string;
  /** Rows the ring holds. A new ring is created with it (default 10,000); see capacityMode. */
  capacity?: number;
  /**
   * What `capacity` does to a ring that already exists with another one: `'apply'` (default)
   * resizes it, as setCapacity would; `'adopt'` keeps the stored capacity (agents that are not the
   * master use this, so that one configuration decides). Without `capacity`, the stored one is used.
   */
  capacityMode?: 'apply' | 'adopt';
  /**
   * Rows each node keeps, when the ring is shared out per node: every node (its host rows and its
   * containers' rows) writes into a share of its own, so a noisy node overwrites only its own
   * oldest rows and a quiet node keeps its history. capacity ÷ nodeShare nodes fit; a newcomer
   * beyond that gets the share of a node silent for an hour, or waits (its writes fail with
   * code 'no-share', which an agent buffers through). `null` makes the ring one pool again (the
   * spec's ring). Applied like `capacity` (capacityMode); without it, the ring's own setting holds.
   */
  nodeShare?: number | null;
  /**
   * Create the table UNLOGGED: no WAL, so writes are cheaper, but PostgreSQL empties the table
   * after a crash or an unclean shutdown. For an existing table, a value that does not match is an error.
   */
  unlogged?: boolean;
  /**
   * Create the ring when its table does not exist (default true). false: a missing table is an
   * error (code 'no-ring') that names the rings the database holds, and nothing is created: what
   * reading and maintenance commands use, since only the agent creates rings.
   */
  create?: boolean;
  /**
   * Open the ring only to read it: nothing is created, mended or maintained (no DDL, no metadata
   * repair, no pair-list refresh), and write, setCapacity, cleanupOldSamples, vacuum and
   * refreshPairs fail with code 'read-only' before sending anything. What `recent`, `status` and
   * `serve` use. A hot standby (pg_is_in_recovery()) is always opened so, whatever this says, and
   * those methods fail there with code 'standby' (a passing failure: the standby may be promoted).
   */
  readOnly?: boolean;
  /** Metric columns a row leaves out are stored as NULL (default) or, when false, as 0. */
  useNullForEmpty?: boolean;
  /**
   * The ring vacuums itself after this many writes (ring-wide, by whichever writer crosses the mark),
   * which is what keeps its size constant; default a quarter of the capacity, at least 200. `false`
   * leaves vacuuming to autovacuum or to the caller's {@link RingStore.vacuum}.
   */
  vacuumEvery?: number | false;
  /**
   * Clock for cleanupOldSamples and for what counts as a sample from the future (latest, state),
   * in epoch milliseconds. Default Date.now.
   */
  now?: () => number;
  /** Connection settings for a db the store opens itself. */
  connection?: OpenSqlClientOptions;
  /**
   * Told, in one line, what the store mended by itself: a metadata row someone deleted, recreated
   * from the table. Default: nothing is said.
   */
  onWarning?: (message: string) => void;
}

export interface ResizeResult {
  /** Rows the new layout had no room for (the oldest ones, or a node's beyond its share). */
  dropped: number;
}

/** How the ring's slots are used: one pool, or a share per node. */
export interface RingLayout {
  capacity: number;
  /** Rows each node keeps; null when every node writes into one pool. */
  nodeShare: number | null;
}

/** What opening a ring resized: the layout it had, the one asked for, the rows with no room left. */
export interface OpenResize {
  from: RingLayout;
  to: RingLayout;
  dropped: number;
}

export interface WriteResult {
  /** Rows stored (a row whose slot a newer write already holds is not stored, and not counted). */
  written: number;
  /** Ids given to the stored rows, ascending. */
  ids: number[];
}

export interface RecentQuery {
  /** At most this many rows (default 100). */
  limit?: number;
  /** Only rows of this node: its host rows and its containers' rows. */
  node?: string;
  /** Only rows of containers with this name (on every node, or on `node` when given). */
  container?: string;
}

/** The newest sample of one (node, container) pair — a node's host rows, or one container — as the ring reports it. */
export interface LatestSample {
  node_name: string;
  container_name: string | null;
  sample_time: number | null;
  /** The writer's nominal interval in that row: what a status check judges the row's age by. */
  interval_seconds: number | null;
}

/** The reader's clock for reads of the newest samples (what counts as the future). */
export interface ReadClock {
  /** Now, epoch milliseconds; default the store's clock (RingStoreOptions.now). */
  nowMs?: number;
}

/** A node or container with samples from the future, and how far ahead its newest one is. */
export interface AheadOfClock {
  node_name: string;
  container_name: string | null;
  /** Its newest sample_time. */
  newest: number;
  /** newest − now, seconds (rounded). */
  ahead_seconds: number;
}

export interface RingState {
  table: string;
  backend: 'postgres' | 'pglite';
  target: string;
  unlogged: boolean;
  capacity: number;
  /** Rows each node keeps when the ring is shared out per node; null when it is one pool. */
  nodeShare: number | null;
  /** With nodeShare: the shares the capacity holds (capacity ÷ nodeShare) and how many nodes hold one. */
  shares: { total: number; held: number } | null;
  /** Rows in the table now (≤ capacity). */
  rowsUsed: number;
  /** Id of the last write handed out (0 before the first). */
  lastId: number;
  /** Slot the next write fills in a pool: lastId mod capacity (a shared-out ring fills each share in turn). */
  nextSlot: number;
  oldestSampleTime: number | null;
  newestSampleTime: number | null;
  tableBytes: number;
  indexBytes: number;
  totalBytes: number;
  /** From pg_stat_user_tables; null where the statistics are not collected. */
  liveTuples: number | null;
  deadTuples: number | null;
  lastVacuum: Date | null;
  lastAutovacuum: Date | null;
  /** The ring's own last vacuum failure, if any (e.g. not the table's owner). */
  lastVacuumError: string | null;
  /** Writers with samples from the future; latest leaves those samples out. */
  ahead: AheadOfClock[];
  /** The newest sample_time (and interval) of every node's host rows and of every container. */
  latest: LatestSample[];
  /** Where the server stands in streaming replication (PGlite: neither a standby nor with standbys). */
  replication: ReplicationState;
}

/** A standby of the server the ring was read from, as pg_stat_replication shows it. */
export interface StandbyInfo {
  /** Its application_name (what synchronous_standby_names names). */
  name: string;
  /** Its address; null for a Unix socket, or without the pg_monitor role. */
  address: string | null;
  /** `streaming`, `catchup`, …; null without the pg_monitor role. */
  state: string | null;
  /** `sync`, `async`, `potential`, `quorum`. */
  syncState: string | null;
  /** WAL bytes the primary wrote that the standby has not replayed yet. */
  replayLagBytes: number | null;
  /** How long its replay is behind (null when it is caught up and nothing new was written). */
  replayLagSeconds: number | null;
  /** Seconds since it last replied to the primary (a standby replies every 10 s by default). */
  replyAgeSeconds: number | null;
}

export interface ReplicationState {
  /** This server is a hot standby (read-only); how long ago it replayed the primary's last commit. */
  standby: { replayAgeSeconds: number | null } | null;
  /** On a primary: the standbys streaming from it. */
  standbys: StandbyInfo[];
  /**
   * On a primary: its synchronous_standby_names, the standbys a commit waits for (null when it
   * waits for none: the setting is empty, or this is a standby or PGlite).
   */
  synchronousStandbyNames: string | null;
}
