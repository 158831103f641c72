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
import type { SampleInput, SampleRow } from '../columns.js';
import { DEFAULTS } from '../defaults.js';
import { asDriverError, oneLine, RingmonError } from './errors.js';
import { ALL_COLUMN_NAMES, toColumnArrays } from './rows.js';
import {
  arrayType,
  columnShape,
  createIndexSql,
  createMetaSql,
  createTableSql,
  existingIndexes,
  INPUT_COLUMNS,
  quoteIdent,
  quoteLiteral,
  type RingNames,
  ringNames,
  shapeDifferences,
  validateCapacity,
  validateTableName,
} from './schema.js';
import { type OpenSqlClientOptions, openSqlClient, type RingDb, type SqlClient, type SqlQueryable } from './sql-client.js';

export interface RingStoreOptions {
  /** Where the ring lives; see {@link RingDb}. */
  db: RingDb;
  /** Table name, a plain identifier (`^[a-z_][a-z0-9_]{0,62}$`). Default `monitor_samples_ring`. */
  tableName?: string;
  /**
   * Rows the ring holds. A new ring is created with it (default 10,000). For an existing ring,
   * leaving it out adopts the stored capacity; a different value resizes the ring (as setCapacity).
   */
  capacity?: number;
  /**
   * Create the table UNLOGGED: no WAL, so writes are cheaper, but PostgreSQL empties the table
   * after a crash or an unclean shutdown. For an existing table, a value that does not match is an error.
   */
  unlogged?: boolean;
  /** Metric columns a row leaves out are stored as NULL (default) or, when false, as 0. */
  useNullForEmpty?: boolean;
  /**
   * The ring vacuums itself after this many writes (ring-wide, by whichever writer crosses the mark),
   * which is what keeps its size constant; default a fifth of the capacity, at least 200. `false`
   * leaves vacuuming to autovacuum or to the caller's {@link RingStore.vacuum}.
   */
  vacuumEvery?: number | false;
  /** Clock for cleanupOldSamples, in epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Connection settings for a db the store opens itself. */
  connection?: OpenSqlClientOptions;
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
}

export interface RingState {
  table: string;
  backend: 'postgres' | 'pglite';
  target: string;
  unlogged: boolean;
  capacity: number;
  /** Rows in the table now (≤ capacity). */
  rowsUsed: number;
  /** Id of the last write handed out (0 before the first). */
  lastId: number;
  /** Slot the next write fills: lastId mod capacity. */
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
  /** The newest sample_time of every node's host rows and of every container. */
  latest: LatestSample[];
}

const DEFAULT_RECENT_LIMIT = 100;
const MAX_RECENT_LIMIT = 1_000_000;

function databaseError(what: string, table: string, err: unknown): unknown {
  if (err instanceof RingmonError) return err;
  const d = asDriverError(err);
  return new RingmonError(
    'database',
    `${what} (table ${table}) failed: ${oneLine(d.message ?? String(err))}${d.code ? ` [${d.code}]` : ''}`,
    { cause: err },
  );
}

/** Resolves the ring's sequence and checks or creates its objects, under an advisory lock. */
async function ensureSchema(
  tx: SqlQueryable,
  names: RingNames,
  wanted: { capacity: number | undefined; unlogged: boolean | undefined },
): Promise<{ sequence: string; created: boolean; adopted: boolean }> {
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
      throw new RingmonError(
        'schema-mismatch',
        `${names.table} exists but is not an ordinary table (relkind ${existing.kind}); ringmon will not use it`,
      );
    }
    const diffs = await shapeDifferences(tx, names.table);
    const isUnlogged = existing.persistence === 'u';
    if (wanted.unlogged !== undefined && wanted.unlogged !== isUnlogged) {
      diffs.push(`table is ${isUnlogged ? 'UNLOGGED' : 'logged'}, unlogged: ${wanted.unlogged} was asked for`);
    }
    const indexes = await existingIndexes(tx, names.table);
    for (const index of names.indexes) {
      const have = indexes.get(index.name);
      if (have !== undefined && have !== index.canonical) {
        diffs.push(`index ${index.name} is ${have}, expected ${index.canonical}`);
      }
    }
    if (diffs.length > 0) {
      throw new RingmonError(
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
        throw new RingmonError(
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
    }
  }
  const seq = await tx.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [
    table,
    'id',
  ]);
  const sequence = seq.rows[0]?.seq;
  if (sequence === null || sequence === undefined) {
    throw new RingmonError('schema-mismatch', `column ${names.table}.id has no sequence (expected BIGSERIAL)`);
  }
  return { sequence, created, adopted };
}

