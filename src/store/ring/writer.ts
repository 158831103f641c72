/**
 * The write path: a batch of rows into the ring in one statement and one round trip.
 *
 * How a write finds its slot: every row takes n = nextval(the id column's sequence) and goes to
 * slot (n − 1) mod capacity, with `INSERT … ON CONFLICT (slot) DO UPDATE`. The row's id is n, so
 * ids order writes, and "newest" means "highest id". The capacity lives in the one-row metadata
 * table that the write statement reads, so every agent uses the same one.
 *
 * Why concurrent writers cannot lose the newest rows:
 * - two writes meet in one slot only when their n differ by a multiple of the capacity; the update
 *   runs only `WHERE ring.id < EXCLUDED.id`, so a late, older write never replaces a newer one;
 * - a batch takes its slots in ascending slot order (its rows are sorted by slot), so two writers
 *   that meet in several slots take them in the same order and cannot deadlock;
 * - a batch whose n values span more than the capacity (tiny rings, interleaved writers) keeps only
 *   the newest row per slot (DISTINCT ON), as the ring would after writing them one by one.
 *
 * Each (node, container) pair is registered in the ring's pair list the first time this writer
 * writes it and once a lap after, in the same round trip as the rows: the list is what the
 * newest-sample reads walk instead of the whole table.
 *
 * Nothing here is session state: every statement is unnamed and self-contained, so the ring works
 * through pgbouncer's transaction pooling and on the embedded store's shared session.
 */
import type { SampleInput } from '../../columns.js';
import type { SqlQueryable } from '../client/sql-client.js';
import { asDriverError, oneLine, RingStoreError } from '../errors.js';
import type { RingContext } from './context.js';
import { databaseError, isMissingRing, isNullSlot } from './failures.js';
import { toRowValues } from './input-values.js';
import { ensureSchema, readLayout, restoredMessage, restoreMetaRow } from './setup.js';
import { callWriteSql, NO_SHARE_SQLSTATE, registerSql, writeSql } from './sql.js';
import type { RingLayout, WriteResult } from './types.js';

/** 1,000 rows × 50 parameters stays under PostgreSQL's 65,535 parameters per statement. */
const MAX_ROWS_PER_STATEMENT = 1000;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pairs to register as the two array parameters of the registration, sorted (a stable lock order). */
function pairParams(pairs: readonly [string, string][]): [string[], string[]] {
  const sorted = [...pairs].sort((a, b) => (a[0] === b[0] ? compare(a[1], b[1]) : compare(a[0], b[0])));
  return [sorted.map((p) => p[0]), sorted.map((p) => p[1])];
}

function pairKey(node: string, container: string): string {
  return `${node}\u0000${container}`;
}

export class RingWriter {
  readonly #ctx: RingContext;
  readonly #afterWrite: (firstId: number, lastId: number) => void;
  /** Write statements by `rows:register`; the text depends on the batch size. */
  readonly #writeSql = new Map<string, string>();
  readonly #registerSql: string;
  /** The call of the ring's write function, or null when the ring writes with plain statements. */
  readonly #callWrite: string | null;
  /** Pair → the last id this writer had seen when it registered the pair. */
  readonly #registered = new Map<string, number>();
  #lastSeenId = 0;

  /** `afterWrite` hears the ids of every stored batch (the maintenance schedule). */
  constructor(ctx: RingContext, afterWrite: (firstId: number, lastId: number) => void) {
    this.#ctx = ctx;
    this.#afterWrite = afterWrite;
    this.#registerSql = registerSql(ctx.names);
    this.#callWrite = ctx.writeFunction ? callWriteSql(ctx.names) : null;
  }

