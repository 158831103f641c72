/**
 * The ring's statements. Identifiers come from the validated table name and are quoted; every value
 * is a parameter. Which index answers each read is noted where it is not obvious (docs/ring.md has
 * the measured plans).
 */
import { COLUMNS, type SampleRow } from '../../columns.js';
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
 * (node, container) pairs go into the pair list in the same statement, so that even a writer's
 * first batch is one round trip. With `shareColumn` (the metadata can say the ring is shared out
 * per node), the statement stores nothing in such a ring: its slot comes out NULL and the
 * statement fails on slot's NOT NULL, because only the write function knows the shares.
 */
export function writeSql(
  names: RingNames,
  sequence: string,
  rows: number,
  register: boolean,
  shareColumn: boolean,
): string {
  const types = INPUT_COLUMNS.map((c) => columnShape(c).type);
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${types.map((type, k) => `$${r * PARAMS_PER_ROW + k + 1}::${type}`).join(', ')})`,
  );
  const first = rows * PARAMS_PER_ROW + 1;
  const registration = register
    ? `WITH registered AS (
  ${registerPairsSql(names, `$${first}`, `$${first + 1}`)})
`
    : '';
  const inputs = INPUT_COLUMNS.map((c) => quoteIdent(c.name)).join(', ');
  return `${registration}${ringInsert(names, sequence, `(VALUES ${tuples.join(',\n')}) AS x(${inputs})`, {
    slot: poolSlot(names, shareColumn),
  })}`;
}

/**
 * The slot of row u in one pool: (n − 1) mod capacity. With `shareColumn` it is NULL once the ring
 * is shared out per node, so that a statement planned for the pool fails instead of writing there.
 */
function poolSlot(names: RingNames, shareColumn: boolean): string {
  const guard = shareColumn ? ' WHERE node_share IS NULL' : '';
  return `((u.n - 1) % (SELECT capacity FROM ${quoteIdent(names.meta)}${guard}))::integer`;
}

function registerPairsSql(names: RingNames, nodes: string, containers: string): string {
  return `INSERT INTO ${quoteIdent(names.pairs)} (node_name, container_name)
  SELECT * FROM unnest(${nodes}::text[], ${containers}::text[])
  ON CONFLICT DO NOTHING`;
}

/** Registers (node, container) pairs on their own: $1 the nodes, $2 the containers ('' for hosts). */
export function registerSql(names: RingNames): string {
  return registerPairsSql(names, '$1', '$2');
}

/** Where the rows of {@link ringInsert} go: the slot expression over `u`, and what `u` is. */
interface Placement {
  /** The slot of row `u` (u.n is its id). */
  slot: string;
  /** The FROM item `u`, given the rows' source; by default each row with n = nextval first. */
  numbered?: (source: string, nextval: string) => string;
}

/**
 * The ring's INSERT … ON CONFLICT over `source`, a FROM item that yields the batch's rows in order
 * with the INPUT_COLUMNS as its columns: each row takes n = nextval as its id and the slot the
 * placement gives it.
 */
function ringInsert(names: RingNames, sequence: string, source: string, placement: Placement): string {
  const inputs = INPUT_COLUMNS.map((c) => quoteIdent(c.name));
  // Columns with a DEFAULT in the spec get it when the writer leaves them out.
  const values = INPUT_COLUMNS.map((c) => {
    const def = columnShape(c).default;
    const ref = `u.${quoteIdent(c.name)}`;
    return def === null ? ref : `COALESCE(${ref}, ${def}) AS ${quoteIdent(c.name)}`;
  });
  const allCols = ['"id"', '"slot"', ...inputs];
  const updates = allCols.filter((c) => c !== '"slot"').map((c) => `${c} = EXCLUDED.${c}`);
  const nextval = `nextval(${quoteLiteral(sequence)}::regclass)`;
  const numbered = placement.numbered?.(source, nextval) ?? `(SELECT ${nextval} AS n, x.* FROM ${source}) u`;
  return `INSERT INTO ${quoteIdent(names.table)} AS r (${allCols.join(', ')})
SELECT DISTINCT ON (w.slot) w.*
  FROM (SELECT u.n AS id,
               ${placement.slot} AS slot,
               ${values.join(', ')}
          FROM ${numbered}) w
 ORDER BY w.slot, w.id DESC
