/**
 * RingStore: a fixed-capacity circular buffer of samples in one PostgreSQL (or PGlite) table, and
 * the only part of ringmon that speaks SQL. This file is the facade: it checks the options, opens
 * the connection and the schema (setup.ts), and hands each job to its part: writes (writer.ts),
 * resizing (capacity.ts), vacuum, statistics and cleanup (maintenance.ts), reads (reads.ts,
 * window.ts) and state (state.ts). writer.ts says how a row finds its slot and why concurrent
 * writers cannot lose the newest rows; capacity.ts why resizing is safe while others write.
 */
import type { SampleInput, SampleRow } from '../../columns.js';
import { DEFAULTS } from '../../defaults.js';
import { openSqlClient, type SqlClient } from '../client/sql-client.js';
import { RingStoreError } from '../errors.js';
import { checkShareFits, resize, validateNodeShare } from './capacity.js';
import type { RingContext } from './context.js';
import { databaseError } from './failures.js';
import { cleanupOldSamples, RingMaintenance, type VacuumOptions } from './maintenance.js';
import { type MasterWrite, RingReader } from './reads.js';
import { ringNames, validateCapacity, validateTableName } from './schema.js';
import { ensureSchema, readLayout, restoredMessage } from './setup.js';
import { readState } from './state.js';
import type {
  AheadOfClock,
  OpenResize,
  ReadClock,
  RecentQuery,
  ResizeResult,
  RingLayout,
  RingState,
  RingStoreOptions,
  WriteResult,
} from './types.js';
import type { WindowQuery, WindowResult, WindowRow } from './window.js';
import { RingWriter } from './writer.js';

export type * from './types.js';

/** Options of {@link RingStore.setCapacity}. */
export interface SetCapacityOptions {
  /** Rows each node keeps (see {@link RingStoreOptions.nodeShare}); null: one pool. Default: unchanged. */
  nodeShare?: number | null;
}

/** The option checks open() makes before it connects: bad input never reaches the database. */
function checkedOptions(options: RingStoreOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new RingStoreError('bad-input', 'RingStore.open() takes an options object with at least db');
  }
  const table = validateTableName(options.tableName ?? DEFAULTS.tableName);
  const capacity = options.capacity === undefined ? undefined : validateCapacity(options.capacity);
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
  const nodeShare = validateNodeShare(options.nodeShare);
  if (typeof nodeShare === 'number' && capacity !== undefined) checkShareFits(nodeShare, capacity);
  const every = options.vacuumEvery;
  if (every !== undefined && every !== false && (!Number.isInteger(every) || every < 1)) {
    throw new RingStoreError(
      'bad-input',
      `vacuumEvery ${String(every)} must be a positive whole number or false`,
    );
  }
  return { table, capacity, nodeShare, vacuumEvery: every, apply: options.capacityMode !== 'adopt' };
}

/** What a standby's refusals say to do instead. */
const TO_THE_PRIMARY =
  'open the ring on the primary (several hosts with target_session_attrs=read-write find it)';

export class RingStore {
  /** The ring's table name. */
  readonly table: string;
  /** What open() found: it created the ring, adopted a table of the spec's shape, or opened a ring. */
  readonly opened: 'created' | 'adopted' | 'existing';
  readonly #ctx: RingContext;
  readonly #writer: RingWriter;
  readonly #reader: RingReader;
  readonly #maintenance: RingMaintenance;
  #resizedAtOpen: OpenResize | null = null;
  #closed = false;

  private constructor(
    ctx: RingContext,
    opened: 'created' | 'adopted' | 'existing',
    vacuumEvery: number | false | undefined,
  ) {
    this.#ctx = ctx;
    this.table = ctx.names.table;
    this.opened = opened;
    this.#maintenance = new RingMaintenance(ctx, vacuumEvery);
    this.#writer = new RingWriter(ctx, (first, last) => this.#maintenance.afterWrite(first, last));
    this.#reader = new RingReader(ctx);
  }