  /**
   * Stores a batch; resolves once it is committed, rejects with a RingStoreError, in which case
   * nothing of it was stored.
   */
  async write(rows: readonly SampleInput[]): Promise<WriteResult> {
    if (!Array.isArray(rows)) throw new RingStoreError('bad-input', 'write() takes an array of rows');
    if (rows.length === 0) return { written: 0, ids: [] };
    const values = toRowValues(rows, this.#ctx.useNullForEmpty);
    let fresh = this.#unregisteredPairs(rows);
    let res: { rows: { id: number }[] };
    try {
      try {
        res = await this.#writeValues(values, fresh);
      } catch (err) {
        ({ res, fresh } = await this.#recover(err, rows, values, fresh));
      }
    } catch (err) {
      throw this.#writeError(rows.length, err);
    }
    const ids = res.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    for (const [node, container] of fresh) this.#registered.set(pairKey(node, container), this.#lastSeenId);
    const first = ids[0];
    const last = ids[ids.length - 1];
    if (first !== undefined && last !== undefined) {
      this.#lastSeenId = Math.max(this.#lastSeenId, last);
      this.#afterWrite(first, last);
    }
    return { written: ids.length, ids };
  }

  /** After a failed write: mends what can be mended and writes again, or rethrows `err`. */
  async #recover(
    err: unknown,
    rows: readonly SampleInput[],
    values: unknown[][],
    fresh: [string, string][],
  ): Promise<{ res: { rows: { id: number }[] }; fresh: [string, string][] }> {
    // Someone dropped the ring under this writer: make it again and write (said once, loudly).
    if (isMissingRing(err, this.#ctx.names)) {
      await this.#recreate();
      const again = this.#unregisteredPairs(rows);
      return { res: await this.#writeValues(values, again), fresh: again };
    }
    // The plain statement stores nothing in a ring someone shared out per node since we read
    // its layout (its slot is NULL then): read the layout again and write the way it says. A
    // slot is NULL too when someone deleted the metadata row: recreate it and write.
    if (!isNullSlot(err)) throw err;
    const layout = await this.#layoutOrRestore();
    if (layout === null) throw err;
    return { res: await this.#writeValues(values, fresh), fresh };
  }

  /**
   * Creates the ring again after someone dropped its table (DROP TABLE, a restore of an older
   * dump), as opening it would, with the capacity this store knew; what the dropped table held is
   * gone, and the warning says so.
   */
  async #recreate(): Promise<void> {
    const schema = await this.#ctx.db
      .transaction((tx) =>
        ensureSchema(tx, this.#ctx.names, { capacity: this.#ctx.layout.capacity, unlogged: undefined }),
      )
      .catch((err) => {
        throw databaseError({ what: 'recreating the ring', job: 'owner' }, this.#ctx.names.table, err);
      });
    if (schema.sequence !== this.#ctx.sequence) {
      throw new RingStoreError(
        'schema-mismatch',
        `${this.#ctx.names.table} was made again with another id sequence (${schema.sequence}, not ${this.#ctx.sequence}): reopen the ring`,
      );
    }
    this.#registered.clear();
    this.#lastSeenId = 0;
    const layout = await readLayout(this.#ctx.db, this.#ctx.names);
    this.#ctx.layout = layout;
    if (schema.created) {
      this.#ctx.warn(
        `ring table ${this.#ctx.names.table} was dropped while this store wrote to it: created it again (capacity ${layout.capacity}) and carried on; the rows it held are gone`,
      );
    } else if (schema.adopted) {
      this.#ctx.warn(
        `the ring's metadata table ${this.#ctx.names.meta} was dropped while this store wrote to it: created it again (capacity ${layout.capacity}) and carried on`,
      );
    }
  }

  /**
   * After a write that found no slot: the layout the metadata holds now when it differs from one
   * pool (someone shared the ring out meanwhile), or, when the metadata row is gone, the layout of
   * the row recreated from the table; null when the failure was not either of these.
   */
  async #layoutOrRestore(): Promise<RingLayout | null> {
    let layout = await readLayout(this.#ctx.db, this.#ctx.names).catch((err: unknown) => {
      if (err instanceof RingStoreError && err.code === 'ring-state') return null;
      throw err;
    });
    if (layout === null) {
      const restored = await this.#ctx.db.transaction((tx) =>
        restoreMetaRow(tx, this.#ctx.names, this.#ctx.layout.capacity),
      );
      if (restored !== null) this.#ctx.warn(restoredMessage(this.#ctx.names, restored));
      layout = await readLayout(this.#ctx.db, this.#ctx.names);
    } else if (layout.nodeShare === null) {
      return null;
    }
    this.#ctx.layout = layout;
    return layout;
  }

  async #writeValues(values: unknown[][], fresh: [string, string][]): Promise<{ rows: { id: number }[] }> {
    if (this.#ctx.layout.nodeShare !== null && this.#callWrite === null) {
      throw new RingStoreError(
        'ring-state',
        `ring ${this.#ctx.names.table} keeps a share per node, which only its write function ${this.#ctx.names.writeFunction} can write, and this role could not create that function: open the ring once as its owner (or grant CREATE on the schema)`,
      );
    }
    if (values.length <= MAX_ROWS_PER_STATEMENT) return this.#writeChunk(this.#ctx.db, values, fresh);
    // PostgreSQL binds at most 65,535 parameters per statement: a long backlog goes in chunks,
    // in one transaction, so that the batch is still stored whole or not at all.
    return this.#ctx.db.transaction(async (tx) => {
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
    if (this.#callWrite !== null && (!register || this.#ctx.layout.nodeShare !== null)) {
      if (register) await db.query(this.#registerSql, pairParams(fresh));
      return db.query<{ id: number }>(this.#callWrite, [JSON.stringify(values)]);
    }
    const key = `${values.length}:${register}`;
    let sql = this.#writeSql.get(key);
    if (sql === undefined) {
      sql = writeSql(this.#ctx.names, this.#ctx.sequence, values.length, register, this.#ctx.shareColumn);
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

  /** Pairs of this batch the pair list may not hold: never registered by us, or not this lap. */
  #unregisteredPairs(rows: readonly SampleInput[]): [string, string][] {
    // Made only when a pair is due: almost every batch has none, and this runs on every write.
    let fresh: Map<string, [string, string]> | null = null;
    for (const row of rows) {
      const container = row.node_flag ? '' : (row.container_name ?? '');
      const key = pairKey(row.node_name, container);
      const at = this.#registered.get(key);
      if (at === undefined || this.#lastSeenId - at > this.#ctx.layout.capacity) {
        fresh ??= new Map();
        fresh.set(key, [row.node_name, container]);
      }
    }
    return fresh === null ? [] : [...fresh.values()];
  }

  #writeError(count: number, err: unknown): unknown {
    if (err instanceof RingStoreError) {
      if (err.code === 'connection-lost') {
        return new RingStoreError(
          'connection-lost',
          `writing ${count} row(s) to ${this.#ctx.names.table} failed and nothing of the batch was stored: ${err.message}`,
          { cause: err },
        );
      }
      return err;
    }
    const d = asDriverError(err);
    if (isNullSlot(err)) {
      return new RingStoreError(
        'ring-state',
        `the ring's metadata table ${this.#ctx.names.meta} has no capacity row; reopening the ring (any ringmon command, or RingStore.open) recreates it from the table`,
        { cause: err },
      );
    }
    if (d.code === NO_SHARE_SQLSTATE) {
      const hint = (err as { hint?: string }).hint;
      return new RingStoreError('no-share', `${oneLine(d.message ?? '')}${hint ? `: ${hint}` : ''}`, {
        cause: err,
      });
    }
    return databaseError({ what: `writing ${count} row(s)`, job: 'write' }, this.#ctx.names.table, err);
  }
}