ON CONFLICT ("slot") DO UPDATE SET ${updates.join(', ')}
 WHERE r."id" < EXCLUDED."id"
RETURNING r."id"`;
}

/** A node that has written nothing for this long gives its share to a newcomer when none is free. */
export const SHARE_IDLE_SECONDS = 3600;
/** The SQLSTATE the write function raises when a node finds no share (ours: class RM). */
export const NO_SHARE_SQLSTATE = 'RM001';

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
 *
 * With `shareColumn`, the function also writes rings shared out per node (metadata node_share set):
 * each node of the batch takes the lock on its row of the shares table (in name order, so that two
 * batches cannot deadlock), counts its rows into it, and its rows go to the slots after the ones
 * it wrote last, within its own share. The lock serialises the writers of one node, so a share is
 * written in order and keeps exactly its newest rows. A node without a share takes a free one, or
 * else the share of the node that has been silent longest, if that is over SHARE_IDLE_SECONDS;
 * claims are serialised by a transaction-scoped advisory lock, taken before any share row.
 */
export function writeFunctionBody(names: RingNames, sequence: string, shareColumn = false): string {
  const ord = 'ringmon_ord';
  const columns = INPUT_COLUMNS.map((c, i) => {
    const type = columnShape(c).type;
    // ->> gives SQL NULL for a JSON null, and the text the cast reads for everything else.
    const ref = type === 'text' ? `(e.v->>${i})` : `(e.v->>${i})::${type}`;
    return `${ref} AS ${quoteIdent(c.name)}`;
  });
  const meta = quoteIdent(names.meta);
  const source = `(SELECT ${columns.join(', ')}, e.o AS ${ord}
          FROM jsonb_array_elements(ringmon_rows) WITH ORDINALITY AS e(v, o)) AS x`;
  // In a ring that can be shared out, the pool's slot is NULL once it is (see writeSql): a resize
  // to shares that this write waited for then fails it, and the store writes it again.
  const pool = ringInsert(names, sequence, source, {
    slot: poolSlot(names, shareColumn),
  });
  if (!shareColumn) {
    return `
BEGIN
  RETURN QUERY
${pool};
END
`;
  }
  const shares = quoteIdent(names.shares);
  const nodeAt = INPUT_COLUMNS.findIndex((c) => c.name === 'node_name');
  const shared = ringInsert(names, sequence, source, {
    slot: `(u.share_index::bigint * v_share_rows + (u.share_base + u.k - 1) % v_share_rows)::integer`,
    // Ids ascend in the batch's order within each node, so "newest" is "highest id" in a share too.
    numbered: (src, nextval) => `(SELECT ${nextval} AS n, y.* FROM (
                  SELECT row_number() OVER (PARTITION BY x.node_name ORDER BY x.${ord}) AS k,
                         p.share_index, p.share_base, x.*
                    FROM ${src}
                    JOIN unnest(v_nodes, v_indexes, v_bases) AS p(node_name, share_index, share_base)
                      ON p.node_name = x.node_name) y
                 ORDER BY y.${ord}) u`,
  });
  return `
DECLARE
  v_share_rows integer;
  v_share_count integer;
  v_nodes text[];
  v_counts integer[];
  v_indexes integer[] := '{}';
  v_bases bigint[] := '{}';
  v_claiming boolean;
  v_index integer;
  v_base bigint;
BEGIN
  SELECT m.node_share INTO v_share_rows FROM ${meta} m;
  IF v_share_rows IS NOT NULL THEN
    -- A resize holds the shares table while it moves them: wait for it, then read what it set.
    LOCK TABLE ${shares} IN ROW EXCLUSIVE MODE;
    SELECT m.node_share, m.capacity / m.node_share INTO v_share_rows, v_share_count FROM ${meta} m;
  END IF;
  IF v_share_rows IS NULL THEN
    RETURN QUERY
