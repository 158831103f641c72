/**
 * RingStore: a fixed-capacity circular buffer of samples in one PostgreSQL (or PGlite) table.
 *
 * How a write finds its slot: every row a writer sends takes n = nextval(the id column's sequence)
 * and goes to slot (n − 1) mod capacity, with `INSERT … ON CONFLICT (slot) DO UPDATE`. The row's id
 * is n, so ids order writes, and "newest" means "highest id". The capacity lives in a one-row
 * metadata table that the write statement reads, so every agent uses the same one.
 *
 * Why concurrent writers cannot lose the newest rows:
 * - two writes meet in one slot only when their n differ by a multiple of the capacity; the update
 *   runs only `WHERE ring.id < EXCLUDED.id`, so a late, older write never replaces a newer one;
 * - a batch takes its slots in ascending slot order (its rows are sorted by slot), so two writers
 *   that meet in several slots take them in the same order and cannot deadlock;
 * - a batch whose n values span more than the capacity (tiny rings, interleaved writers) keeps only
 *   the newest row per slot (DISTINCT ON), as the ring would after writing them one by one.
 *
 * Why resizing is safe while others write: setCapacity and cleanupOldSamples take the table in
 * EXCLUSIVE mode. That conflicts with the ROW EXCLUSIVE lock every INSERT takes before its snapshot
 * and before its nextval, so the resize starts only after the writes in flight have committed, and
 * the writes that arrive meanwhile wait, then see the new capacity. Reads are not blocked.
 */
import type { SampleInput, SampleRow } from '../../columns.js';
import { CLOCK_AHEAD_TOLERANCE_SECONDS, DEFAULTS, MAX_KEEP_HOURS } from '../../defaults.js';
import {
  type OpenSqlClientOptions,
  openSqlClient,
  type RingDb,
  type SqlClient,
  type SqlQueryable,
} from '../client/sql-client.js';
import { asDriverError, oneLine, RingStoreError } from '../errors.js';
import { toRowValues } from './input-values.js';
import {
  addNodeShareColumnSql,
  createGroupsSql,
  createIndexSql,
  createMetaSql,
  createSharesSql,
  createTableSql,
  existingIndexes,
  MAX_CAPACITY,
  quoteIdent,
  quoteLiteral,
  type RingJob,
  type RingNames,
  ringGrants,
  ringNames,
  shapeDifferences,
  validateCapacity,
  validateTableName,
} from './schema.js';
import {
  aheadSql,
  callWriteSql,
  createWriteFunctionSql,
  holdsSql,
  latestSql,
  NO_SHARE_SQLSTATE,
  rebuildSharesSql,
  recentSql,
  refreshGroupsSql,
  registerSql,
  sampleRowFromValues,
  shareLayoutSql,
  writeFunctionBody,
  writeSql,
} from './sql.js';

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
}

const DEFAULT_RECENT_LIMIT = 100;
/** 1,000 rows × 50 parameters stays under PostgreSQL's 65,535 parameters per statement. */
const MAX_ROWS_PER_STATEMENT = 1000;
/** The columns the ring's reads filter and sort on: the only statistics the planner needs. */
const ANALYZED_COLUMNS = [
  'id',
  'slot',
  'sample_time',
  'master_flag',
  'node_flag',
  'node_name',
  'container_name',
]
  .map(quoteIdent)
  .join(', ');

const MAX_RECENT_LIMIT = 1_000_000;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function databaseError(what: string, table: string, err: unknown): unknown {
  if (err instanceof RingStoreError) return err;
  const d = asDriverError(err);
  const hint = d.code === '42501' ? grantHint(what, table, d.message ?? '') : '';
  return new RingStoreError(
    'database',
    `${what} (table ${table}) failed: ${oneLine(d.message ?? String(err))}${d.code ? ` [${d.code}]` : ''}${hint}`,
    { cause: err },
  );
}

/**
 * For `permission denied for table X`: the grant the role lacks for what it was doing, as
 * ringGrants lists them; resizing and vacuuming are the owner's.
 */
function grantHint(what: string, table: string, message: string): string {
  const object = /permission denied for (?:table|sequence|relation) "?([^"\s]+)"?/.exec(message)?.[1];
  const job: RingJob | 'owner' = what.startsWith('writing')
    ? 'write'
    : what.startsWith('deleting')
      ? 'cleanup'
      : what.startsWith('resizing') || what.startsWith('vacuuming') || what.startsWith('recreating')
        ? 'owner'
        : 'read';
  const howTo = 'README, "Roles and grants", lists what each command needs';
  if (job === 'owner')
    return `; only the ring's owner may do this: run it as the role that created ${table} (${howTo})`;
  const grant = ringGrants(ringNames(table), job).find((g) => g.object === object);
  if (grant === undefined) return `; ${howTo}`;
  const on = `${grant.kind === 'SEQUENCE' ? 'SEQUENCE ' : ''}${grant.object}`;
  return `; the role needs GRANT ${grant.privileges} ON ${on} (${howTo}), or run it as the ring's owner`;
}

