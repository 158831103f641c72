/**
 * The ring's tables and indexes, derived from the one column list, and the check that an existing
 * table has exactly that shape. Nothing here ever ALTERs or DROPs an existing object.
 */
import { COLUMNS, type ColumnSpec } from '../../columns.js';
import { MAX_CAPACITY, TABLE_NAME_PATTERN, TABLE_NAME_RULE } from '../../limits.js';
import type { SqlQueryable } from '../client/sql-client.js';
import { RingStoreError } from '../errors.js';

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN − 1). */
const MAX_IDENTIFIER = 63;

export { MAX_CAPACITY };

export function validateTableName(name: unknown): string {
  if (typeof name !== 'string' || !TABLE_NAME_PATTERN.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
    throw new RingStoreError('bad-input', `table name ${shown} is not ${TABLE_NAME_RULE}`);
  }
  return name;
}

export function validateCapacity(capacity: unknown): number {
  if (
    typeof capacity !== 'number' ||
    !Number.isInteger(capacity) ||
    capacity < 1 ||
    capacity > MAX_CAPACITY
  ) {
    throw new RingStoreError(
      'bad-input',
      `capacity ${String(capacity)} is invalid: it must be a whole number of rows from 1 to ${MAX_CAPACITY}`,
    );
  }
  return capacity;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** 32-bit FNV-1a of a string, as 8 hex digits: short, stable names derived from long texts. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * `table_suffix`, or, when that would pass 63 characters and be truncated by the server (so that two
 * derived names could collide), a shortened table name plus a hash of the full one.
 */
export function derivedName(table: string, suffix: string): string {
  const plain = `${table}_${suffix}`;
  if (plain.length <= MAX_IDENTIFIER) return plain;
  const keep = MAX_IDENTIFIER - suffix.length - 10;
  return `${table.slice(0, keep)}_${fnv1a(table)}_${suffix}`;
}

export interface IndexSpec {
  /** Full index name (derived from the table name). */
  readonly name: string;
  /** Column list and predicate, as CREATE INDEX takes them. */
  readonly body: string;
  /** The same, as pg_get_indexdef prints it after "USING " (how an existing index is compared). */
  readonly canonical: string;
  /** Why the index exists (docs/ring.md repeats these). */
  readonly why: string;
}

/**
 * The spec's four indexes, plus one for reads by node. Every index costs each write one more btree
 * insertion (no update of a ring row can be HOT), so each one here has a query that needs it.
 */
export function indexSpecs(table: string): IndexSpec[] {
  return [
    {
      name: derivedName(table, 'composite_idx'),
      body: '(master_flag, node_flag, node_name, container_name, sample_time DESC)',
      canonical: 'btree (master_flag, node_flag, node_name, container_name, sample_time DESC)',
      why: "spec index; the latest host row of one node (both master_flag values probed), the spec's own time queries",
    },
    {
      name: derivedName(table, 'time_slot_idx'),
      body: '(sample_time NULLS FIRST, slot ASC)',
      canonical: 'btree (sample_time NULLS FIRST, slot)',
      why: 'spec index; newest rows overall (read backwards), oldest/newest sample_time, cleanupOldSamples',
    },
    {
      name: derivedName(table, 'master_nodes_idx'),
      body: '(sample_time DESC) WHERE master_flag = TRUE AND node_flag = TRUE',
      canonical: 'btree (sample_time DESC) WHERE ((master_flag = true) AND (node_flag = true))',
      why: "spec index; the master's host rows by time",
    },
    {
      name: derivedName(table, 'containers_idx'),
      body: '(node_name, container_name, sample_time DESC) WHERE node_flag = FALSE',
      canonical: 'btree (node_name, container_name, sample_time DESC) WHERE (node_flag = false)',
      why: 'spec index; recent rows of one container, and the loose index scan for the latest row of every container',
    },
    {
      name: derivedName(table, 'node_time_idx'),
      body: '(node_name, sample_time DESC)',
      canonical: 'btree (node_name, sample_time DESC)',
      why: 'ours; recent rows of one node (its host rows and its containers), and the walk over node names',
    },
    {
      name: derivedName(table, 'container_time_idx'),
      body: '(container_name, sample_time DESC) WHERE node_flag = FALSE',
      canonical: 'btree (container_name, sample_time DESC) WHERE (node_flag = false)',
      why: 'ours; recent rows of one container name across all nodes (no other index leads with container_name)',
    },
  ];
}

/** Every name the ring uses, derived from the table name. */
export interface RingNames {
  readonly table: string;
  /** One-row table holding the capacity, so that every agent agrees on it. */
  readonly meta: string;
  /**
   * The (node, container) pairs present in the ring, container '' for host rows. Writers register
   * a pair before its first row; the ring's maintenance adds pairs written by anyone else and drops
   * pairs whose rows are all overwritten. It lets the overview probe each pair once instead of
   * discovering them with one index descent per pair. (The table is `<table>_ring_groups`, the
   * name rings have had from the start.)
   */
  readonly pairs: string;
  /**
   * The write as a PL/pgSQL function, `writeFunction(jsonb)`: its plan is cached in each server
   * session that runs it, which a named prepared statement would be too, but without any state a
   * client can see (sql.ts says why and what it saves).
   */
  readonly writeFunction: string;
  /**
   * Which part of the slots each node owns when the ring gives every node a share of its own
   * (`node_share` in the metadata): one row per node with its share's position and how many rows
   * it has written into it. Created when sharing is first turned on.
   */
  readonly shares: string;
  readonly indexes: IndexSpec[];
}

export function ringNames(table: string): RingNames {
  return {
    table,
    meta: derivedName(table, 'ring_meta'),
    pairs: derivedName(table, 'ring_groups'),
    writeFunction: derivedName(table, 'ring_write'),
    shares: derivedName(table, 'ring_shares'),
    indexes: indexSpecs(table),
  };
}

/** The columns the writer supplies (id and slot are the ring's). */
export const INPUT_COLUMNS: readonly ColumnSpec[] = COLUMNS.filter(
  (c) => c.name !== 'id' && c.name !== 'slot',
);

/** `BIGSERIAL PRIMARY KEY` → what format_type() prints for it, and the rest of what the spec says. */
export interface ColumnShape {
  type: string;
  notNull: boolean;
  /** Default expression as written in the spec, without the DEFAULT keyword; null when none. */
  default: string | null;
}

const SQL_TYPES: Record<string, string> = {
  BIGSERIAL: 'bigint',
  BIGINT: 'bigint',
  INTEGER: 'integer',
  REAL: 'real',
  TEXT: 'text',
  BOOLEAN: 'boolean',
};

export function columnShape(c: ColumnSpec): ColumnShape {
  const [word] = c.sql.split(/\s+/);
  const type = SQL_TYPES[word ?? ''];
  if (type === undefined) throw new Error(`columns.ts: no SQL type mapping for ${c.name} (${c.sql})`);
  const def = /\bDEFAULT\s+(.+)$/i.exec(c.sql)?.[1]?.trim() ?? null;
  return {
    type,
    notNull: /\bNOT NULL\b|\bPRIMARY KEY\b|^BIGSERIAL\b/i.test(c.sql),
    default: word === 'BIGSERIAL' ? 'nextval' : def,
  };
}

export interface CreateOptions {
  capacity: number;
  unlogged: boolean;
}

/**
 * Per-table settings for servers that run autovacuum (the ring vacuums itself too, see ring.ts):
 * vacuum after a tenth of the rows died rather than a fifth, and never truncate the table, whose
 * space the ring reuses anyway.
 */
const STORAGE_PARAMS =
  'autovacuum_vacuum_scale_factor = 0.1, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.1, vacuum_truncate = false';

export function createTableSql(names: RingNames, options: Pick<CreateOptions, 'unlogged'>): string {
  const cols = COLUMNS.map((c) => `  ${quoteIdent(c.name)} ${c.sql}`).join(',\n');
  const unlogged = options.unlogged ? 'UNLOGGED ' : '';
  return `CREATE ${unlogged}TABLE ${quoteIdent(names.table)} (\n${cols}\n) WITH (${STORAGE_PARAMS})`;
}

export function createIndexSql(names: RingNames, index: IndexSpec): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(index.name)} ON ${quoteIdent(names.table)} ${index.body}`;
}

export function createMetaSql(names: RingNames): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(names.meta)} (
  one_row  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row),
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  ring_table TEXT NOT NULL,
  ${NODE_SHARE_COLUMN}
)`;
}