${pool};
    RETURN;
  END IF;
  SELECT array_agg(b.node_name ORDER BY b.node_name COLLATE "C"), array_agg(b.n_rows ORDER BY b.node_name COLLATE "C")
    INTO v_nodes, v_counts
    FROM (SELECT e.v->>${nodeAt} AS node_name, count(*)::integer AS n_rows
            FROM jsonb_array_elements(ringmon_rows) AS e(v) GROUP BY 1) b;
  IF v_nodes IS NULL THEN
    RETURN;
  END IF;
  v_claiming := EXISTS (SELECT 1 FROM unnest(v_nodes) AS b(node_name)
                         WHERE NOT EXISTS (SELECT 1 FROM ${shares} s WHERE s.node_name = b.node_name));
  IF v_claiming THEN
    PERFORM pg_advisory_xact_lock(hashtext('ringmon share'), hashtext(${quoteLiteral(names.table)}));
  END IF;
  FOR i IN 1 .. array_length(v_nodes, 1) LOOP
    UPDATE ${shares} s SET written = s.written + v_counts[i], last_write = now()
     WHERE s.node_name = v_nodes[i]
     RETURNING s.share_index, s.written - v_counts[i] INTO v_index, v_base;
    IF NOT FOUND THEN
      IF NOT v_claiming THEN
        RAISE EXCEPTION 'the share of node % went to another node during this write', v_nodes[i]
          USING ERRCODE = '40001', HINT = 'retry the write';
      END IF;
      SELECT f.idx INTO v_index FROM generate_series(0, v_share_count - 1) AS f(idx)
       WHERE NOT EXISTS (SELECT 1 FROM ${shares} s WHERE s.share_index = f.idx)
       ORDER BY f.idx LIMIT 1;
      IF v_index IS NULL THEN
        DELETE FROM ${shares} s
         WHERE s.node_name = (SELECT q.node_name FROM ${shares} q
                               WHERE q.last_write < now() - interval '${SHARE_IDLE_SECONDS} seconds'
                               ORDER BY q.last_write LIMIT 1)
        RETURNING s.share_index INTO v_index;
      END IF;
      IF v_index IS NULL THEN
        RAISE EXCEPTION 'ring ${names.table} has no share left for node %: its % share(s) of % rows all belong to nodes that wrote within the last hour', v_nodes[i], v_share_count, v_share_rows
          USING ERRCODE = '${NO_SHARE_SQLSTATE}',
                HINT = 'raise the capacity or lower the node share (ringmon resize); a share also frees up an hour after its node stops';
      END IF;
      INSERT INTO ${shares} (node_name, share_index, written, last_write)
      VALUES (v_nodes[i], v_index, v_counts[i], now());
      v_base := 0;
    END IF;
    v_indexes := v_indexes || v_index;
    v_bases := v_bases || v_base;
  END LOOP;
  RETURN QUERY
${shared};
END
`;
}

/** Creates (or brings up to date) the write function. */
export function createWriteFunctionSql(names: RingNames, sequence: string, shareColumn = false): string {
  return `CREATE OR REPLACE FUNCTION ${quoteIdent(names.writeFunction)}(ringmon_rows jsonb)