/** Resolves the ring's sequence and checks or creates its objects, under an advisory lock. */
async function ensureSchema(
  tx: SqlQueryable,
  names: RingNames,
  wanted: { capacity: number | undefined; unlogged: boolean | undefined; create?: boolean },
): Promise<{
  sequence: string;
  created: boolean;
  adopted: boolean;
  groupsMissing: boolean;
  /** The capacity of a metadata row that was missing and was recreated; null when none was. */
  repaired: number | null;
  writeFunction: boolean;
  shareColumn: boolean;
}> {
  const table = quoteIdent(names.table);
  // Two agents starting at once: the second waits here, then finds the table the first created.
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['ringmon', names.table]);
  const found = await tx.query<{ kind: string; persistence: string }>(
    'SELECT relkind AS kind, relpersistence AS persistence FROM pg_class WHERE oid = to_regclass($1)',
    [table],
  );
  const existing = found.rows[0];
  let created = false;
  let adopted = false;
  let repaired: number | null = null;
  if (existing === undefined && wanted.create === false) throw await noRingError(tx, names.table);
  if (existing === undefined) {
    await tx.query(createTableSql(names, { unlogged: wanted.unlogged ?? false }));
    for (const index of names.indexes) await tx.query(createIndexSql(names, index));
    await tx.query(createMetaSql(names));
    await tx.query(
      `INSERT INTO ${quoteIdent(names.meta)} (capacity, ring_table) VALUES ($1, $2)
       ON CONFLICT (one_row) DO UPDATE SET capacity = EXCLUDED.capacity, ring_table = EXCLUDED.ring_table`,
      [wanted.capacity ?? DEFAULTS.capacity, names.table],
    );
    created = true;
  } else {
    if (existing.kind !== 'r') {
      throw new RingStoreError(
        'schema-mismatch',
        `${names.table} exists but is not an ordinary table (relkind ${existing.kind}); ringmon will not use it`,
      );
    }
    const diffs = await shapeDifferences(tx, names.table);
    const isUnlogged = existing.persistence === 'u';
    if (wanted.unlogged !== undefined && wanted.unlogged !== isUnlogged) {
      diffs.push(
        `table is ${isUnlogged ? 'UNLOGGED' : 'logged'}, unlogged: ${wanted.unlogged} was asked for`,
      );
    }
    const indexes = await existingIndexes(tx, names.table);
    for (const index of names.indexes) {
      const have = indexes.get(index.name);
      if (have !== undefined && have !== index.canonical) {
        diffs.push(`index ${index.name} is ${have}, expected ${index.canonical}`);
      }
    }
    if (diffs.length > 0) {
      throw new RingStoreError(
        'schema-mismatch',
        `table ${names.table} exists with another shape: ${diffs.join('; ')}. ringmon never alters or drops an existing table: use another table name, or rename or drop this one yourself`,
      );
    }
    // Indexes a newer ringmon added, or that someone dropped: creating one changes no data.
    for (const index of names.indexes) {
      if (!indexes.has(index.name)) await tx.query(createIndexSql(names, index));
    }
    const meta = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      quoteIdent(names.meta),
    ]);
    if (!meta.rows[0]?.present) {
      // A table of the spec's shape made by something else: adopt it if that loses no rows.
      const capacity = wanted.capacity ?? DEFAULTS.capacity;
      const count = await tx.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${table}`);
      const rows = count.rows[0]?.n ?? 0;
      if (rows > capacity) {
        throw new RingStoreError(
          'ring-state',
          `table ${names.table} has ${rows} rows but no ring metadata (${names.meta}); open it with a capacity of at least ${rows}, ringmon will not delete rows to adopt a table`,
        );
      }
      await tx.query(createMetaSql(names));
      await tx.query(`INSERT INTO ${quoteIdent(names.meta)} (capacity, ring_table) VALUES ($1, $2)`, [
        capacity,
        names.table,
      ]);
      adopted = true;
    } else {
      const restored = await restoreMetaRow(tx, names, wanted.capacity ?? DEFAULTS.capacity);
      if (restored !== null) repaired = restored;
    }
  }
  const groups = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    quoteIdent(names.groups),
  ]);
  const groupsMissing = !groups.rows[0]?.present;
  if (groupsMissing) await tx.query(createGroupsSql(names));
  const shareColumn = await ensureNodeShareColumn(tx, names);
  const seq = await tx.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
    table,
    'id',
  ]);
  const sequence = seq.rows[0]?.seq;
  if (sequence === null || sequence === undefined) {
    throw new RingStoreError(
      'schema-mismatch',
      `column ${names.table}.id has no sequence (expected BIGSERIAL)`,
    );
  }
  return {
    sequence,
    created,
    adopted,
    groupsMissing: groupsMissing && !created,
    repaired,
    writeFunction: await ensureWriteFunction(tx, names, sequence, shareColumn),
    shareColumn,
  };
}

/** `no ring table "x" in database d (rings here: a, b)`: what a command that may not create one says. */
async function noRingError(tx: SqlQueryable, table: string): Promise<RingStoreError> {
  const res = await tx.query<{ db: string; ring: string | null }>(
    `SELECT current_database() AS db, m.ring AS ring
       FROM (SELECT 1) one
       LEFT JOIN (SELECT left(c.relname, -length('_ring_meta')) AS ring FROM pg_class c
                   WHERE c.relkind = 'r' AND c.relname LIKE '%\\_ring\\_meta' AND pg_table_is_visible(c.oid)) m ON TRUE
      ORDER BY m.ring`,
  );
  const database = res.rows[0]?.db ?? '?';
  const rings = res.rows.map((r) => r.ring).filter((r): r is string => r !== null);
  const here = rings.length === 0 ? 'no rings here yet' : `rings here: ${rings.join(', ')}`;
  return new RingStoreError(
    'no-ring',
    `no ring table "${table}" in database ${database} (${here}); check --table, or start an agent (ringmon run), which creates it`,
  );
}

/**
 * Recreates the metadata's one row when someone deleted it, from what the table still says: its
 * capacity is the slot range the rows use, or `capacity` (what this opener asks for, or the
 * default) when that is larger, so that no row is outside the ring and none is deleted. The layout
 * becomes one pool: what shares a ring had is not in its rows. Returns the capacity it wrote, or
 * null when the row was there. Holds the ring's advisory lock, as creating a ring does.
 */
async function restoreMetaRow(tx: SqlQueryable, names: RingNames, capacity: number): Promise<number | null> {
  // Asked first, so that a role that may only read the ring never needs INSERT on its metadata.
  const present = await tx.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(names.meta)}) AS present`,
  );
  if (present.rows[0]?.present) return null;
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['ringmon', names.table]);
  const res = await tx.query<{ capacity: number }>(
    `INSERT INTO ${quoteIdent(names.meta)} (capacity, ring_table)
     SELECT greatest($1::integer, coalesce(max(slot) + 1, 0)), $2 FROM ${quoteIdent(names.table)}
     ON CONFLICT (one_row) DO NOTHING
     RETURNING capacity`,
    [capacity, names.table],
  );
  const restored = res.rows[0];
  return restored === undefined ? null : Number(restored.capacity);
}

/** What the store says when it recreated the metadata row. */
function restoredMessage(names: RingNames, capacity: number): string {
  return `the ring's metadata row in ${names.meta} was missing: recreated it from ${names.table} with capacity ${capacity}, one pool (a master's next start or ringmon resize sets the capacity and node share it should have)`;
}

/**
 * Whether the metadata has its node_share column; a ring made before shares existed gets it here
 * when this role owns the metadata table (a nullable column: the server changes only its catalog).
 */
async function ensureNodeShareColumn(tx: SqlQueryable, names: RingNames): Promise<boolean> {
  const found = await tx.query<{ present: boolean; own: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = c.oid AND attname = 'node_share' AND NOT attisdropped) AS present,
            pg_has_role(c.relowner, 'USAGE') AS own
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [quoteIdent(names.meta)],
  );
  const meta = found.rows[0];
  if (meta?.present) return true;
  if (!meta?.own) return false;
  await tx.query(addNodeShareColumnSql(names));
  return true;
}