/**
 * Rows each node keeps when the ring is shared out per node; NULL: one pool for every node (the
 * spec's ring). Rings made before shares existed get the column when their owner opens them.
 */
const NODE_SHARE_COLUMN = 'node_share INTEGER CHECK (node_share > 0)';

export function addNodeShareColumnSql(names: RingNames): string {
  return `ALTER TABLE ${quoteIdent(names.meta)} ADD COLUMN IF NOT EXISTS ${NODE_SHARE_COLUMN}`;
}

/**
 * share_index k owns slots [k × node_share, (k + 1) × node_share); `written` counts the rows the
 * node has put into it since it got it, so its next row goes to slot k × node_share + written mod
 * node_share; `last_write` (the server's clock) says which share may go to a newcomer once every
 * share is taken.
 */
export function createSharesSql(names: RingNames): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(names.shares)} (
  node_name   TEXT PRIMARY KEY,
  share_index INTEGER NOT NULL UNIQUE CHECK (share_index >= 0),
  written     BIGINT NOT NULL CHECK (written >= 0),
  last_write  TIMESTAMPTZ NOT NULL
)`;
}

export function createPairsSql(names: RingNames): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(names.pairs)} (
  node_name      TEXT NOT NULL,
  container_name TEXT NOT NULL,
  PRIMARY KEY (node_name, container_name)
)`;
}

interface AttributeRow {
  name: string;
  type: string;
  not_null: boolean;
  default_expr: string | null;
}

