/**
 * The ring's statements. Identifiers come from the validated table name and are quoted; every value
 * is a parameter. Which index answers each read is noted where it is not obvious (docs/ring.md has
 * the measured plans).
 */
import { COLUMNS, type SampleRow } from '../columns.js';
import { columnShape, INPUT_COLUMNS, quoteIdent, quoteLiteral, type RingNames } from './schema.js';

const ALL_COLUMNS = COLUMNS.map((c) => c.name);
/** What state() needs of the newest rows: who, when and how often (and id, which breaks ties). */
const WHO_AND_WHEN = ['id', 'node_name', 'container_name', 'sample_time', 'interval_seconds'];
const SELECT_LIST = selectList(ALL_COLUMNS);

function selectList(columns: readonly string[], alias?: string): string {
  return columns.map((c) => (alias === undefined ? quoteIdent(c) : `${alias}.${quoteIdent(c)}`)).join(', ');
}

/**
 * Builds a row object from the values of a full-row SELECT (rowMode 'array'), one object literal
 * of the 52 columns: V8 gives such objects a fixed shape, where a driver adding 52 properties one
 * by one does not. Measured on 1,100 rows: 13.8 ms for the whole latest() against 18–20 ms with
 * the driver's objects. The code is generated from our own column names only.
 */
export const sampleRowFromValues = new Function(
  'v',
  `return {${ALL_COLUMNS.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`,
) as (values: readonly unknown[]) => SampleRow;

/** Parameters one row binds in the write statement. */
export const PARAMS_PER_ROW = INPUT_COLUMNS.length;

/**
 * One statement per batch: the rows as a parameterised VALUES list (measured faster than one
 * array parameter per column, whose parsing cost the server more than the ring logic itself), each
 * row taking n = nextval and slot (n − 1) mod capacity. With `register`, the batch's
 * (node, container) pairs go into the groups table in the same statement, so that even a writer's
 * first batch is one round trip.
 */
export function writeSql(names: RingNames, sequence: string, rows: number, register: boolean): string {
  const types = INPUT_COLUMNS.map((c) => columnShape(c).type);
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${types.map((type, k) => `$${r * PARAMS_PER_ROW + k + 1}::${type}`).join(', ')})`,
  );
  const first = rows * PARAMS_PER_ROW + 1;
  const registration = register
    ? `WITH registered AS (
  INSERT INTO ${quoteIdent(names.groups)} (node_name, container_name)
  SELECT * FROM unnest($${first}::text[], $${first + 1}::text[])
  ON CONFLICT DO NOTHING)
`
    : '';
  const inputs = INPUT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
  return `${registration}${ringInsert(names, sequence, `(VALUES ${tuples.join(',\n')}) AS x(${inputs})`)}`;
}

/**
 * The ring's INSERT … ON CONFLICT over `source`, a FROM item that yields the batch's rows in order
 * with the INPUT_COLUMNS as its columns: each row takes n = nextval and slot (n − 1) mod capacity.
 */
function ringInsert(names: RingNames, sequence: string, source: string): string {
  const inputs = INPUT_COLUMNS.map((c) => quoteIdent(c.name));
  // Columns with a DEFAULT in the spec get it when the writer leaves them out.
  const values = INPUT_COLUMNS.map((c) => {
    const def = columnShape(c).default;
    const ref = `u.${quoteIdent(c.name)}`;
    return def === null ? ref : `COALESCE(${ref}, ${def}) AS ${quoteIdent(c.name)}`;
  });
  const allCols = ['"id"', '"slot"', ...inputs];
  const updates = allCols.filter((c) => c !== '"slot"').map((c) => `${c} = EXCLUDED.${c}`);
  return `INSERT INTO ${quoteIdent(names.table)} AS r (${allCols.join(', ')})
SELECT DISTINCT ON (w.slot) w.*
  FROM (SELECT u.n AS id,
               ((u.n - 1) % (SELECT capacity FROM ${quoteIdent(names.meta)}))::integer AS slot,
               ${values.join(', ')}
          FROM (SELECT nextval(${quoteLiteral(sequence)}::regclass) AS n, x.*
                  FROM ${source}) u) w
 ORDER BY w.slot, w.id DESC
ON CONFLICT ("slot") DO UPDATE SET ${updates.join(', ')}
 WHERE r."id" < EXCLUDED."id"