RETURNS SETOF bigint LANGUAGE plpgsql AS $ringmon$${writeFunctionBody(names, sequence, shareColumn)}$ringmon$`;
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

/**
 * The newest host row of one node: its rows sit under both master_flag values of the composite index.
 * Each branch also orders by container_name (all NULL here): `IS NULL` does not make the planner
 * treat the column as fixed, so without it the branch read every host row of the node and sorted
 * them (0.2 ms a quiet node of 90 rows at 1,000 nodes; a node with hours of rows, far more); with
 * it, the branch is one index descent.
 */
function hostProbe(t: string, nodeRef: string, cols: string): string {
  return `SELECT * FROM (
      (SELECT ${cols} FROM ${t} a WHERE a.master_flag = FALSE AND a.node_flag = TRUE
          AND a.node_name = ${nodeRef} AND a.container_name IS NULL AND a.sample_time <= $1::bigint
        ORDER BY a.container_name, a.sample_time DESC LIMIT 1)
      UNION ALL
      (SELECT ${cols} FROM ${t} b WHERE b.master_flag = TRUE AND b.node_flag = TRUE
          AND b.node_name = ${nodeRef} AND b.container_name IS NULL AND b.sample_time <= $1::bigint
        ORDER BY b.container_name, b.sample_time DESC LIMIT 1)) host
    ORDER BY sample_time DESC, id DESC LIMIT 1`;
}

function containerProbe(t: string, nodeRef: string, containerRef: string, cols: string): string {
  return `SELECT ${cols} FROM ${t} c
     WHERE c.node_flag = FALSE AND c.node_name = ${nodeRef} AND c.container_name = ${containerRef}
       AND c.sample_time <= $1::bigint
     ORDER BY c.sample_time DESC LIMIT 1`;
}

/**
 * The newest row of every node's host rows and of every container, among the rows stamped at or
 * before $1 (epoch seconds: the reader's now plus a tolerance, so that a writer whose clock ran
 * ahead does not stand for the pair with a sample from the future), ordered by node and container
 * in byte order (COLLATE "C", whatever the database's collation), host row first.
 *
 * An active pair wrote recently, so its newest row is among the newest rows of the whole ring: read
 * twice as many of those as there are pairs (one index range, no per-pair descent), keep the newest
 * per pair, and probe the pairs still missing (stopped containers, slow writers) one by one. All of
 * that handles five narrow columns; only the winners' full rows are fetched, by id, at the end
 * (sorting 2,300 rows of 52 columns took 6 of the query's 9 ms on a 1,000,000-row ring; narrow, 1).
 *
 * At 1,000 nodes × 10 containers (11,000 pairs, 22,100 rows read) each step was measured
 * (bench/dashboard.ts; EXPLAIN ANALYZE, JIT off): the newest per pair is a hash aggregate of
 * max(ARRAY[sample_time, id, interval_seconds]), arrays comparing element by element, where
 * DISTINCT ON sorted the 22,100 rows (7 ms against 17); the missing pairs are a NOT IN over a
 * hashed subplan, where NOT EXISTS became a merge anti join that sorted both sides (3 ms against
 * 12–15); the final order is taken on the narrow rows in byte order, and the nested loop of the id
 * lookups keeps it, where sorting the full rows in the database's collation took 15 ms. 78 ms in
 * all before, ~45 ms after. Grouping and NOT IN compare names by equality only, which no
 * deterministic collation changes.
 */
export function latestSql(names: RingNames, whoAndWhenOnly = false): string {
  const t = quoteIdent(names.table);
  const list = selectList(WHO_AND_WHEN);
  const byPair = (a = '') => `${a}node_name COLLATE "C", ${a}container_name COLLATE "C" NULLS FIRST`;
  // NOT IN is safe here: neither side holds a NULL (the pair list's columns are NOT NULL, and a
  // host row's NULL container is '' on both sides).
  const picked = `WITH pairs AS (SELECT node_name, container_name FROM ${quoteIdent(names.pairs)}),
  newest AS (
    SELECT ${list} FROM ${t} WHERE sample_time <= $1::bigint
     ORDER BY sample_time DESC NULLS LAST, slot DESC
     LIMIT (SELECT 2 * count(*) + 100 FROM pairs)),
  found AS (
    SELECT node_name, container_name, max(ARRAY[sample_time, id, interval_seconds]) AS w
      FROM newest GROUP BY node_name, container_name),
  missing AS (
    SELECT p.node_name, p.container_name FROM pairs p
     WHERE (p.node_name, p.container_name) NOT IN (SELECT f.node_name, coalesce(f.container_name, '') FROM found f)),
  picked AS (
    SELECT w[2] AS id, node_name, container_name, w[1] AS sample_time, w[3]::integer AS interval_seconds
      FROM found
    UNION ALL
    SELECT h.* FROM missing m CROSS JOIN LATERAL (${hostProbe(t, 'm.node_name', list)}) h
     WHERE m.container_name = ''
    UNION ALL
    SELECT c.* FROM missing m CROSS JOIN LATERAL (${containerProbe(t, 'm.node_name', 'm.container_name', selectList(WHO_AND_WHEN, 'c'))}) c
     WHERE m.container_name <> '')`;
  if (whoAndWhenOnly)
    return `${picked}
