/**
 * Resizing: a new capacity, or a new node share, applied to the rows the ring holds while others
 * write. setCapacity and an opening master's capacity both come here.
 *
 * Why it is safe while others write: it takes the table in EXCLUSIVE mode, which conflicts with the
 * ROW EXCLUSIVE lock every INSERT takes before its snapshot and before its nextval, so the resize
 * starts only after the writes in flight have committed, and the writes that arrive meanwhile
 * wait, then see the new layout. Reads are not blocked.
 */
import type { SqlQueryable } from '../client/sql-client.js';
import { RingStoreError } from '../errors.js';
import type { RingContext } from './context.js';
import { databaseError } from './failures.js';
import { createSharesSql, MAX_CAPACITY, quoteIdent, quoteLiteral } from './schema.js';
import { layoutOf } from './setup.js';
import { rebuildSharesSql, shareLayoutSql } from './sql.js';
import type { ResizeResult, RingLayout } from './types.js';

/**
 * Lays the ring out anew: another capacity, a change between one pool and a share per node, or
 * (relayoutAlways) the same layout again, which puts an adopted table's rows in ring order. In a
 * pool, growing keeps every row and shrinking keeps the newest n (by id); shared out, the nodes
 * that wrote last keep a share each and each its newest rows. Writers wait on the table lock and
 * then write in the new layout. Sets ctx.layout when done.
 */
export async function resize(
  ctx: RingContext,
  layout: RingLayout,
  relayoutAlways: boolean,
): Promise<ResizeResult> {
  const { capacity, nodeShare } = layout;
  const table = quoteIdent(ctx.names.table);
  const meta = quoteIdent(ctx.names.meta);
  const shares = quoteIdent(ctx.names.shares);
  const seq = quoteLiteral(ctx.sequence);
  const what =
    nodeShare === null
      ? `resizing the ring to ${capacity} rows`
      : `resizing the ring to ${capacity} rows in shares of ${nodeShare} per node`;
  if (nodeShare !== null) {
    checkShareFits(nodeShare, capacity);
    if (!ctx.shareColumn) {
      throw new RingStoreError(
        'ring-state',
        `ring ${ctx.names.table} was made before per-node shares existed and this role does not own ${ctx.names.meta}: open it once as its owner, who adds the column node_share`,
      );
    }
    if (!ctx.writeFunction) {
      throw new RingStoreError(
        'ring-state',
        `per-node shares need the ring's write function ${ctx.names.writeFunction}, which this role may not create: open the ring once as its owner (or grant CREATE on the schema)`,
      );
    }
  }
  let dropped = 0;
  try {
    await ctx.db.transaction(async (tx) => {
      // Writers into shares lock the shares table before the ring, so the resize does too.
      if (nodeShare !== null) await tx.query(createSharesSql(ctx.names));
      const hasShares = (
        await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [shares])
      ).rows[0]?.present;
      if (hasShares) await tx.query(`LOCK TABLE ${shares} IN EXCLUSIVE MODE`);
      await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
      const current = await tx.query<Record<string, unknown>>(`SELECT * FROM ${meta} FOR UPDATE`);
      const row = current.rows[0];
      if (row === undefined) throw new RingStoreError('ring-state', `${ctx.names.meta} has no capacity row`);
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
        for (const statement of shareLayoutSql(ctx.names, Math.floor(capacity / nodeShare), nodeShare)) {
          await tx.query(statement.sql, statement.params);
        }
        const previous = await tx.query<{ node_name: string; last_write: Date | string }>(
          `DELETE FROM ${shares} RETURNING node_name, last_write`,
        );
        await tx.query(rebuildSharesSql(ctx.names), [
          previous.rows.map((r) => r.node_name),
          previous.rows.map((r) =>
            r.last_write instanceof Date ? r.last_write.toISOString() : r.last_write,
          ),
        ]);
      }
      dropped = before - (await countRows(tx, table));
      await tx.query(
        `UPDATE ${meta} SET capacity = $1${ctx.shareColumn ? ', node_share = $2' : ''}`,
        ctx.shareColumn ? [capacity, nodeShare] : [capacity],
      );
    });
  } catch (err) {
    throw databaseError({ what, job: 'owner' }, ctx.names.table, err);
  }
  ctx.layout = { capacity, nodeShare };
  return { dropped };
}

/** A node share as options give it: rows, null (one pool) or undefined (the ring's own) pass. */
export function validateNodeShare(rows: unknown): number | null | undefined {
  if (rows === undefined || rows === null) return rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1 || rows > MAX_CAPACITY) {
    throw new RingStoreError(
      'bad-input',
      `node share ${String(rows)} is invalid: it must be a whole number of rows from 1 to ${MAX_CAPACITY}, or null for one pool`,
    );
  }
  return rows;
}

export function checkShareFits(nodeShare: number, capacity: number): void {
  if (nodeShare > capacity) {
    throw new RingStoreError(
      'bad-input',
      `node share ${nodeShare} is larger than the capacity ${capacity}: a share is part of the capacity, so give a share of at most ${capacity} rows`,
    );
  }
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