  /**
   * Opens the ring, creating its table, indexes and metadata when absent (unless `create: false`).
   * Safe when several agents start at the same moment. An existing table of another shape is an
   * error naming the difference.
   */
  static async open(options: RingStoreOptions): Promise<RingStore> {
    const wanted = checkedOptions(options);
    const db = await openSqlClient(options.db, options.connection);
    const names = ringNames(wanted.table);
    try {
      // Everything opening reads (the server's role, the schema, the layout) fails as one action,
      // worded once: a missing grant at any step names the grant.
      const { standby, readOnly, schema, layout } = await (async () => {
        const standby = await isStandby(db);
        const readOnly = standby || options.readOnly === true;
        const schema = await db
          .transaction((tx) =>
            ensureSchema(tx, names, {
              capacity: wanted.capacity,
              unlogged: options.unlogged,
              create: options.create,
              readOnly,
            }),
          )
          .catch((err) => {
            // Asked to create a ring a standby cannot create: the primary can, once it is reached.
            if (
              standby &&
              options.create !== false &&
              err instanceof RingStoreError &&
              err.code === 'no-ring'
            )
              throw new RingStoreError(
                'standby',
                `no ring table "${wanted.table}" on ${db.target}, a hot standby, which cannot create one; ${TO_THE_PRIMARY}`,
                { cause: err },
              );
            throw err;
          });
        return { standby, readOnly, schema, layout: await readLayout(db, names) };
      })().catch((err) => {
        throw databaseError({ what: 'opening the ring', job: 'read' }, wanted.table, err);
      });
      const ctx: RingContext = {
        db,
        names,
        sequence: schema.sequence,
        shareColumn: schema.shareColumn,
        writeFunction: schema.writeFunction,
        readOnly,
        standby,
        useNullForEmpty: options.useNullForEmpty ?? true,
        now: options.now ?? Date.now,
        warn: options.onWarning ?? (() => {}),
        layout,
      };
      const opened = schema.created ? 'created' : schema.adopted ? 'adopted' : 'existing';
      const store = new RingStore(ctx, opened, wanted.vacuumEvery);
      if (schema.repaired !== null) ctx.warn(restoredMessage(names, schema.repaired));
      const stored = ctx.layout;
      const capacity = wanted.apply ? (wanted.capacity ?? stored.capacity) : stored.capacity;
      const nodeShare = wanted.apply && wanted.nodeShare !== undefined ? wanted.nodeShare : stored.nodeShare;
      if (!readOnly && (schema.adopted || capacity !== stored.capacity || nodeShare !== stored.nodeShare)) {
        // Adopting lays the rows out in ring order; a different capacity or share resizes.
        const to: RingLayout = { capacity, nodeShare };
        const { dropped } = await resize(ctx, to, schema.adopted);
        if (!schema.adopted) store.#resizedAtOpen = { from: stored, to, dropped };
      }
      if (!readOnly && (schema.adopted || schema.pairsMissing)) await store.refreshPairs();
      return store;
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** The capacity as this store last read or set it. */
  get capacity(): number {
    return this.#ctx.layout.capacity;
  }

  /** Rows each node keeps, as this store last read or set it; null when the ring is one pool. */
  get nodeShare(): number | null {
    return this.#ctx.layout.nodeShare;
  }

  /**
   * What opening changed: the layout the ring had, the one the options asked for (capacityMode
   * 'apply'), and the rows that had no room in it; null when opening resized nothing.
   */
  get resizedAtOpen(): OpenResize | null {
    return this.#resizedAtOpen;
  }

  /** Whether the ring was opened only to read (asked for, or the server is a hot standby). */
  get readOnly(): boolean {
    return this.#ctx.readOnly;
  }

  /** Whether the server was a hot standby (pg_is_in_recovery()) when the ring was opened. */
  get standby(): boolean {
    return this.#ctx.standby;
  }

  /** Where the ring lives: `postgres` or `pglite`, and the server or directory (no password). */
  get backend(): Pick<SqlClient, 'backend' | 'target'> {
    return { backend: this.#ctx.db.backend, target: this.#ctx.db.target };
  }

  /**
   * Stores a batch (a host row and its containers' rows, say) in one statement and one round trip.
   * Rows are objects keyed by the spec's column names; the ring assigns id and slot. Resolves once
   * the batch is committed; rejects with a RingStoreError, in which case nothing of it was stored.
   */
  async write(rows: readonly SampleInput[]): Promise<WriteResult> {
    this.#assertOpen();
    this.#assertWritable('write to');
    return this.#writer.write(rows);
  }

  /**
   * Changes the capacity, and with `nodeShare` how the ring is shared out (see
   * {@link RingStoreOptions.nodeShare}; null: one pool). In a pool, growing keeps every row and
   * shrinking keeps the newest n (by id); shared out, the nodes that wrote last keep a share each
   * and each its newest rows. Writers on other connections wait while it runs and then continue in
   * the new layout; none fails. Resolves with how many rows the new layout had no room for.
   */
  async setCapacity(n: number, options: SetCapacityOptions = {}): Promise<ResizeResult> {
    this.#assertOpen();
    this.#assertWritable('resize');
    const capacity = validateCapacity(n);
    const nodeShare =
      options.nodeShare === undefined ? this.nodeShare : (validateNodeShare(options.nodeShare) ?? null);
    return resize(this.#ctx, { capacity, nodeShare }, false);
  }

  /**
   * Deletes rows whose sample_time is more than `keepHours` before now and returns how many. Their
   * slots stay empty until the ring comes round to them again.
   */
  async cleanupOldSamples(keepHours: number): Promise<number> {
    this.#assertOpen();
    this.#assertWritable('clean up');
    return cleanupOldSamples(this.#ctx, keepHours);
  }

  /** Newest rows first (by sample_time, then id), optionally of one node and/or one container name. */
  async recent(query: RecentQuery = {}): Promise<SampleRow[]> {
    this.#assertOpen();
    return this.#reader.recent(query);
  }

  /**
   * The newest row of every node's host rows and of every container, ordered by node, host row
   * first. Its cost follows the number of nodes and containers, not the capacity. Rows stamped more
   * than CLOCK_AHEAD_TOLERANCE_SECONDS after the store's clock are passed over (a writer whose clock
   * ran ahead): {@link aheadOfClock} lists whose they are.
   */
  async latest(options: ReadClock = {}): Promise<SampleRow[]> {
    this.#assertOpen();
    return this.#reader.latest(options);
  }

  /**
   * Every node and container with samples stamped in the future (more than
   * CLOCK_AHEAD_TOLERANCE_SECONDS after the store's clock): a writer whose clock is, or was,
   * ahead. latest() passes over those samples; this says whom they belong to.
   */
  async aheadOfClock(options: ReadClock = {}): Promise<AheadOfClock[]> {
    this.#assertOpen();
    return this.#reader.aheadOfClock(options);
  }

  /** The nodes whose agents wrote as the master since `sinceEpoch` (seconds), newest first. */
  async masters(sinceEpoch: number): Promise<MasterWrite[]> {
    this.#assertOpen();
    return this.#reader.masters(sinceEpoch);
  }

  /**
   * Whether the ring holds a row equal to `row` in every column it gives (the others at their
   * defaults): the question a lost answer leaves open — did that batch commit? — asked of its last
   * row. Rows are checked as write() checks them.
   */
  async holds(row: SampleInput): Promise<boolean> {
    this.#assertOpen();
    return this.#reader.holds(row);
  }

  /** The newest `limit` rows of a node's, a container's or every writer's window, oldest first. */
  async windowRows(query: WindowQuery, limit: number): Promise<WindowRow[]> {
    this.#assertOpen();
    return this.#reader.windowRows(query, limit);
  }

  /** The newest `limit` averages over steps of `step` seconds of a window, oldest first. */
  async windowAverages(query: WindowQuery, step: number, limit: number): Promise<WindowRow[]> {
    this.#assertOpen();
    return this.#reader.windowAverages(query, step, limit);
  }

  /**
   * At most `points` rows to chart a window: every row when it holds no more, else one per step:
   * each step's maxima when the window holds at most `peakMaxRows` rows (default PEAK_MAX_ROWS,
   * window.ts), the first row of each step beyond (the dashboard's read).
   */
  async chart(query: WindowQuery, points: number, peakMaxRows?: number): Promise<WindowResult> {
    this.#assertOpen();
    return this.#reader.chart(query, points, peakMaxRows);
  }

  /** Capacity, fill, sizes, vacuum state and the newest sample of every node and container. */
  async state(): Promise<RingState> {
    this.#assertOpen();
    return readState(this.#ctx, this.#reader, this.#maintenance.lastVacuumError);
  }

  /**
   * VACUUMs the ring: makes the space of overwritten row versions reusable, which is what keeps the
   * table and its indexes at a constant size. Skipped, not waited for, when another VACUUM or a
   * resize holds the table. The ring runs it itself every `vacuumEvery` writes; call it on a
   * schedule of your own when you turn that off.
   */
  async vacuum(options: VacuumOptions = {}): Promise<void> {
    this.#assertOpen();
    this.#assertWritable('vacuum');
    return this.#maintenance.vacuum(options);
  }

  /**
   * Brings the list of (node, container) pairs in line with the rows: adds pairs written by others
   * than RingStore, drops pairs whose rows are all gone. The ring runs it once per lap.
   */
  async refreshPairs(): Promise<void> {
    this.#assertOpen();
    this.#assertWritable('refresh the pair list of');
    return this.#maintenance.refreshPairs();
  }

  /** Waits for maintenance the ring started, if any is running (tests and benchmarks use it). */
  async settle(): Promise<void> {
    await this.#maintenance.settle();
  }

  /** Closes what the store opened; a pool, client or PGlite instance the caller passed stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#maintenance.settle();
    await this.#ctx.db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RingStoreError('closed', `the ring store for ${this.table} is closed`);
  }

  /**
   * Refuses a change before any SQL is sent: a store opened to read must not write by accident, and
   * on a hot standby the server would refuse it anyway, with a message that does not say where to go.
   */
  #assertWritable(verb: string): void {
    if (this.#ctx.standby) {
      throw new RingStoreError(
        'standby',
        `cannot ${verb} ring ${this.table}: ${this.#ctx.db.target} is a hot standby, which takes no writes; ${TO_THE_PRIMARY}`,
      );
    }
    if (this.#ctx.readOnly) {
      throw new RingStoreError(
        'read-only',
        `cannot ${verb} ring ${this.table}: the store was opened read-only; open it without readOnly to change the ring`,
      );
    }
  }
}

/** pg_is_in_recovery(): a hot standby, which serves reads only (PGlite: never). */
async function isStandby(db: SqlClient): Promise<boolean> {
  const res = await db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  return res.rows[0]?.standby === true;
}