SELECT * FROM picked ORDER BY ${byPair()}`;
  // One primary-key lookup per winner, in the order of the sorted narrow rows, which the nested
  // loop keeps (so the outer ORDER BY costs no second sort); LIMIT keeps the planner from turning
  // it into a hash join that scans the whole ring (it misjudges how few rows \`picked\` holds).
  return `${picked},
  ordered AS (SELECT id, node_name, container_name FROM picked ORDER BY ${byPair()})
SELECT r.* FROM ordered p
 CROSS JOIN LATERAL (SELECT ${SELECT_LIST} FROM ${t} x WHERE x.id = p.id LIMIT 1) r
 ORDER BY ${byPair('p.')}`;
}

/**
 * Brings the pair list in line with the ring: adds every pair present (loose index scans, one
 * descent per pair) and drops pairs with no row left. Run by the ring's maintenance, not per read.
 */
export function refreshPairsSql(names: RingNames): string[] {
  const t = quoteIdent(names.table);
  const g = quoteIdent(names.pairs);
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

/**
 * Lays a ring out in per-node shares of `shareRows` rows, `shareCount` shares in all (capacity ÷
 * share), under the resize's EXCLUSIVE locks: the nodes that wrote last keep a share each (the
 * others' rows go), each keeps its newest `shareRows` rows, laid out oldest first from its share's
 * first slot. Rows park on negative slots first, because UNIQUE (slot) is checked row by row.
 * {@link rebuildSharesSql} then makes the shares table match.
 */
export function shareLayoutSql(names: RingNames, shareCount: number, shareRows: number): Statement[] {
  const t = quoteIdent(names.table);
  const placed = `SELECT r.id, (n.share_index::bigint * $1 + row_number() OVER (PARTITION BY r.node_name ORDER BY r.id) - 1)::integer AS slot
                    FROM ${t} r JOIN (${rankedNodes(t)}) n ON n.node_name = r.node_name`;
  return [
    {
      sql: `DELETE FROM ${t} r USING (${rankedNodes(t)}) n
             WHERE n.node_name = r.node_name AND n.share_index >= $1::integer`,
      params: [shareCount],
    },
    {
      sql: `DELETE FROM ${t} r USING (SELECT id, row_number() OVER (PARTITION BY node_name ORDER BY id DESC) AS newer
                                        FROM ${t}) k
             WHERE r.id = k.id AND k.newer > $1::integer`,
      params: [shareRows],
    },
    {
      sql: `UPDATE ${t} r SET slot = -1 - r.slot FROM (${placed}) k WHERE r.id = k.id AND r.slot <> k.slot`,
      params: [shareRows],
    },
    {
      sql: `UPDATE ${t} r SET slot = k.slot FROM (${placed}) k WHERE r.id = k.id AND r.slot <> k.slot`,
      params: [shareRows],
    },
  ];
}

/** The nodes by their newest row, newest first, numbered from 0: the share each one gets. */
function rankedNodes(t: string): string {
  return `SELECT node_name, (row_number() OVER (ORDER BY max(id) DESC) - 1)::integer AS share_index
            FROM ${t} GROUP BY node_name`;
}

/**
 * Fills the emptied shares table from a ring laid out by {@link shareLayoutSql}: each node's share
 * index and the rows it holds, and the last write the table had for it ($1 nodes, $2 times).
 */
export function rebuildSharesSql(names: RingNames): string {
  const t = quoteIdent(names.table);
  return `INSERT INTO ${quoteIdent(names.shares)} (node_name, share_index, written, last_write)
