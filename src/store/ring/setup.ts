/**
 * Creating a ring, adopting a table of the spec's shape, and checking an existing one: the table,
 * its indexes, the metadata (one row: capacity and node share), the list of (node, container)
 * pairs and the write function. What opening does, and what a write does when someone dropped a
 * part of the ring under it. Everything runs under the ring's advisory transaction lock, so two
 * agents starting at once do not both create it.
 */
import { DEFAULTS } from '../../defaults.js';
import type { SqlQueryable } from '../client/sql-client.js';
import { RingStoreError } from '../errors.js';
import {
  addNodeShareColumnSql,
  createIndexSql,
  createMetaSql,
  createPairsSql,
  createTableSql,
  existingIndexes,
  quoteIdent,
  type RingNames,
  shapeDifferences,
} from './schema.js';
import { createWriteFunctionSql, writeFunctionBody } from './sql.js';
import type { RingLayout } from './types.js';

/** What ensureSchema found and did. */
export interface SchemaCheck {
  sequence: string;
  created: boolean;
  adopted: boolean;
  /** The pair list was missing in a ring that existed: it was created empty and needs a refresh. */
  pairsMissing: boolean;
  /** The capacity of a metadata row that was missing and was recreated; null when none was. */
  repaired: number | null;
  writeFunction: boolean;
  shareColumn: boolean;
}

/** Resolves the ring's sequence and checks or creates its objects, under an advisory lock. */
export async function ensureSchema(
  tx: SqlQueryable,
  names: RingNames,
  wanted: {
    capacity: number | undefined;
    unlogged: boolean | undefined;
    create?: boolean | undefined;
    /** Check only: create, mend and adopt nothing (a reader, or a standby, which cannot write). */
    readOnly?: boolean | undefined;
  },
): Promise<SchemaCheck> {
  const table = quoteIdent(names.table);
  const readOnly = wanted.readOnly === true;
  // Two agents starting at once: the second waits here, then finds the table the first created.
  if (!readOnly)
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['ringmon', names.table]);
  const found = await tx.query<{ kind: string; persistence: string }>(
    'SELECT relkind AS kind, relpersistence AS persistence FROM pg_class WHERE oid = to_regclass($1)',
    [table],
  );
  const existing = found.rows[0];
  let created = false;
  let adopted = false;
  let repaired: number | null = null;
  if (existing === undefined && (wanted.create === false || readOnly))
    throw await noRingError(tx, names.table);
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
    if (!readOnly) {
      for (const index of names.indexes) {
        if (!indexes.has(index.name)) await tx.query(createIndexSql(names, index));
      }
    }
    const meta = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      quoteIdent(names.meta),
    ]);
    if (!meta.rows[0]?.present && readOnly) {
      throw new RingStoreError(
        'ring-state',
        `table ${names.table} has no ring metadata (${names.meta}); a reader does not make it: start an agent (ringmon run) on the primary, which does`,
      );
    } else if (!meta.rows[0]?.present) {
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
      const restored = readOnly
        ? null
        : await restoreMetaRow(tx, names, wanted.capacity ?? DEFAULTS.capacity);
      if (restored !== null) repaired = restored;
    }
  }
  const pairList = await tx.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    quoteIdent(names.pairs),
  ]);
  const pairsMissing = !pairList.rows[0]?.present && !readOnly;
  if (pairsMissing) await tx.query(createPairsSql(names));
  const shareColumn = await ensureNodeShareColumn(tx, names, readOnly);
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
    pairsMissing: pairsMissing && !created,
    repaired,
    writeFunction: await ensureWriteFunction(tx, names, sequence, shareColumn, readOnly),
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
export async function restoreMetaRow(
  tx: SqlQueryable,
  names: RingNames,
  capacity: number,
): Promise<number | null> {
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
export function restoredMessage(names: RingNames, capacity: number): string {
  return `the ring's metadata row in ${names.meta} was missing: recreated it from ${names.table} with capacity ${capacity}, one pool (a master's next start or ringmon resize sets the capacity and node share it should have)`;
}

/**
 * Whether the metadata has its node_share column; a ring made before shares existed gets it here
 * when this role owns the metadata table (a nullable column: the server changes only its catalog).
 */
async function ensureNodeShareColumn(
  tx: SqlQueryable,
  names: RingNames,
  readOnly: boolean,
): Promise<boolean> {
  const found = await tx.query<{ present: boolean; own: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute
                     WHERE attrelid = c.oid AND attname = 'node_share' AND NOT attisdropped) AS present,
            pg_has_role(c.relowner, 'USAGE') AS own
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [quoteIdent(names.meta)],
  );
  const meta = found.rows[0];
  if (meta?.present) return true;
  if (!meta?.own || readOnly) return false;
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
  readOnly: boolean,
): Promise<boolean> {
  const body = writeFunctionBody(names, sequence, shareColumn);
  const found = await tx.query<{ body: string; own: boolean }>(
    `SELECT p.prosrc AS body, pg_has_role(p.proowner, 'USAGE') AS own
       FROM pg_proc p WHERE p.oid = to_regprocedure($1)`,
    [`${quoteIdent(names.writeFunction)}(jsonb)`],
  );
  const existing = found.rows[0];
  if (existing?.body === body) return true;
  if (readOnly) return false;
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

/** The capacity and node share the metadata holds (node_share is absent from rings made before it). */
export async function readLayout(db: SqlQueryable, names: RingNames): Promise<RingLayout> {
  const res = await db.query<Record<string, unknown>>(`SELECT * FROM ${quoteIdent(names.meta)}`);
  const row = res.rows[0];
  if (row === undefined) throw new RingStoreError('ring-state', `${names.meta} has no capacity row`);
  return layoutOf(row);
}

/** The layout of a metadata row read with `SELECT *` (so that a missing node_share reads as null). */
export function layoutOf(meta: Record<string, unknown>): RingLayout {
  return {
    capacity: Number(meta.capacity),
    nodeShare: meta.node_share == null ? null : Number(meta.node_share),
  };
}