/**
 * The write statement: one round trip per batch, one array parameter per column, so the text is the
 * same for every batch size and the server can keep it prepared.
 */
function writeSql(names: RingNames, sequence: string): string {
  const table = quoteIdent(names.table);
  const inputs = INPUT_COLUMNS.map((c) => quoteIdent(c.name));
  const unnestArgs = INPUT_COLUMNS.map((c, i) => `$${i + 1}::${arrayType(c)}`).join(', ');
  // Columns with a DEFAULT in the spec get it when the writer leaves them out.
  const values = INPUT_COLUMNS.map((c) => {
    const def = columnShape(c).default;
    const ref = `u.${quoteIdent(c.name)}`;
    return def === null ? ref : `COALESCE(${ref}, ${def}) AS ${quoteIdent(c.name)}`;
  });
  const allCols = ['"id"', '"slot"', ...inputs];
  const updates = allCols.filter((c) => c !== '"slot"').map((c) => `${c} = EXCLUDED.${c}`);
  return `INSERT INTO ${table} AS r (${allCols.join(', ')})
SELECT DISTINCT ON (w.slot) w.*
  FROM (SELECT u.n AS id,
               ((u.n - 1) % (SELECT capacity FROM ${quoteIdent(names.meta)}))::integer AS slot,
               ${values.join(', ')}
          FROM (SELECT nextval(${quoteLiteral(sequence)}::regclass) AS n, x.*
                  FROM unnest(${unnestArgs}) AS x(${inputs.join(', ')})) u) w
 ORDER BY w.slot, w.id DESC
ON CONFLICT ("slot") DO UPDATE SET ${updates.join(', ')}
 WHERE r."id" < EXCLUDED."id"
RETURNING r."id"`;
}

export class RingStore {
  readonly tableName: string;
  readonly #db: SqlClient;
  readonly #names: RingNames;
  readonly #sequence: string;
  readonly #writeSql: string;
  readonly #useNullForEmpty: boolean;
  readonly #vacuumEvery: number | false | undefined;
  readonly #now: () => number;
  readonly #columns: string;
  #capacity: number;
  #closed = false;
  #vacuuming: Promise<void> | undefined;
  #lastVacuumError: string | null = null;
  /** What open() did to the database: created the ring, adopted a table, or found it ready. */
  readonly opened: 'created' | 'adopted' | 'existing';

  private constructor(init: {
    db: SqlClient;
    names: RingNames;
    sequence: string;
    capacity: number;
    useNullForEmpty: boolean;
    vacuumEvery: number | false | undefined;
    now: () => number;
    opened: 'created' | 'adopted' | 'existing';
  }) {
    this.#db = init.db;
    this.#names = init.names;
    this.tableName = init.names.table;
    this.#sequence = init.sequence;
    this.#capacity = init.capacity;
    this.#useNullForEmpty = init.useNullForEmpty;
    this.#vacuumEvery = init.vacuumEvery;
    this.#now = init.now;
    this.opened = init.opened;
    this.#writeSql = writeSql(init.names, init.sequence);
    this.#columns = ALL_COLUMN_NAMES.map(quoteIdent).join(', ');
  }

