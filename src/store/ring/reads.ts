/**
 * The ring's reads: the newest rows, the newest row of every writer, the masters, whether a row is
 * there, who wrote from the future, and the dashboard's time windows (window.ts builds those). Every
 * read is one statement; which index answers each is noted in sql.ts and window.ts.
 */
import type { SampleInput, SampleRow } from '../../columns.js';
import { CLOCK_AHEAD_TOLERANCE_SECONDS } from '../../defaults.js';
import type { SqlQueryable } from '../client/sql-client.js';
import { RingStoreError } from '../errors.js';
import type { RingContext } from './context.js';
import { databaseError } from './failures.js';
import { toRowValues } from './input-values.js';
import { aheadSql, holdsSql, latestSql, mastersSql, recentSql, sampleRowFromValues } from './sql.js';
import type { AheadOfClock, ReadClock, RecentQuery } from './types.js';
import { type WindowQuery, WindowReader, type WindowResult, type WindowRow } from './window.js';

const DEFAULT_RECENT_LIMIT = 100;
const MAX_RECENT_LIMIT = 1_000_000;

/** A node that wrote as the master, and its newest such sample_time. */
export interface MasterWrite {
  node: string;
  newest: number;
}

export class RingReader {
  readonly #ctx: RingContext;
  readonly #latestSql: string;
  readonly #latestTimesSql: string;
  readonly #aheadSql: string;
  readonly #holdsSql: string;
  readonly #mastersSql: string;
  readonly #windows: WindowReader;

  constructor(ctx: RingContext) {
    this.#ctx = ctx;
    this.#latestSql = latestSql(ctx.names);
    this.#latestTimesSql = latestSql(ctx.names, true);
    this.#aheadSql = aheadSql(ctx.names);
    this.#holdsSql = holdsSql(ctx.names);
    this.#mastersSql = mastersSql(ctx.names);
    this.#windows = new WindowReader(ctx.db, ctx.names.table);
  }

  /** Newest rows first (by sample_time, then id), optionally of one node and/or one container name. */
  async recent(query: RecentQuery = {}): Promise<SampleRow[]> {
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
    const { sql, params } = recentSql(this.#ctx.names, limit, query.node, query.container);
    try {
      const res = await this.#ctx.db.query<unknown[]>(sql, params, { rowMode: 'array' });
      return res.rows.map(sampleRowFromValues);
    } catch (err) {
      throw databaseError({ what: 'reading recent samples', job: 'read' }, this.#ctx.names.table, err);
    }
  }

  /**
   * The newest row of every node's host rows and of every container, ordered by node, host row
   * first. Its cost follows the number of nodes and containers, not the capacity. Rows stamped more
   * than CLOCK_AHEAD_TOLERANCE_SECONDS after the store's clock are passed over (a writer whose clock
   * ran ahead): {@link aheadOfClock} lists whose they are.
   */
  async latest(options: ReadClock = {}): Promise<SampleRow[]> {
    try {
      const nowMs = options.nowMs ?? this.#ctx.now();
      const params = [this.saneUntil(nowMs)];
      const read = (db: SqlQueryable) => db.query<unknown[]>(this.#latestSql, params, { rowMode: 'array' });
      const res = await (this.#ctx.db.backend === 'pglite' ? read(this.#ctx.db) : this.#withoutJit(read));
      return res.rows.map(sampleRowFromValues);
    } catch (err) {
      throw databaseError({ what: 'reading the latest samples', job: 'read' }, this.#ctx.names.table, err);
    }
  }

  /**
   * Runs `read` with JIT compilation off (SET LOCAL, so only in its own transaction: a session
   * setting would leak to other clients through pgbouncer). latest() fetches one full row per pair
   * by id, which the planner rightly costs at ~8 per lookup: past ~10,000 pairs the estimate
   * crosses jit_above_cost (100,000 by default) and the server spent 30–40 ms compiling
   * expressions for a query that then ran in 45 (bench/dashboard.ts, 11,000 pairs). PGlite has no JIT.
   */
  async #withoutJit<T>(read: (db: SqlQueryable) => Promise<T>): Promise<T> {
    return this.#ctx.db.transaction(async (tx) => {
      await tx.query('SET LOCAL jit = off');
      return read(tx);
    });
  }

  /**
   * The nodes whose agents wrote as the master (host rows with master_flag) since `sinceEpoch`
   * (seconds), each with its newest such sample_time, newest first. The master index
   * (sample_time DESC WHERE master_flag AND node_flag) reads only those rows.
   */
  async masters(sinceEpoch: number): Promise<MasterWrite[]> {
    try {
      const res = await this.#ctx.db.query<{ node: string; newest: string | number }>(this.#mastersSql, [
        sinceEpoch,
      ]);
      return res.rows.map((r) => ({ node: r.node, newest: Number(r.newest) }));
    } catch (err) {
      throw databaseError({ what: 'reading the masters', job: 'read' }, this.#ctx.names.table, err);
    }
  }

  /**
   * Whether the ring holds a row equal to `row` in every column it gives (the others at their
   * defaults): the question a lost answer leaves open — did that batch commit? — asked of its last
   * row. Rows are checked as write() checks them.
   */
  async holds(row: SampleInput): Promise<boolean> {
    const [values] = toRowValues([row], this.#ctx.useNullForEmpty);
    try {
      const res = await this.#ctx.db.query(this.#holdsSql, values);
      return res.rows.length > 0;
    } catch (err) {
      throw databaseError({ what: 'looking for a written row', job: 'read' }, this.#ctx.names.table, err);
    }
  }

  /** The newest sample_time a read takes for a real one: now plus the tolerance. */
  saneUntil(nowMs: number): number {
    return Math.floor(nowMs / 1000) + CLOCK_AHEAD_TOLERANCE_SECONDS;
  }

  /** aheadOfClock without the error wrapping, for state(), which wraps its own. */
  async ahead(nowMs: number): Promise<AheadOfClock[]> {
    const res = await this.#ctx.db.query<{
      node_name: string;
      container_name: string | null;
      newest: string | number;
    }>(this.#aheadSql, [this.saneUntil(nowMs)]);
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
    try {
      return await this.ahead(options.nowMs ?? this.#ctx.now());
    } catch (err) {
      throw databaseError(
        { what: 'reading the samples from the future', job: 'read' },
        this.#ctx.names.table,
        err,
      );
    }
  }

  /** latest() with only who, when and how often, for state(); not wrapped (state() wraps its own). */
  async latestTimes(nowMs: number): Promise<SampleRow[]> {
    return (await this.#ctx.db.query<SampleRow>(this.#latestTimesSql, [this.saneUntil(nowMs)])).rows;
  }

  /** The newest `limit` rows of a window, oldest first. */
  async windowRows(query: WindowQuery, limit: number): Promise<WindowRow[]> {
    return this.#window(() => this.#windows.raw(query, limit));
  }

  /** The newest `limit` averages over steps of `step` seconds (aligned to multiples of it), oldest first. */
  async windowAverages(query: WindowQuery, step: number, limit: number): Promise<WindowRow[]> {
    return this.#window(() => this.#windows.averaged(query, step, limit));
  }

  /** At most `points` rows for a chart of the window (window.ts, chart(), says how it picks them). */
  async chart(query: WindowQuery, points: number, peakMaxRows?: number): Promise<WindowResult> {
    return this.#window(() => this.#windows.chart(query, points, peakMaxRows));
  }

  async #window<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      throw databaseError({ what: 'reading a time window', job: 'read' }, this.#ctx.names.table, err);
    }
  }
}