RETURNING r."id"`;
}

/**
 * The body of the ring's write function: the statement of {@link writeSql} with the batch as one
 * JSON array of rows (each an array of INPUT_COLUMNS values) instead of a parameter per value.
 *
 * Why a function: ringmon keeps nothing in the server session (pgbouncer's transaction pooling and
 * the embedded socket share sessions between clients), so the write cannot be a named prepared
 * statement, and an unnamed statement of 550 parameters is parsed and planned on every batch: 2–3×
 * the server's CPU of the prepared one (measured 190–290 against 70–105 µs a row). PL/pgSQL caches
 * the plan of its statements in whichever session runs it, invisibly to clients, so the call costs
 * little more than the prepared statement did.
 */
export function writeFunctionBody(names: RingNames, sequence: string): string {
  const columns = INPUT_COLUMNS.map((c, i) => {
    const type = columnShape(c).type;
    // ->> gives SQL NULL for a JSON null, and the text the cast reads for everything else.
    const ref = type === 'text' ? `(e.v->>${i})` : `(e.v->>${i})::${type}`;
    return `${ref} AS ${quoteIdent(c.name)}`;
  });
  const source = `(SELECT ${columns.join(', ')} FROM jsonb_array_elements(ringmon_rows) AS e(v)) AS x`;
  return `
BEGIN
  RETURN QUERY
${ringInsert(names, sequence, source)};
END
`;
}

/** Creates (or brings up to date) the write function. */
export function createWriteFunctionSql(names: RingNames, sequence: string): string {
  return `CREATE OR REPLACE FUNCTION ${quoteIdent(names.writeFunction)}(ringmon_rows jsonb)
RETURNS SETOF bigint LANGUAGE plpgsql AS $ringmon$${writeFunctionBody(names, sequence)}$ringmon$`;
}

/** One batch through the write function: one parameter, the rows as JSON. */
export function callWriteSql(names: RingNames): string {
  return `SELECT id FROM ${quoteIdent(names.writeFunction)}($1::jsonb) AS id`;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Newest rows first. Each filter combination reads one index in order and stops after `limit`
 * entries; ordering ties on sample_time by id costs an incremental sort within equal times only.
 */
export function recentSql(names: RingNames, limit: number, node?: string, container?: string): Statement {
  const t = quoteIdent(names.table);
  if (node !== undefined && container !== undefined) {
    return {
      sql: `SELECT ${SELECT_LIST} FROM ${t}
             WHERE node_flag = FALSE AND node_name = $1 AND container_name = $2 AND sample_time IS NOT NULL
             ORDER BY sample_time DESC, id DESC LIMIT $3`,
      params: [node, container, limit],
    };
  }
  if (node !== undefined) {
    return {
      sql: `SELECT ${SELECT_LIST} FROM ${t} WHERE node_name = $1 AND sample_time IS NOT NULL
             ORDER BY sample_time DESC, id DESC LIMIT $2`,
      params: [node, limit],
    };
  }
  if (container !== undefined) {
    return {
      sql: `SELECT ${SELECT_LIST} FROM ${t}
             WHERE node_flag = FALSE AND container_name = $1 AND sample_time IS NOT NULL
             ORDER BY sample_time DESC, id DESC LIMIT $2`,
      params: [container, limit],
    };
  }
  // The spec's time_slot index (sample_time NULLS FIRST, slot) read backwards.
  return {
    sql: `SELECT ${SELECT_LIST} FROM ${t} WHERE sample_time IS NOT NULL
           ORDER BY sample_time DESC NULLS LAST, id DESC LIMIT $1`,
    params: [limit],
  };
}

/** The newest host row of one node: its rows sit under both master_flag values of the composite index. */
function hostProbe(t: string, nodeRef: string, cols: string): string {
  return `SELECT * FROM (
      (SELECT ${cols} FROM ${t} a WHERE a.master_flag = FALSE AND a.node_flag = TRUE
          AND a.node_name = ${nodeRef} AND a.container_name IS NULL AND a.sample_time IS NOT NULL
        ORDER BY a.sample_time DESC LIMIT 1)
      UNION ALL
      (SELECT ${cols} FROM ${t} b WHERE b.master_flag = TRUE AND b.node_flag = TRUE
          AND b.node_name = ${nodeRef} AND b.container_name IS NULL AND b.sample_time IS NOT NULL
        ORDER BY b.sample_time DESC LIMIT 1)) host
    ORDER BY sample_time DESC, id DESC LIMIT 1`;
}

function containerProbe(t: string, nodeRef: string, containerRef: string, cols: string): string {
  return `SELECT ${cols} FROM ${t} c
     WHERE c.node_flag = FALSE AND c.node_name = ${nodeRef} AND c.container_name = ${containerRef}
       AND c.sample_time IS NOT NULL
     ORDER BY c.sample_time DESC LIMIT 1`;
}

/**
 * The newest row of every node's host rows and of every container. An active pair wrote recently,
 * so its newest row is among the newest rows of the whole ring: read twice as many of those as
 * there are pairs (one index range, no per-pair descent), keep the newest per pair, and probe the
 * pairs still missing (stopped containers, slow writers) one by one. All of that handles five
 * narrow columns; only the winners' full rows are fetched, by id, at the end (sorting 2,300 rows
 * of 52 columns took 6 of the query's 9 ms on a 1,000,000-row ring; narrow, 1).
 */
export function latestSql(names: RingNames, whoAndWhenOnly = false): string {
  const t = quoteIdent(names.table);
  const list = selectList(WHO_AND_WHEN);
  // Grouping needs equality only: byte order ("C") spares the locale's string comparisons.
  const pair = `node_name COLLATE "C", coalesce(container_name, '') COLLATE "C"`;
  const picked = `WITH pairs AS (SELECT node_name, container_name FROM ${quoteIdent(names.groups)}),
  newest AS (
    SELECT ${list} FROM ${t} WHERE sample_time IS NOT NULL
     ORDER BY sample_time DESC NULLS LAST, slot DESC
     LIMIT (SELECT 2 * count(*) + 100 FROM pairs)),
  found AS (
    SELECT DISTINCT ON (${pair}) * FROM newest ORDER BY ${pair}, sample_time DESC, id DESC),
  missing AS (
    SELECT p.node_name, p.container_name FROM pairs p
     WHERE NOT EXISTS (SELECT 1 FROM found f
                        WHERE f.node_name = p.node_name AND coalesce(f.container_name, '') = p.container_name)),
  picked AS (
    SELECT * FROM found
    UNION ALL
    SELECT h.* FROM missing m CROSS JOIN LATERAL (${hostProbe(t, 'm.node_name', list)}) h
     WHERE m.container_name = ''
    UNION ALL
    SELECT c.* FROM missing m CROSS JOIN LATERAL (${containerProbe(t, 'm.node_name', 'm.container_name', selectList(WHO_AND_WHEN, 'c'))}) c
     WHERE m.container_name <> '')`;
  if (whoAndWhenOnly)
    return `${picked}