function normaliseDefault(expr: string | null): string | null {
  if (expr === null) return null;
  if (/^nextval\(/i.test(expr)) return 'nextval';
  return expr.replace(/::[a-z ]+$/i, '').toLowerCase();
}

/** Differences between the existing table and the spec, as short phrases; empty when it matches. */
export async function shapeDifferences(db: SqlQueryable, table: string): Promise<string[]> {
  const attrs = await db.query<AttributeRow>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default_expr
       FROM pg_attribute a
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [quoteIdent(table)],
  );
  const byName = new Map(attrs.rows.map((r) => [r.name, r]));
  const diffs: string[] = [];
  for (const c of COLUMNS) {
    const want = columnShape(c);
    const have = byName.get(c.name);
    if (have === undefined) {
      diffs.push(`column ${c.name} is missing`);
      continue;
    }
    if (have.type !== want.type) diffs.push(`column ${c.name} is ${have.type}, expected ${want.type}`);
    if (have.not_null !== want.notNull) {
      diffs.push(
        `column ${c.name} ${have.not_null ? 'is NOT NULL' : 'allows NULL'}, expected ${want.notNull ? 'NOT NULL' : 'NULL allowed'}`,
      );
    }
    const haveDefault = normaliseDefault(have.default_expr);
    const wantDefault = want.default === null ? null : normaliseDefault(want.default);
    if (haveDefault !== wantDefault) {
      diffs.push(
        `column ${c.name} defaults to ${have.default_expr ?? 'nothing'}, expected ${want.default ?? 'no default'}`,
      );
    }
  }
  const known = new Set<string>(COLUMNS.map((c) => c.name));
  for (const r of attrs.rows) if (!known.has(r.name)) diffs.push(`extra column ${r.name}`);

  const keys = await db.query<{ kind: string; cols: string }>(
    `SELECT c.contype AS kind, string_agg(a.attname, ',' ORDER BY a.attnum) AS cols
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.conrelid = to_regclass($1) AND c.contype IN ('p', 'u')
      GROUP BY c.oid, c.contype`,
    [quoteIdent(table)],
  );
  if (!keys.rows.some((k) => k.kind === 'p' && k.cols === 'id')) diffs.push('no PRIMARY KEY (id)');
  if (!keys.rows.some((k) => k.kind === 'u' && k.cols === 'slot')) diffs.push('no UNIQUE (slot) constraint');
  return diffs;
}

/** Our indexes as they exist now: name → the part of pg_get_indexdef after "USING ". */
export async function existingIndexes(db: SqlQueryable, table: string): Promise<Map<string, string>> {
  const res = await db.query<{ name: string; def: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1)`,
    [quoteIdent(table)],
  );
  return new Map(res.rows.map((r) => [r.name, r.def.replace(/^.* USING /, '')]));
}

/** What a role does with a ring, for the grants it needs: the owner (who created it) needs none. */
export type RingJob = 'read' | 'write' | 'cleanup';

export interface RingGrant {
  kind: 'TABLE' | 'SEQUENCE';
  object: string;
  privileges: string;
}

/**
 * The grants a role that does not own the ring needs for each job (README, "Roles and grants",
 * prints them for the default table, and a test runs each job with exactly these). Resizing,
 * vacuuming and creating a ring are the owner's: they lock the table exclusively or change its layout.
 * A ring shared out per node also needs SELECT, INSERT, UPDATE on its shares table for writing.
 */
export function ringGrants(names: RingNames, job: RingJob): RingGrant[] {
  // PostgreSQL's own name for the BIGSERIAL's sequence: the table name cut to fit 63 with the suffix.
  const sequence = `${names.table.slice(0, MAX_IDENTIFIER - '_id_seq'.length)}_id_seq`;
  if (job === 'write') {
    return [
      { kind: 'TABLE', object: names.table, privileges: 'SELECT, INSERT, UPDATE' },
      { kind: 'TABLE', object: names.meta, privileges: 'SELECT' },
      { kind: 'TABLE', object: names.pairs, privileges: 'SELECT, INSERT, DELETE' },
      { kind: 'SEQUENCE', object: sequence, privileges: 'SELECT, USAGE' },
    ];
  }
  return [
    { kind: 'TABLE', object: names.table, privileges: job === 'cleanup' ? 'SELECT, DELETE' : 'SELECT' },
    { kind: 'TABLE', object: names.meta, privileges: 'SELECT' },
    { kind: 'TABLE', object: names.pairs, privileges: 'SELECT' },
    { kind: 'SEQUENCE', object: sequence, privileges: 'SELECT' },
  ];
}

/** The GRANT statements for a job, for `role`. */
export function grantStatements(names: RingNames, job: RingJob, role: string): string[] {
  return ringGrants(names, job).map(
    (g) =>
      `GRANT ${g.privileges} ON ${g.kind === 'SEQUENCE' ? 'SEQUENCE ' : ''}${quoteIdent(g.object)} TO ${role};`,
  );
}