/**
 * Creates or updates the ring's write function when this role may; false when it may not (no
 * CREATE on the schema, another owner's older function), and the ring then writes with a plain
 * statement, which costs the server more but works the same.
 */
async function ensureWriteFunction(
  tx: SqlQueryable,
  names: RingNames,
  sequence: string,
  shareColumn: boolean,
): Promise<boolean> {
  const body = writeFunctionBody(names, sequence, shareColumn);
  const found = await tx.query<{ body: string; own: boolean }>(
    `SELECT p.prosrc AS body, pg_has_role(p.proowner, 'USAGE') AS own
       FROM pg_proc p WHERE p.oid = to_regprocedure($1)`,
    [`${quoteIdent(names.writeFunction)}(jsonb)`],
  );
  const existing = found.rows[0];
  if (existing?.body === body) return true;
  const allowed = existing
    ? existing.own
    : (
        await tx.query<{ ok: boolean | null }>(
          "SELECT has_schema_privilege(current_schema(), 'CREATE') AS ok",
        )
      ).rows[0]?.ok === true;
  if (!allowed) return false;
  await tx.query(createWriteFunctionSql(names, sequence, shareColumn));
  return true;
}

/** Pairs to register as the two array parameters of the registration, sorted (a stable lock order). */
function pairParams(pairs: readonly [string, string][]): [string[], string[]] {
  const sorted = [...pairs].sort((a, b) => (a[0] === b[0] ? compare(a[1], b[1]) : compare(a[0], b[0])));
  return [sorted.map((p) => p[0]), sorted.map((p) => p[1])];
}

function groupKey(node: string, container: string): string {
  return `${node}\u0000${container}`;
}

export class RingStore {
  /** The ring's table name. */
  readonly table: string;
  /** What open() found: it created the ring, adopted a table of the spec's shape, or opened a ring. */
  readonly opened: 'created' | 'adopted' | 'existing';
  readonly #db: SqlClient;
  readonly #names: RingNames;
  readonly #sequence: string;
  /** Write statements by `rows:register`; the text depends on the batch size. */
  readonly #writeSql = new Map<string, string>();
  readonly #latestSql: string;
  readonly #latestTimesSql: string;
  readonly #aheadSql: string;
  readonly #holdsSql: string;
  /** The call of the ring's write function, or null when the ring writes with plain statements. */
  readonly #callWrite: string | null;
  readonly #useNullForEmpty: boolean;
  readonly #vacuumEvery: number | false | undefined;
  readonly #now: () => number;
  readonly #onWarning: (message: string) => void;
  /** Pair → the last id this store had seen when it registered the pair. */
  readonly #registered = new Map<string, number>();
  #lastSeenId = 0;
  #capacity: number;
  #nodeShare: number | null;
  /** Whether the metadata has node_share (the plain write then refuses a shared-out ring). */
  readonly #shareColumn: boolean;
  readonly #registerSql: string;
  #resizedAtOpen: OpenResize | null = null;
  #closed = false;
  #maintenance: Promise<void> | undefined;
  #lastVacuumError: string | null = null;

  private constructor(init: {
    db: SqlClient;
    names: RingNames;
    sequence: string;
    layout: RingLayout;
    shareColumn: boolean;
    useNullForEmpty: boolean;
    vacuumEvery: number | false | undefined;
    now: () => number;
    onWarning: (message: string) => void;
    opened: 'created' | 'adopted' | 'existing';
    writeFunction: boolean;
  }) {
    this.#db = init.db;
    this.#names = init.names;
    this.table = init.names.table;
    this.#sequence = init.sequence;
    this.#capacity = init.layout.capacity;
    this.#nodeShare = init.layout.nodeShare;
    this.#shareColumn = init.shareColumn;
    this.#registerSql = registerSql(init.names);
    this.#useNullForEmpty = init.useNullForEmpty;
    this.#vacuumEvery = init.vacuumEvery;
    this.#now = init.now;
    this.#onWarning = init.onWarning;
    this.opened = init.opened;
    this.#latestSql = latestSql(init.names);
    this.#latestTimesSql = latestSql(init.names, true);
    this.#aheadSql = aheadSql(init.names);
    this.#holdsSql = holdsSql(init.names);
    this.#callWrite = init.writeFunction ? callWriteSql(init.names) : null;
  }