SELECT * FROM picked ORDER BY node_name, container_name NULLS FIRST`;
  // One primary-key lookup per winner; LIMIT keeps the planner from turning it into a hash join
  // that scans the whole ring (it misjudges how few rows `picked` holds).
  return `${picked}
SELECT r.* FROM picked p
 CROSS JOIN LATERAL (SELECT ${SELECT_LIST} FROM ${t} x WHERE x.id = p.id LIMIT 1) r
 ORDER BY r.node_name, r.container_name NULLS FIRST`;
}

/**
 * Brings the groups table in line with the ring: adds every pair present (loose index scans, one
 * descent per pair) and drops pairs with no row left. Run by the ring's maintenance, not per read.
 */
export function refreshGroupsSql(names: RingNames): string[] {
  const t = quoteIdent(names.table);
  const g = quoteIdent(names.groups);
  const hostExists = (nodeRef: string) =>
    `(EXISTS (SELECT 1 FROM ${t} a WHERE a.master_flag = FALSE AND a.node_flag = TRUE AND a.node_name = ${nodeRef} AND a.container_name IS NULL)
      OR EXISTS (SELECT 1 FROM ${t} b WHERE b.master_flag = TRUE AND b.node_flag = TRUE AND b.node_name = ${nodeRef} AND b.container_name IS NULL))`;
  return [
    `WITH RECURSIVE
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
    INSERT INTO ${g} (node_name, container_name)
    SELECT node_name, '' FROM nodes WHERE node_name IS NOT NULL AND ${hostExists('nodes.node_name')}
    UNION ALL
    SELECT node_name, container_name FROM containers WHERE container_name IS NOT NULL
    ON CONFLICT DO NOTHING`,
    `DELETE FROM ${g} p
      WHERE CASE WHEN p.container_name = '' THEN NOT ${hostExists('p.node_name')}
                 ELSE NOT EXISTS (SELECT 1 FROM ${t} c WHERE c.node_flag = FALSE
                                     AND c.node_name = p.node_name AND c.container_name = p.container_name)
            END`,
  ];
}