SELECT n.node_name, n.share_index, (SELECT count(*) FROM ${t} r WHERE r.node_name = n.node_name),
       coalesce(o.last_write, now())
  FROM (${rankedNodes(t)}) n
  LEFT JOIN unnest($1::text[], $2::timestamptz[]) AS o(node_name, last_write) ON o.node_name = n.node_name`;
}

/**
 * Every pair with rows stamped after $1 (the reader's now plus a tolerance): a writer whose clock
 * is, or was, ahead. A range of the (sample_time, slot) index: nothing to read when no clock is ahead.
 */
export function aheadSql(names: RingNames): string {
  return `SELECT node_name, container_name, max(sample_time) AS newest FROM ${quoteIdent(names.table)}
   WHERE sample_time > $1::bigint
   GROUP BY node_name, container_name
   ORDER BY node_name, container_name NULLS FIRST`;
}

/**
 * Whether the ring holds a row equal to the given one in every column a writer gives ($1 … $n in
 * INPUT_COLUMNS order, as toRowValues binds them; a column left out compares with its default). An
 * agent asks it of a batch's last row when the answer to a write was lost. Every column, not a
 * few: two rows of one node can share a second (sub-second intervals) and a CPU figure, and taking
 * the other for the lost one would count a sample stored that never was. The composite index
 * (master_flag, node_flag, node_name, container_name, sample_time) finds the candidates.
 */
export function holdsSql(names: RingNames): string {
  const conditions = INPUT_COLUMNS.map((c, i) => {
    const shape = columnShape(c);
    const param = `$${i + 1}::${shape.type}`;
    const value = shape.default === null ? param : `COALESCE(${param}, ${shape.default})`;
    const column = quoteIdent(c.name);
    return shape.notNull ? `${column} = ${value}` : `${column} IS NOT DISTINCT FROM ${value}`;
  });
  return `SELECT 1 FROM ${quoteIdent(names.table)} WHERE ${conditions.join('\n   AND ')} LIMIT 1`;
}

/**
 * The nodes that wrote as the master (host rows with master_flag) since $1, each with its newest
 * such sample_time, newest first. The master index (sample_time DESC WHERE master_flag AND
 * node_flag) reads only those rows.
 */
export function mastersSql(names: RingNames): string {
  return `SELECT node_name AS node, max(sample_time) AS newest FROM ${quoteIdent(names.table)}
           WHERE master_flag = TRUE AND node_flag = TRUE AND sample_time >= $1
           GROUP BY node_name ORDER BY newest DESC`;
}

/**
 * The ring's state in one row: its layout, fill, id, time span, sizes and the server's vacuum
 * statistics (NULL where they are not collected). count(*), min and max read the whole table
 * (an index-only scan where the visibility map allows): what `ringmon status` costs.
 */
export function stateSql(names: RingNames, sequence: string, shareColumn: boolean): string {
  const table = quoteIdent(names.table);
  const t = quoteLiteral(table);
  return `SELECT m.capacity, ${shareColumn ? 'm.node_share' : 'NULL::integer AS node_share'},
                 (SELECT count(*) FROM ${table})::bigint AS rows_used,
                 coalesce(pg_sequence_last_value(${quoteLiteral(sequence)}::regclass), 0)::bigint AS last_id,
                 (SELECT min(sample_time) FROM ${table}) AS oldest,
                 (SELECT max(sample_time) FROM ${table}) AS newest,
                 pg_table_size(${t}::regclass)::bigint AS table_bytes,
                 pg_indexes_size(${t}::regclass)::bigint AS index_bytes,
                 pg_total_relation_size(${t}::regclass)::bigint AS total_bytes,
                 (SELECT relpersistence = 'u' FROM pg_class WHERE oid = ${t}::regclass) AS unlogged,
                 s.n_live_tup::bigint AS live, s.n_dead_tup::bigint AS dead,
                 s.last_vacuum, s.last_autovacuum
            FROM ${quoteIdent(names.meta)} m
            LEFT JOIN pg_stat_user_tables s ON s.relid = ${t}::regclass`;
}

/** How many nodes hold a share of a ring shared out per node. */
export function sharesHeldSql(names: RingNames): string {
  return `SELECT count(*)::bigint AS n FROM ${quoteIdent(names.shares)}`;
}

/** A standby: how long ago it replayed the primary's last commit (NULL before the first). */
export const standbyLagSql =
  'SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age_seconds';

/** The standbys a commit on this server waits for (empty: none). Any role may read it. */
export const synchronousStandbyNamesSql = "SELECT current_setting('synchronous_standby_names') AS names";

/**
 * A primary's standbys, from pg_stat_replication. Without the pg_monitor role (or superuser) the
 * server hides all but the name and the sync state: those come back NULL.
 */
export const standbysSql = `SELECT application_name AS name, host(client_addr) AS address, state,
         sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_lag_bytes,
         extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds,
         extract(epoch FROM now() - reply_time)::float8 AS reply_age_seconds
    FROM pg_stat_replication ORDER BY application_name`;