  /**
   * Opens the ring, creating its table, indexes and metadata when absent. Safe when several agents
   * start at the same moment. An existing table of another shape is an error naming the difference.
   */
  static async open(options: RingStoreOptions): Promise<RingStore> {
    const table = validateTableName(options.tableName ?? DEFAULTS.tableName);
    const wantedCapacity = options.capacity === undefined ? undefined : validateCapacity(options.capacity);
    if (options.vacuumEvery !== undefined && options.vacuumEvery !== false) {
      if (!Number.isInteger(options.vacuumEvery) || options.vacuumEvery < 1) {
        throw new RingmonError('bad-input', `vacuumEvery ${options.vacuumEvery} must be a positive whole number or false`);
      }
    }
    const db = await openSqlClient(options.db, options.connection);
    const names = ringNames(table);
    try {
      const schema = await db
        .transaction((tx) => ensureSchema(tx, names, { capacity: wantedCapacity, unlogged: options.unlogged }))
        .catch((err) => {
          throw databaseError('opening the ring', table, err);
        });
      const store = new RingStore({
        db,
        names,
        sequence: schema.sequence,
        capacity: await readCapacity(db, names),
        useNullForEmpty: options.useNullForEmpty ?? true,
        vacuumEvery: options.vacuumEvery,
        now: options.now ?? Date.now,
        opened: schema.created ? 'created' : schema.adopted ? 'adopted' : 'existing',
      });
      if (schema.adopted || (wantedCapacity !== undefined && wantedCapacity !== store.#capacity)) {
        // Adopting renumbers the slots to the ring's layout; a different capacity resizes.
        await store.#resize(wantedCapacity ?? store.#capacity, schema.adopted);
      }
      return store;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** Capacity as of the last open, write-side refresh or resize by this store. */
  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Stores a batch in one statement. Rows are objects keyed by the spec's column names; the ring
   * assigns id and slot. Resolves once the batch is committed; rejects with a RingmonError.
   */
  async write(rows: readonly SampleInput[]): Promise<WriteResult> {
    this.#assertOpen();
    if (!Array.isArray(rows)) throw new RingmonError('bad-input', 'write() takes an array of rows');
    if (rows.length === 0) return { written: 0, ids: [] };
    const params = toColumnArrays(rows, this.#useNullForEmpty);
    let res: { rows: { id: number }[] };
    try {
      res = await this.#db.query<{ id: number }>(this.#writeSql, params, { prepare: true });
    } catch (err) {
      throw this.#writeError(rows.length, err);
    }
    const ids = res.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    const first = ids[0];
    const last = ids[ids.length - 1];
    if (first !== undefined && last !== undefined) this.#maybeVacuum(first, last);
    return { written: ids.length, ids };
  }

  #writeError(count: number, err: unknown): unknown {
    if (err instanceof RingmonError) {
      if (err.code === 'connection-lost') {
        return new RingmonError(
          'connection-lost',
          `writing ${count} row(s) to ${this.tableName} failed, nothing of the batch was stored: ${err.message}`,
          { cause: err },
        );
      }
      return err;
    }
    const d = asDriverError(err);
    if (d.code === '23502' && /slot/.test(d.message ?? '')) {
      return new RingmonError(
        'ring-state',
        `the ring's metadata table ${this.#names.meta} has no capacity row; reopen the ring to recreate it`,
        { cause: err },
      );
    }
    return databaseError(`writing ${count} row(s)`, this.tableName, err);
  }

  /**
   * Changes the capacity. Growing keeps every row; shrinking keeps the newest n (by id). Writers on
   * other connections wait while it runs and then continue in the new layout; none fails.
   */
  async setCapacity(n: number): Promise<void> {
    this.#assertOpen();
    await this.#resize(validateCapacity(n), false);
  }

  async #resize(capacity: number, renumberAlways: boolean): Promise<void> {
    const table = quoteIdent(this.#names.table);
    const meta = quoteIdent(this.#names.meta);
    const seq = quoteLiteral(this.#sequence);
    try {
      await this.#db.transaction(async (tx) => {
        await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
        const current = await tx.query<{ capacity: number }>(`SELECT capacity FROM ${meta} FOR UPDATE`);
        const old = current.rows[0]?.capacity;
        if (old === undefined) throw new RingmonError('ring-state', `${this.#names.meta} has no capacity row`);
        if (old === capacity && !renumberAlways) return;
        // Keep the newest `capacity` rows; the PRIMARY KEY index finds the cut-off id directly.
        await tx.query(
          `DELETE FROM ${table} WHERE id < (SELECT id FROM ${table} ORDER BY id DESC OFFSET $1::bigint - 1 LIMIT 1)`,
          [capacity],
        );
        // Lay the kept rows out as if they had been written just now, oldest first, ending at the
        // slot of the last id handed out, so that the next write (lastId + 1) lands right after the
        // newest row and the oldest is the first to be overwritten. Without gaps in the ids this is
        // exactly slot = (id − 1) mod capacity.
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
        const lastId = Math.max(seqLast, maxId);
        const ranked = `SELECT id, ((($1::bigint - count(*) OVER () + row_number() OVER (ORDER BY id) - 1) % $2)::integer) AS slot FROM ${table}`;
        // Two passes, because UNIQUE (slot) is checked row by row: moved rows first park on
        // negative slots, which no other row uses, then take their new ones.
        await tx.query(
          `UPDATE ${table} t SET slot = -1 - t.slot FROM (${ranked}) k WHERE t.id = k.id AND t.slot <> k.slot`,
          [lastId, capacity],
        );
        await tx.query(
          `UPDATE ${table} t SET slot = k.slot FROM (${ranked}) k WHERE t.id = k.id AND t.slot <> k.slot`,
          [lastId, capacity],
        );
        await tx.query(`UPDATE ${meta} SET capacity = $1`, [capacity]);
      });
    } catch (err) {
      throw databaseError(`resizing the ring to ${capacity} rows`, this.tableName, err);
    }
    this.#capacity = capacity;
  }

  /**
   * Deletes rows whose sample_time is older than `keepHours` before now; returns how many. The
   * slots stay free until the ring comes round to them again.
   */
  async cleanupOldSamples(keepHours: number): Promise<number> {
    this.#assertOpen();
    if (typeof keepHours !== 'number' || !Number.isFinite(keepHours) || keepHours < 0) {
      throw new RingmonError('bad-input', `keepHours ${String(keepHours)} must be a number of hours ≥ 0`);
    }
    const cutoff = Math.floor(this.#now() / 1000 - keepHours * 3600);
    const table = quoteIdent(this.#names.table);
    try {
      return await this.#db.transaction(async (tx) => {
        // Writers overwrite exactly the oldest rows this deletes; taking the table keeps the two
        // from locking the same rows in opposite orders (a deadlock).
        await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
        const res = await tx.query(`DELETE FROM ${table} WHERE sample_time < $1`, [cutoff]);
        return res.rowCount;
      });
    } catch (err) {
      throw databaseError('deleting old samples', this.tableName, err);
    }
  }

  /** Newest rows first (by sample_time, then id), optionally for one node and/or one container. */
  async recent(query: RecentQuery = {}): Promise<SampleRow[]> {
    this.#assertOpen();
    const limit = query.limit ?? DEFAULT_RECENT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_LIMIT) {
      throw new RingmonError('bad-input', `limit ${String(limit)} must be a whole number from 1 to ${MAX_RECENT_LIMIT}`);
    }
    for (const [key, value] of [
      ['node', query.node],
      ['container', query.container],
    ] as const) {
      if (value !== undefined && typeof value !== 'string') {
        throw new RingmonError('bad-input', `${key} must be a string`);
      }
    }
    const { sql, params } = this.#recentSql(limit, query.node, query.container);
    try {
      const res = await this.#db.query<SampleRow>(sql, params);
      return res.rows;
    } catch (err) {
      throw databaseError('reading recent samples', this.tableName, err);
    }
  }

  #recentSql(limit: number, node?: string, container?: string): { sql: string; params: unknown[] } {
    const t = quoteIdent(this.#names.table);
    const cols = this.#columns;
    // Each shape below is answered by one index read in order (see docs/ring.md); the id tie-break
    // costs an incremental sort within equal sample_times only.
    if (node !== undefined && container !== undefined) {
      return {
        sql: `SELECT ${cols} FROM ${t}
               WHERE node_flag = FALSE AND node_name = $1 AND container_name = $2 AND sample_time IS NOT NULL
               ORDER BY sample_time DESC, id DESC LIMIT $3`,
        params: [node, container, limit],
      };
    }
    if (node !== undefined) {
      return {
        sql: `SELECT ${cols} FROM ${t} WHERE node_name = $1 AND sample_time IS NOT NULL
               ORDER BY sample_time DESC, id DESC LIMIT $2`,
        params: [node, limit],
      };
    }
    if (container !== undefined) {
      // No index leads with container_name: walk the node names (one probe each), then read that
      // container's newest rows on each node from the containers index.
      return {
        sql: `WITH RECURSIVE nodes(node_name) AS (
                (SELECT node_name FROM ${t} ORDER BY node_name LIMIT 1)
                UNION ALL
                SELECT (SELECT r.node_name FROM ${t} r WHERE r.node_name > nodes.node_name ORDER BY r.node_name LIMIT 1)
                  FROM nodes WHERE nodes.node_name IS NOT NULL)
              SELECT x.* FROM nodes CROSS JOIN LATERAL (
                SELECT ${cols} FROM ${t} c
                 WHERE c.node_flag = FALSE AND c.node_name = nodes.node_name AND c.container_name = $1
                   AND c.sample_time IS NOT NULL
                 ORDER BY c.sample_time DESC, c.id DESC LIMIT $2) x
              ORDER BY x.sample_time DESC, x.id DESC LIMIT $2`,
        params: [container, limit],
      };
    }
    return {
      sql: `SELECT ${cols} FROM ${t} WHERE sample_time IS NOT NULL
             ORDER BY sample_time DESC NULLS LAST, id DESC LIMIT $1`,
      params: [limit],
    };
  }

  /**
   * The newest row of every node's host rows and of every container, ordered by node then
   * container (host row first). Loose index scans: one index probe per node and per container,
   * so the cost follows the number of nodes and containers, not the capacity.
   */
  async latest(): Promise<SampleRow[]> {
    this.#assertOpen();
    const t = quoteIdent(this.#names.table);
    const cols = this.#columns;
    const sql = `WITH RECURSIVE
      nodes(node_name) AS (
        (SELECT node_name FROM ${t} ORDER BY node_name LIMIT 1)
        UNION ALL
        SELECT (SELECT r.node_name FROM ${t} r WHERE r.node_name > nodes.node_name ORDER BY r.node_name LIMIT 1)
          FROM nodes WHERE nodes.node_name IS NOT NULL),
      containers(node_name, container_name) AS (
        (SELECT node_name, container_name FROM ${t} WHERE node_flag = FALSE
          ORDER BY node_name, container_name LIMIT 1)
        UNION ALL
        SELECT nx.node_name, nx.container_name FROM containers c CROSS JOIN LATERAL (
          SELECT r.node_name, r.container_name FROM ${t} r
           WHERE r.node_flag = FALSE AND (r.node_name, r.container_name) > (c.node_name, c.container_name)
           ORDER BY r.node_name, r.container_name LIMIT 1) nx)
      SELECT h.* FROM nodes CROSS JOIN LATERAL (
        -- A node's host rows sit under both master_flag values of the composite index: probe each.
        SELECT * FROM (
          (SELECT ${cols} FROM ${t} a WHERE a.master_flag = FALSE AND a.node_flag = TRUE
              AND a.node_name = nodes.node_name AND a.container_name IS NULL AND a.sample_time IS NOT NULL
            ORDER BY a.sample_time DESC LIMIT 1)
          UNION ALL
          (SELECT ${cols} FROM ${t} b WHERE b.master_flag = TRUE AND b.node_flag = TRUE
              AND b.node_name = nodes.node_name AND b.container_name IS NULL AND b.sample_time IS NOT NULL
            ORDER BY b.sample_time DESC LIMIT 1)) both_flags
        ORDER BY sample_time DESC, id DESC LIMIT 1) h
      UNION ALL
      SELECT l.* FROM containers CROSS JOIN LATERAL (
        SELECT ${cols} FROM ${t} c
         WHERE c.node_flag = FALSE AND c.node_name = containers.node_name
           AND c.container_name = containers.container_name AND c.sample_time IS NOT NULL
         ORDER BY c.sample_time DESC LIMIT 1) l
      ORDER BY node_name, container_name NULLS FIRST`;
    try {
      const res = await this.#db.query<SampleRow>(sql);
      return res.rows;
    } catch (err) {
      throw databaseError('reading the latest samples', this.tableName, err);
    }
  }

  /** Capacity, fill, sizes, vacuum state and the newest sample of every node and container. */
  async state(): Promise<RingState> {
    this.#assertOpen();
    const t = quoteIdent(this.#names.table);
    const seq = quoteLiteral(this.#sequence);
    type Row = {
      capacity: number;
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
    try {
      const res = await this.#db.query<Row>(
        `SELECT m.capacity,
                (SELECT count(*) FROM ${t})::bigint AS rows_used,
                coalesce(pg_sequence_last_value(${seq}::regclass), 0)::bigint AS last_id,
                (SELECT min(sample_time) FROM ${t}) AS oldest,
                (SELECT max(sample_time) FROM ${t}) AS newest,
                pg_table_size(${quoteLiteral(t)}::regclass)::bigint AS table_bytes,
                pg_indexes_size(${quoteLiteral(t)}::regclass)::bigint AS index_bytes,
                pg_total_relation_size(${quoteLiteral(t)}::regclass)::bigint AS total_bytes,
                (SELECT relpersistence = 'u' FROM pg_class WHERE oid = ${quoteLiteral(t)}::regclass) AS unlogged,
                s.n_live_tup::bigint AS live, s.n_dead_tup::bigint AS dead,
                s.last_vacuum, s.last_autovacuum
           FROM ${quoteIdent(this.#names.meta)} m
           LEFT JOIN pg_stat_user_tables s ON s.relid = ${quoteLiteral(t)}::regclass`,
      );
      row = res.rows[0];
      latest = await this.latest();
    } catch (err) {
      throw databaseError('reading the ring state', this.tableName, err);
    }
    if (row === undefined) throw new RingmonError('ring-state', `${this.#names.meta} has no capacity row`);
    this.#capacity = row.capacity;
    const lastId = Number(row.last_id);
    const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
    return {
      table: this.tableName,
      backend: this.#db.backend,
      target: this.#db.target,
      unlogged: row.unlogged,
      capacity: row.capacity,
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
      latest: latest.map((r) => ({
        node_name: r.node_name as string,
        container_name: r.container_name as string | null,
        sample_time: r.sample_time as number | null,
      })),
    };
  }

  /**
   * VACUUMs the ring: makes the space of overwritten rows reusable, which is what keeps the table
   * and its indexes at a constant size. Skipped (not waited for) when another VACUUM or a resize
   * holds the table. The ring calls this itself every `vacuumEvery` writes.
   */
  async vacuum(options: { analyze?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    const t = quoteIdent(this.#names.table);
    try {
      await this.#db.query(`VACUUM (SKIP_LOCKED${options.analyze ? ', ANALYZE' : ''}) ${t}`);
      this.#lastVacuumError = null;
    } catch (err) {
      const wrapped = databaseError('vacuuming the ring', this.tableName, err);
      this.#lastVacuumError = wrapped instanceof Error ? wrapped.message : String(wrapped);
      throw wrapped;
    }
  }

  #everyWrites(): number | false {
    if (this.#vacuumEvery !== undefined) return this.#vacuumEvery;
    return Math.max(200, Math.ceil(this.#capacity / 5));
  }

  /** Starts a vacuum when this batch's ids crossed a multiple of `vacuumEvery` (one writer does). */
  #maybeVacuum(firstId: number, lastId: number): void {
    const every = this.#everyWrites();
    if (every === false || this.#vacuuming !== undefined) return;
    if (Math.floor(lastId / every) === Math.floor((firstId - 1) / every)) return;
    // Statistics once per lap: autovacuum may be off, and the planner then knows nothing.
    const analyze = Math.floor(lastId / this.#capacity) !== Math.floor((firstId - 1) / this.#capacity);
    this.#vacuuming = this.vacuum({ analyze })
      .catch(() => {
        // Recorded in lastVacuumError and shown by state(); a failed vacuum must not fail writes.
      })
      .finally(() => {
        this.#vacuuming = undefined;
      });
  }

  /** Waits for a vacuum the ring started, if one is running (tests and benchmarks use it). */
  async settle(): Promise<void> {
    await this.#vacuuming;
  }

  /** Closes what the store opened; a pool, client or PGlite instance the caller passed stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#vacuuming;
    await this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RingmonError('closed', `the ring store for ${this.tableName} is closed`);
  }
}

async function readCapacity(db: SqlQueryable, names: RingNames): Promise<number> {
  const res = await db.query<{ capacity: number }>(`SELECT capacity FROM ${quoteIdent(names.meta)}`);
  const capacity = res.rows[0]?.capacity;
  if (capacity === undefined) throw new RingmonError('ring-state', `${names.meta} has no capacity row`);
  return capacity;
}