  /**
   * Opens the ring, creating its table, indexes and metadata when absent. Safe when several agents
   * start at the same moment. An existing table of another shape is an error naming the difference.
   */
  static async open(options: RingStoreOptions): Promise<RingStore> {
    if (typeof options !== 'object' || options === null) {
      throw new RingStoreError('bad-input', 'RingStore.open() takes an options object with at least db');
    }
    const table = validateTableName(options.tableName ?? DEFAULTS.tableName);
    const wantedCapacity = options.capacity === undefined ? undefined : validateCapacity(options.capacity);
    if (
      options.capacityMode !== undefined &&
      options.capacityMode !== 'apply' &&
      options.capacityMode !== 'adopt'
    ) {
      throw new RingStoreError(
        'bad-input',
        `capacityMode ${String(options.capacityMode)} must be 'apply' or 'adopt'`,
      );
    }
    const wantedShare = validateNodeShare(options.nodeShare);
    if (typeof wantedShare === 'number' && wantedCapacity !== undefined)
      checkShareFits(wantedShare, wantedCapacity);
    const every = options.vacuumEvery;
    if (every !== undefined && every !== false && (!Number.isInteger(every) || every < 1)) {
      throw new RingStoreError(
        'bad-input',
        `vacuumEvery ${String(every)} must be a positive whole number or false`,
      );
    }
    const db = await openSqlClient(options.db, options.connection);
    const names = ringNames(table);
    try {
      const schema = await db
        .transaction((tx) =>
          ensureSchema(tx, names, {
            capacity: wantedCapacity,
            unlogged: options.unlogged,
            create: options.create,
          }),
        )
        .catch((err) => {
          throw databaseError('opening the ring', table, err);
        });
      const store = new RingStore({
        db,
        names,
        sequence: schema.sequence,
        layout: await readLayout(db, names),
        shareColumn: schema.shareColumn,
        useNullForEmpty: options.useNullForEmpty ?? true,
        vacuumEvery: every,
        now: options.now ?? Date.now,
        onWarning: options.onWarning ?? (() => {}),
        opened: schema.created ? 'created' : schema.adopted ? 'adopted' : 'existing',
        writeFunction: schema.writeFunction,
      });
      if (schema.repaired !== null) store.#onWarning(restoredMessage(names, schema.repaired));
      const apply = options.capacityMode !== 'adopt';
      const capacity = apply ? (wantedCapacity ?? store.#capacity) : store.#capacity;
      const nodeShare = apply && wantedShare !== undefined ? wantedShare : store.#nodeShare;
      if (schema.adopted || capacity !== store.#capacity || nodeShare !== store.#nodeShare) {
        // Adopting lays the rows out in ring order; a different capacity or share resizes.
        const from = { capacity: store.#capacity, nodeShare: store.#nodeShare };
        const { dropped } = await store.#resize({ capacity, nodeShare }, schema.adopted);
        if (!schema.adopted) store.#resizedAtOpen = { from, to: { capacity, nodeShare }, dropped };
      }
      if (schema.adopted || schema.groupsMissing) await store.refreshGroups();
      return store;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** The capacity as this store last read or set it. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * What opening changed: the layout the ring had, the one the options asked for (capacityMode
   * 'apply'), and the rows that had no room in it; null when opening resized nothing.
   */
  get resizedAtOpen(): OpenResize | null {
    return this.#resizedAtOpen;
  }

  /** Rows each node keeps, as this store last read or set it; null when the ring is one pool. */
  get nodeShare(): number | null {
    return this.#nodeShare;
  }

  /**
   * The store's SQL client, for read-only queries the store does not offer (the dashboard's time
   * windows, src/web/queries.ts). The store closes it; callers must not.
   */
  get sqlClient(): SqlClient {
    this.#assertOpen();
    return this.#db;
  }

  /**
   * Stores a batch (a host row and its containers' rows, say) in one statement and one round trip.
   * Rows are objects keyed by the spec's column names; the ring assigns id and slot. Resolves once
   * the batch is committed; rejects with a RingStoreError, in which case nothing of it was stored.
   */
  async write(rows: readonly SampleInput[]): Promise<WriteResult> {
    this.#assertOpen();
    if (!Array.isArray(rows)) throw new RingStoreError('bad-input', 'write() takes an array of rows');
    if (rows.length === 0) return { written: 0, ids: [] };
    const values = toRowValues(rows, this.#useNullForEmpty);
    let fresh = this.#unregisteredPairs(rows);
    let res: { rows: { id: number }[] };
    try {
      res = await this.#writeValues(values, fresh).catch(async (err: unknown) => {
        // Someone dropped the ring under this writer: make it again and write (said once, loudly).
        if (isMissingRing(err, this.#names)) {
          await this.#recreate();
          fresh = this.#unregisteredPairs(rows);
          return this.#writeValues(values, fresh);
        }
        // The plain statement stores nothing in a ring someone shared out per node since we read
        // its layout (its slot is NULL then): read the layout again and write the way it says. A
        // slot is NULL too when someone deleted the metadata row: recreate it and write.
        if (!isNullSlot(err)) throw err;
        const layout = await this.#layoutOrRestore();
        if (layout === null) throw err;
        this.#capacity = layout.capacity;
        this.#nodeShare = layout.nodeShare;
        return this.#writeValues(values, fresh);
      });
    } catch (err) {
      throw this.#writeError(rows.length, err);
    }
    const ids = res.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    for (const [node, container] of fresh) this.#registered.set(groupKey(node, container), this.#lastSeenId);
    const first = ids[0];
    const last = ids[ids.length - 1];
    if (first !== undefined && last !== undefined) {
      this.#lastSeenId = Math.max(this.#lastSeenId, last);
      this.#maybeMaintain(first, last);
    }
    return { written: ids.length, ids };
  }

  /**
   * Creates the ring again after someone dropped its table (DROP TABLE, a restore of an older
   * dump), as opening it would, with the capacity this store knew; what the dropped table held is
   * gone, and the warning says so.
   */
  async #recreate(): Promise<void> {
    const schema = await this.#db
      .transaction((tx) => ensureSchema(tx, this.#names, { capacity: this.#capacity, unlogged: undefined }))
      .catch((err) => {
        throw databaseError('recreating the ring', this.table, err);
      });
    if (schema.sequence !== this.#sequence) {
      throw new RingStoreError(
        'schema-mismatch',
        `${this.table} was made again with another id sequence (${schema.sequence}, not ${this.#sequence}): reopen the ring`,
      );
    }
    this.#registered.clear();
    this.#lastSeenId = 0;
    const layout = await readLayout(this.#db, this.#names);
    this.#capacity = layout.capacity;
    this.#nodeShare = layout.nodeShare;
    if (schema.created) {
      this.#onWarning(
        `ring table ${this.table} was dropped while this store wrote to it: created it again (capacity ${layout.capacity}) and carried on; the rows it held are gone`,
      );
    } else if (schema.adopted) {
      this.#onWarning(
        `the ring's metadata table ${this.#names.meta} was dropped while this store wrote to it: created it again (capacity ${layout.capacity}) and carried on`,
      );
    }
  }

  /**
   * After a write that found no slot: the layout the metadata holds now when it differs from one
   * pool (someone shared the ring out meanwhile), or, when the metadata row is gone, the layout of
   * the row recreated from the table; null when the failure was not either of these.
   */
  async #layoutOrRestore(): Promise<RingLayout | null> {
    let layout = await readLayout(this.#db, this.#names).catch((err: unknown) => {
      if (err instanceof RingStoreError && err.code === 'ring-state') return null;
      throw err;
    });
    if (layout === null) {
      const restored = await this.#db.transaction((tx) => restoreMetaRow(tx, this.#names, this.#capacity));
      if (restored !== null) this.#onWarning(restoredMessage(this.#names, restored));
      layout = await readLayout(this.#db, this.#names);
    } else if (layout.nodeShare === null) {
      return null;
    }
    this.#capacity = layout.capacity;
    this.#nodeShare = layout.nodeShare;
    return layout;
  }

  async #writeValues(values: unknown[][], fresh: [string, string][]): Promise<{ rows: { id: number }[] }> {
    if (this.#nodeShare !== null && this.#callWrite === null) {
      throw new RingStoreError(
        'ring-state',
        `ring ${this.table} keeps a share per node, which only its write function ${this.#names.writeFunction} can write, and this role could not create that function: open the ring once as its owner (or grant CREATE on the schema)`,
      );
    }
    if (values.length <= MAX_ROWS_PER_STATEMENT) return this.#writeChunk(this.#db, values, fresh);
    // PostgreSQL binds at most 65,535 parameters per statement: a long backlog goes in chunks,
    // in one transaction, so that the batch is still stored whole or not at all.
    return this.#db.transaction(async (tx) => {
      const all: { id: number }[] = [];
      for (let i = 0; i < values.length; i += MAX_ROWS_PER_STATEMENT) {
        const chunk = values.slice(i, i + MAX_ROWS_PER_STATEMENT);
        all.push(...(await this.#writeChunk(tx, chunk, i === 0 ? fresh : [])).rows);
      }
      return { rows: all };
    });
  }

  async #writeChunk(db: SqlQueryable, values: unknown[][], fresh: [string, string][]) {
    const register = fresh.length > 0;
    // The usual batch: the rows as one JSON parameter to the write function, whose plan the
    // server session keeps. In a pooled ring, a batch with pairs to register (a writer's first,
    // and one a lap) takes the plain statement, which registers them in the same round trip; a
    // ring shared out per node registers them first, since only the function knows the shares.
    if (this.#callWrite !== null && (!register || this.#nodeShare !== null)) {
      if (register) await db.query(this.#registerSql, pairParams(fresh));
      return db.query<{ id: number }>(this.#callWrite, [JSON.stringify(values)]);
    }
    const key = `${values.length}:${register}`;
    let sql = this.#writeSql.get(key);
    if (sql === undefined) {
      sql = writeSql(this.#names, this.#sequence, values.length, register, this.#shareColumn);
      // An agent writes one batch size; one catching up after outages writes many (a 500-row
      // text is 370 KB): keep a few, not every size ever seen.
      if (this.#writeSql.size >= 8) this.#writeSql.clear();
      this.#writeSql.set(key, sql);
    }
    // A plain loop: Array.prototype.flat took 12 % of the writer's CPU (measured, 11 rows × 50).
    const params: unknown[] = [];
    for (const row of values) for (const value of row) params.push(value);
    if (register) params.push(...pairParams(fresh));
    // Unnamed: a named statement would live in the server session, which pgbouncer's transaction
    // pooling and the embedded socket share between clients.
    return db.query<{ id: number }>(sql, params);
  }

  /** Pairs of this batch the groups table may not hold: never registered by us, or not this lap. */
  #unregisteredPairs(rows: readonly SampleInput[]): [string, string][] {
    const fresh = new Map<string, [string, string]>();
    for (const row of rows) {
      const container = row.node_flag ? '' : (row.container_name ?? '');
      const key = groupKey(row.node_name, container);
      const at = this.#registered.get(key);
      if (at === undefined || this.#lastSeenId - at > this.#capacity)
        fresh.set(key, [row.node_name, container]);
    }
    return [...fresh.values()];
  }

  #writeError(count: number, err: unknown): unknown {
    if (err instanceof RingStoreError) {
      if (err.code === 'connection-lost') {
        return new RingStoreError(
          'connection-lost',
          `writing ${count} row(s) to ${this.table} failed and nothing of the batch was stored: ${err.message}`,
          { cause: err },
        );
      }
      return err;
    }
    const d = asDriverError(err);
    if (isNullSlot(err)) {
      return new RingStoreError(
        'ring-state',
        `the ring's metadata table ${this.#names.meta} has no capacity row; reopening the ring (any ringmon command, or RingStore.open) recreates it from the table`,
        { cause: err },
      );
    }
    if (d.code === NO_SHARE_SQLSTATE) {
      const hint = (err as { hint?: string }).hint;
      return new RingStoreError('no-share', `${oneLine(d.message ?? '')}${hint ? `: ${hint}` : ''}`, {
        cause: err,
      });
    }
    return databaseError(`writing ${count} row(s)`, this.table, err);
  }

  /**
   * Changes the capacity, and with `nodeShare` how the ring is shared out (see
   * {@link RingStoreOptions.nodeShare}; null: one pool). In a pool, growing keeps every row and
   * shrinking keeps the newest n (by id); shared out, the nodes that wrote last keep a share each
   * and each its newest rows. Writers on other connections wait while it runs and then continue in
   * the new layout; none fails. Resolves with how many rows the new layout had no room for.
   */
  async setCapacity(n: number, options: { nodeShare?: number | null } = {}): Promise<ResizeResult> {
    this.#assertOpen();
    const capacity = validateCapacity(n);
    const nodeShare =
      options.nodeShare === undefined ? this.#nodeShare : (validateNodeShare(options.nodeShare) ?? null);
    return this.#resize({ capacity, nodeShare }, false);
  }

  async #resize(layout: RingLayout, relayoutAlways: boolean): Promise<ResizeResult> {
    const { capacity, nodeShare } = layout;
    const table = quoteIdent(this.#names.table);
    const meta = quoteIdent(this.#names.meta);
    const shares = quoteIdent(this.#names.shares);
    const seq = quoteLiteral(this.#sequence);
    const what =
      nodeShare === null
        ? `resizing the ring to ${capacity} rows`
        : `resizing the ring to ${capacity} rows in shares of ${nodeShare} per node`;
    if (nodeShare !== null) {
      checkShareFits(nodeShare, capacity);
      if (!this.#shareColumn) {
        throw new RingStoreError(
          'ring-state',
          `ring ${this.table} was made before per-node shares existed and this role does not own ${this.#names.meta}: open it once as its owner, who adds the column node_share`,
        );
      }
      if (this.#callWrite === null) {
        throw new RingStoreError(
          'ring-state',
          `per-node shares need the ring's write function ${this.#names.writeFunction}, which this role may not create: open the ring once as its owner (or grant CREATE on the schema)`,
        );
      }
    }
    let dropped = 0;
    try {
      await this.#db.transaction(async (tx) => {
        // Writers into shares lock the shares table before the ring, so the resize does too.
        if (nodeShare !== null) await tx.query(createSharesSql(this.#names));
        const hasShares = (
          await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [shares])
        ).rows[0]?.present;
        if (hasShares) await tx.query(`LOCK TABLE ${shares} IN EXCLUSIVE MODE`);
        await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
        const current = await tx.query<Record<string, unknown>>(`SELECT * FROM ${meta} FOR UPDATE`);
        const row = current.rows[0];
        if (row === undefined)
          throw new RingStoreError('ring-state', `${this.#names.meta} has no capacity row`);
        const old = layoutOf(row);
        if (old.capacity === capacity && old.nodeShare === nodeShare && !relayoutAlways) return;
        const before = await countRows(tx, table);
        const last = await tx.query<{ seq: number; max: number }>(
          `SELECT coalesce(pg_sequence_last_value(${seq}::regclass), 0)::bigint AS seq,
                  (SELECT coalesce(max(id), 0) FROM ${table})::bigint AS max`,
        );
        const seqLast = Number(last.rows[0]?.seq ?? 0);
        const maxId = Number(last.rows[0]?.max ?? 0);
        if (maxId > seqLast) {
          // Only a table written by something else gets here: new ids must stay above the old ones.
          await tx.query(`SELECT setval(${seq}::regclass, $1::bigint)`, [maxId]);
        }
        if (nodeShare === null) {
          await layOutPool(tx, table, capacity, Math.max(seqLast, maxId));
          if (hasShares) await tx.query(`DELETE FROM ${shares}`);
        } else {
          for (const statement of shareLayoutSql(this.#names, Math.floor(capacity / nodeShare), nodeShare)) {
            await tx.query(statement.sql, statement.params);
          }
          const previous = await tx.query<{ node_name: string; last_write: Date | string }>(
            `DELETE FROM ${shares} RETURNING node_name, last_write`,
          );
          await tx.query(rebuildSharesSql(this.#names), [
            previous.rows.map((r) => r.node_name),
            previous.rows.map((r) =>
              r.last_write instanceof Date ? r.last_write.toISOString() : r.last_write,
            ),
          ]);
        }
        dropped = before - (await countRows(tx, table));
        await tx.query(
          `UPDATE ${meta} SET capacity = $1${this.#shareColumn ? ', node_share = $2' : ''}`,
          this.#shareColumn ? [capacity, nodeShare] : [capacity],
        );
      });
    } catch (err) {
      throw databaseError(what, this.table, err);
    }
    this.#capacity = capacity;
    this.#nodeShare = nodeShare;
    return { dropped };
  }

  /**
   * Deletes rows whose sample_time is more than `keepHours` before now and returns how many. Their
   * slots stay empty until the ring comes round to them again.
   */
  async cleanupOldSamples(keepHours: number): Promise<number> {
    this.#assertOpen();
    if (
      typeof keepHours !== 'number' ||
      !Number.isFinite(keepHours) ||
      keepHours < 0 ||
      keepHours > MAX_KEEP_HOURS
    ) {
      throw new RingStoreError(
        'bad-input',
        `keepHours ${String(keepHours)} must be a number of hours from 0 to ${MAX_KEEP_HOURS} (a thousand years)`,
      );
    }
    const cutoff = Math.floor(this.#now() / 1000 - keepHours * 3600);
    const table = quoteIdent(this.#names.table);
    try {
      return await this.#db.transaction(async (tx) => {
        // Writers overwrite exactly the oldest rows, which are the ones this deletes; taking the
        // table first keeps the two from locking those rows in opposite orders (a deadlock).
        await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
        const res = await tx.query(`DELETE FROM ${table} WHERE sample_time < $1`, [cutoff]);
        return res.rowCount;
      });
    } catch (err) {
      throw databaseError('deleting old samples', this.table, err);
    }
  }

  /** Newest rows first (by sample_time, then id), optionally of one node and/or one container name. */
  async recent(query: RecentQuery = {}): Promise<SampleRow[]> {
    this.#assertOpen();
    const limit = query.limit ?? DEFAULT_RECENT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_LIMIT) {
      throw new RingStoreError(
        'bad-input',
        `limit ${String(limit)} must be a whole number from 1 to ${MAX_RECENT_LIMIT}`,
      );
    }
    for (const [key, value] of [
      ['node', query.node],
      ['container', query.container],
    ] as const) {
      if (value !== undefined && typeof value !== 'string') {
        throw new RingStoreError('bad-input', `${key} must be a string`);
      }
    }
    const { sql, params } = recentSql(this.#names, limit, query.node, query.container);
    try {
      const res = await this.#db.query<unknown[]>(sql, params, { rowMode: 'array' });
      return res.rows.map(sampleRowFromValues);
    } catch (err) {
      throw databaseError('reading recent samples', this.table, err);
    }
  }

  /**
   * The newest row of every node's host rows and of every container, ordered by node, host row
   * first. Its cost follows the number of nodes and containers, not the capacity. Rows stamped more
   * than CLOCK_AHEAD_TOLERANCE_SECONDS after the store's clock are passed over (a writer whose clock
   * ran ahead): {@link aheadOfClock} lists whose they are.
   */
  async latest(options: ReadClock = {}): Promise<SampleRow[]> {
    this.#assertOpen();
    try {
      const nowMs = options.nowMs ?? this.#now();
      const res = await this.#db.query<unknown[]>(this.#latestSql, [this.#saneUntil(nowMs)], {
        rowMode: 'array',
      });
      return res.rows.map(sampleRowFromValues);
    } catch (err) {
      throw databaseError('reading the latest samples', this.table, err);
    }
  }

  /**
   * The nodes whose agents wrote as the master (host rows with master_flag) since `sinceEpoch`
   * (seconds), each with its newest such sample_time, newest first. The master index
   * (sample_time DESC WHERE master_flag AND node_flag) reads only those rows.
   */
  async masters(sinceEpoch: number): Promise<{ node: string; newest: number }[]> {
    this.#assertOpen();
    try {
      const res = await this.#db.query<{ node: string; newest: string | number }>(
        `SELECT node_name AS node, max(sample_time) AS newest FROM ${quoteIdent(this.table)}
          WHERE master_flag = TRUE AND node_flag = TRUE AND sample_time >= $1
          GROUP BY node_name ORDER BY newest DESC`,
        [sinceEpoch],
      );
      return res.rows.map((r) => ({ node: r.node, newest: Number(r.newest) }));
    } catch (err) {
      throw databaseError('reading the masters', this.table, err);
    }
  }

  /**
   * Whether the ring holds a row equal to `row` in every column it gives (the others at their
   * defaults): the question a lost answer leaves open — did that batch commit? — asked of its last
   * row. Rows are checked as write() checks them.
   */
  async holds(row: SampleInput): Promise<boolean> {
    this.#assertOpen();
    const [values] = toRowValues([row], this.#useNullForEmpty);
    try {
      const res = await this.#db.query(this.#holdsSql, values);
      return res.rows.length > 0;
    } catch (err) {
      throw databaseError('looking for a written row', this.table, err);
    }
  }

  /** The newest sample_time a read takes for a real one: now plus the tolerance. */
  #saneUntil(nowMs: number): number {
    return Math.floor(nowMs / 1000) + CLOCK_AHEAD_TOLERANCE_SECONDS;
  }

  async #ahead(db: SqlQueryable, nowMs: number): Promise<AheadOfClock[]> {
    const res = await db.query<{ node_name: string; container_name: string | null; newest: string | number }>(
      this.#aheadSql,
      [this.#saneUntil(nowMs)],
    );
    const now = nowMs / 1000;
    return res.rows.map((r) => ({
      node_name: r.node_name,
      container_name: r.container_name,
      newest: Number(r.newest),
      ahead_seconds: Math.round(Number(r.newest) - now),
    }));
  }

  /**
   * Every node and container with samples stamped in the future (more than
   * CLOCK_AHEAD_TOLERANCE_SECONDS after the store's clock): a writer whose clock is, or was,
   * ahead. latest() passes over those samples; this says whom they belong to.
   */
  async aheadOfClock(options: ReadClock = {}): Promise<AheadOfClock[]> {
    this.#assertOpen();
    try {
      return await this.#ahead(this.#db, options.nowMs ?? this.#now());
    } catch (err) {
      throw databaseError('reading the samples from the future', this.table, err);
    }
  }

  /** Capacity, fill, sizes, vacuum state and the newest sample of every node and container. */
  async state(): Promise<RingState> {
    this.#assertOpen();
    const t = quoteLiteral(quoteIdent(this.#names.table));
    const seq = quoteLiteral(this.#sequence);
    type Row = {
      capacity: number;
      node_share: number | null;
      rows_used: number;
      last_id: number;
      oldest: number | null;
      newest: number | null;
      table_bytes: number;
      index_bytes: number;
      total_bytes: number;
      unlogged: boolean;
      live: number | null;
      dead: number | null;
      last_vacuum: Date | string | null;
      last_autovacuum: Date | string | null;
    };
    let row: Row | undefined;
    let latest: SampleRow[];
    let ahead: AheadOfClock[];
    let sharesHeld = 0;
    try {
      const table = quoteIdent(this.#names.table);
      const res = await this.#db.query<Row>(
        `SELECT m.capacity, ${this.#shareColumn ? 'm.node_share' : 'NULL::integer AS node_share'},
                (SELECT count(*) FROM ${table})::bigint AS rows_used,
                coalesce(pg_sequence_last_value(${seq}::regclass), 0)::bigint AS last_id,
                (SELECT min(sample_time) FROM ${table}) AS oldest,
                (SELECT max(sample_time) FROM ${table}) AS newest,
                pg_table_size(${t}::regclass)::bigint AS table_bytes,
                pg_indexes_size(${t}::regclass)::bigint AS index_bytes,
                pg_total_relation_size(${t}::regclass)::bigint AS total_bytes,
                (SELECT relpersistence = 'u' FROM pg_class WHERE oid = ${t}::regclass) AS unlogged,
                s.n_live_tup::bigint AS live, s.n_dead_tup::bigint AS dead,
                s.last_vacuum, s.last_autovacuum
           FROM ${quoteIdent(this.#names.meta)} m
           LEFT JOIN pg_stat_user_tables s ON s.relid = ${t}::regclass`,
      );
      row = res.rows[0];
      if (row?.node_share != null) {
        const held = await this.#db.query<{ n: number }>(
          `SELECT count(*)::bigint AS n FROM ${quoteIdent(this.#names.shares)}`,
        );
        sharesHeld = Number(held.rows[0]?.n ?? 0);
      }
      const nowMs = this.#now();
      latest = (await this.#db.query<SampleRow>(this.#latestTimesSql, [this.#saneUntil(nowMs)])).rows;
      ahead = await this.#ahead(this.#db, nowMs);
    } catch (err) {
      throw databaseError('reading the ring state', this.table, err);
    }
    if (row === undefined) throw new RingStoreError('ring-state', `${this.#names.meta} has no capacity row`);
    this.#capacity = row.capacity;
    this.#nodeShare = row.node_share;
    const lastId = Number(row.last_id);
    const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
    return {
      table: this.table,
      backend: this.#db.backend,
      target: this.#db.target,
      unlogged: row.unlogged,
      capacity: row.capacity,
      nodeShare: row.node_share,
      shares:
        row.node_share === null
          ? null
          : { total: Math.floor(row.capacity / row.node_share), held: sharesHeld },
      rowsUsed: Number(row.rows_used),
      lastId,
      nextSlot: lastId % row.capacity,
      oldestSampleTime: row.oldest === null ? null : Number(row.oldest),
      newestSampleTime: row.newest === null ? null : Number(row.newest),
      tableBytes: Number(row.table_bytes),
      indexBytes: Number(row.index_bytes),
      totalBytes: Number(row.total_bytes),
      liveTuples: row.live === null ? null : Number(row.live),
      deadTuples: row.dead === null ? null : Number(row.dead),
      lastVacuum: toDate(row.last_vacuum),
      lastAutovacuum: toDate(row.last_autovacuum),
      lastVacuumError: this.#lastVacuumError,
      ahead,
      latest: latest.map((r) => ({
        node_name: r.node_name as string,
        container_name: r.container_name as string | null,
        sample_time: r.sample_time as number | null,
        interval_seconds: r.interval_seconds as number | null,
      })),
    };
  }

  /**
   * VACUUMs the ring: makes the space of overwritten row versions reusable, which is what keeps the
   * table and its indexes at a constant size. Skipped, not waited for, when another VACUUM or a
   * resize holds the table. The ring runs it itself every `vacuumEvery` writes; call it on a
   * schedule of your own when you turn that off.
   */
  async vacuum(options: { analyze?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    const t = quoteIdent(this.#names.table);
    try {
      // Anyone else's VACUUM is skipped with a WARNING, not an error: find out first, so that a
      // ring that cannot keep its size says so in state().
      const owner = await this.#db.query<{ ok: boolean }>(
        'SELECT pg_has_role(relowner, $2) AS ok FROM pg_class WHERE oid = to_regclass($1)',
        [t, 'USAGE'],
      );
      if (owner.rows[0]?.ok === false) {
        this.#lastVacuumError = `VACUUM of ${this.table} skipped: only its owner can vacuum it, so it grows until the owner or autovacuum does`;
        return;
      }
      // TRUNCATE OFF: a ring reuses its space, so giving the tail pages back to the file system only
      // to extend the file again is waste, and truncating needs a lock that stalls the writers.
      const analyze = options.analyze ? `, ANALYZE) ${t} (${ANALYZED_COLUMNS})` : `) ${t}`;
      await this.#db.query(`VACUUM (SKIP_LOCKED, TRUNCATE OFF${analyze}`);
      this.#lastVacuumError = null;
    } catch (err) {
      const wrapped = databaseError('vacuuming the ring', this.table, err);
      this.#lastVacuumError = wrapped instanceof Error ? wrapped.message : String(wrapped);
      throw wrapped;
    }
  }

  /**
   * Brings the table of (node, container) pairs in line with the rows: adds pairs written by others
   * than RingStore, drops pairs whose rows are all gone. The ring runs it once per lap.
   */
  async refreshGroups(): Promise<void> {
    this.#assertOpen();
    try {
      for (const sql of refreshGroupsSql(this.#names)) await this.#db.query(sql);
    } catch (err) {
      throw databaseError('refreshing the list of nodes and containers', this.table, err);
    }
  }

  #everyWrites(): number | false {
    if (this.#vacuumEvery !== undefined) return this.#vacuumEvery;
    return Math.max(200, Math.ceil(this.#capacity / 4));
  }

  /** Starts maintenance when this batch's ids crossed a multiple of `vacuumEvery` (one writer does). */
  #maybeMaintain(firstId: number, lastId: number): void {
    const every = this.#everyWrites();
    if (every === false || this.#maintenance !== undefined) return;
    if (Math.floor(lastId / every) === Math.floor((firstId - 1) / every)) return;
    // On the first lap and every tenth after: statistics (autovacuum may be off, and then the
    // planner knows nothing) and the list of pairs. A ring's distribution hardly changes from lap
    // to lap, and ANALYZE costs ten vacuums.
    const lap = Math.floor(lastId / this.#capacity);
    const newLap = lap !== Math.floor((firstId - 1) / this.#capacity);
    const slow = newLap && lap % 10 === 1;
    this.#maintenance = (async () => {
      await this.vacuum({ analyze: slow });
      if (slow) await this.refreshGroups();
    })()
      .catch((err: unknown) => {
        // Shown by state(); failed maintenance must not fail the writes.
        this.#lastVacuumError = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        this.#maintenance = undefined;
      });
  }

  /** Waits for maintenance the ring started, if any is running (tests and benchmarks use it). */
  async settle(): Promise<void> {
    await this.#maintenance;
  }

  /** Closes what the store opened; a pool, client or PGlite instance the caller passed stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#maintenance;
    await this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RingStoreError('closed', `the ring store for ${this.table} is closed`);
  }
}

/** The capacity and node share the metadata holds (node_share is absent from rings made before it). */
async function readLayout(db: SqlQueryable, names: RingNames): Promise<RingLayout> {
  const res = await db.query<Record<string, unknown>>(`SELECT * FROM ${quoteIdent(names.meta)}`);
  const row = res.rows[0];
  if (row === undefined) throw new RingStoreError('ring-state', `${names.meta} has no capacity row`);
  return layoutOf(row);
}

/** The layout of a metadata row read with `SELECT *` (so that a missing node_share reads as null). */
function layoutOf(meta: Record<string, unknown>): RingLayout {
  return {
    capacity: Number(meta.capacity),
    nodeShare: meta.node_share == null ? null : Number(meta.node_share),
  };
}

/** A node share as options give it: rows, null (one pool) or undefined (the ring's own) pass. */
function validateNodeShare(rows: unknown): number | null | undefined {
  if (rows === undefined || rows === null) return rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1 || rows > MAX_CAPACITY) {
    throw new RingStoreError(
      'bad-input',
      `node share ${String(rows)} is invalid: it must be a whole number of rows from 1 to ${MAX_CAPACITY}, or null for one pool`,
    );
  }
  return rows;
}

function checkShareFits(nodeShare: number, capacity: number): void {
  if (nodeShare > capacity) {
    throw new RingStoreError(
      'bad-input',
      `node share ${nodeShare} is larger than the capacity ${capacity}: a share is part of the capacity, so give a share of at most ${capacity} rows`,
    );
  }
}

/** The plain write's failure in a ring whose metadata it cannot use (no row, or shared out per node). */
/** A write that failed because the ring's table (or its write function) is not there. */
function isMissingRing(err: unknown, names: RingNames): boolean {
  const d = asDriverError(err);
  const message = d.message ?? '';
  if (d.code === '42P01')
    return [names.table, names.meta, names.groups].some((t) => message.includes(`"${t}"`));
  return d.code === '42883' && message.includes(names.writeFunction);
}

function isNullSlot(err: unknown): boolean {
  const d = asDriverError(err);
  return d.code === '23502' && /slot/.test(d.message ?? '');
}

async function countRows(tx: SqlQueryable, table: string): Promise<number> {
  const res = await tx.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${table}`);
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Keeps the newest `capacity` rows and lays them out as if they had just been written, oldest
 * first, the newest in the slot of the last id handed out: the next write (that id + 1) lands
 * right after it, and the oldest row is the first one overwritten. Without gaps in the ids this is
 * exactly slot = (id − 1) mod capacity.
 */
async function layOutPool(tx: SqlQueryable, table: string, capacity: number, lastId: number): Promise<void> {
  // The PRIMARY KEY index finds the cut-off id directly.
  await tx.query(
    `DELETE FROM ${table} WHERE id < (SELECT id FROM ${table} ORDER BY id DESC OFFSET $1::bigint - 1 LIMIT 1)`,
    [capacity],
  );
  const ranked = `SELECT id, ((($1::bigint - count(*) OVER () + row_number() OVER (ORDER BY id) - 1) % $2)::integer) AS slot FROM ${table}`;
  // Two passes, because UNIQUE (slot) is checked row by row: rows that move first park on
  // negative slots, which no other row uses, then take their new ones.
  const params = [lastId, capacity];
  await tx.query(
    `UPDATE ${table} t SET slot = -1 - t.slot FROM (${ranked}) k WHERE t.id = k.id AND t.slot <> k.slot`,
    params,
  );
  await tx.query(
    `UPDATE ${table} t SET slot = k.slot FROM (${ranked}) k WHERE t.id = k.id AND t.slot <> k.slot`,
    params,
  );
}
