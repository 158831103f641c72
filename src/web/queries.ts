/**
 * The dashboard's reads that RingStore does not offer: the rows of one node or one container inside a
 * time window, raw or averaged into equal steps. Identifiers come from the validated table name and
 * from columns.ts and are quoted; every value is a bound parameter.
 *
 * Which index answers (schema.ts, indexSpecs):
 * - a node's host rows: the spec's composite index (master_flag, node_flag, node_name,
 *   container_name, sample_time DESC), probed once per master_flag value, each probe read newest first;
 * - a node's container: containers_idx (node_name, container_name, sample_time DESC);
 * - a container name on every node: container_time_idx (container_name, sample_time DESC);
 * - everything: time_slot_idx (sample_time NULLS FIRST, slot) read backwards.
 * A raw read stops after `limit` index entries; an averaged read visits every row of the window once.
 */
import { COLUMNS, METRIC_COLUMNS, type MetricName } from '../columns.js';
import { quoteIdent, validateTableName } from '../store/schema.js';
import type { SqlQueryable } from '../store/sql-client.js';

export interface WindowQuery {
  /** The node's host rows; with `container`, that container's rows on this node. */
  node?: string | undefined;
  /** The container's rows (on every node when `node` is not given). */
  container?: string | undefined;
  /** Epoch seconds, inclusive; the whole ring when not given. */
  since?: number | undefined;
  /** Metric columns to return; all of them when not given. */
  fields?: readonly MetricName[] | undefined;
}

export type WindowRow = Record<string, unknown>;

export interface WindowResult {
  /** Seconds per averaged point; null when every row in the window is returned as it is. */
  step: number | null;
  /** Oldest first. Averaged rows carry `sample_time` (start of the step), `samples` and the fields. */
  rows: WindowRow[];
}

/** Below every epoch second a row can hold; also excludes rows whose sample_time is NULL. */
const NO_LOWER_BOUND = Number.MIN_SAFE_INTEGER;
const IDENTITY = ['id', 'sample_time', 'node_flag', 'node_name', 'container_name', 'interval_seconds'];
const METRIC_NAMES: readonly string[] = METRIC_COLUMNS.map((c) => c.name);

export class WindowReader {
  readonly #db: SqlQueryable;
  readonly #table: string;

  constructor(db: SqlQueryable, table: string) {
    this.#db = db;
    this.#table = quoteIdent(validateTableName(table));
  }

  /** The newest `limit` rows of the window, returned oldest first. */
  async raw(query: WindowQuery, limit: number): Promise<WindowRow[]> {
    const cols = selectColumns(query.fields);
    const { sql, params } = this.#filtered(query, cols, true);
    const res = await this.#db.query<WindowRow>(
      `SELECT ${cols} FROM (${sql}) w ORDER BY sample_time DESC, id DESC LIMIT $${params.length + 1}`,
      [...params, limit],
    );
    return res.rows.reverse();
  }

  /** Averages over steps of `step` seconds aligned to multiples of it; the newest `limit` steps, oldest first. */
  async averaged(query: WindowQuery, step: number, limit: number): Promise<WindowRow[]> {
    const names = (query.fields ?? METRIC_NAMES).map(quoteIdent);
    const { sql, params } = this.#filtered(query, ['"sample_time"', ...names].join(', '), false);
    const s = `$${params.length + 1}::bigint`;
    const res = await this.#db.query<WindowRow>(
      `SELECT (sample_time / ${s}) * ${s} AS sample_time, count(*)::integer AS samples,
              ${names.map((n) => `avg(${n})::float8 AS ${n}`).join(', ')}
         FROM (${sql}) w GROUP BY 1 ORDER BY 1 DESC LIMIT $${params.length + 2}`,
      [...params, step, limit],
    );
    return res.rows.reverse();
  }

  /** sample_time of the window's oldest row, one index descent per probe; null when it is empty. */
  async oldest(query: WindowQuery): Promise<number | null> {
    const { sql, params } = this.#filtered(query, '"sample_time"', true, 'ASC');
    const res = await this.#db.query<{ t: number | string | null }>(
      `SELECT min(sample_time) AS t FROM (${sql}) w`,
      params,
    );
    const t = res.rows[0]?.t;
    return t === null || t === undefined ? null : Number(t);
  }

  /**
   * At most `points` rows: every row of the window when it holds no more, else averages over the
   * shortest whole-second step that fits. Charts stay readable and cheap at any window and interval.
   */
  async chart(query: WindowQuery, points: number): Promise<WindowResult> {
    const rows = await this.raw(query, points + 1);
    if (rows.length <= points) return { step: null, rows };
    const newest = Number(rows[rows.length - 1]?.sample_time);
    const oldest = query.since ?? (await this.oldest(query)) ?? newest;
    // Steps are aligned to multiples of `step`, so a span of n steps can touch n + 1 of them.
    const step = Math.max(1, Math.ceil((newest - oldest + 1) / Math.max(1, points - 1)));
    return { step, rows: await this.averaged(query, step, points) };
  }

  /**
   * The window's rows as one subquery. With `ordered`, each branch is read in index order and stops
   * after the outer LIMIT (bound last, as `$n` where n = params.length + 1), so a raw read touches
   * only the rows it returns.
   */
  #filtered(
    query: WindowQuery,
    cols: string,
    ordered: boolean,
    direction: 'ASC' | 'DESC' = 'DESC',
  ): { sql: string; params: unknown[] } {
    const t = this.#table;
    const since = query.since ?? NO_LOWER_BOUND;
    const { node, container } = query;
    const params: unknown[] = [];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}::${typeof value === 'number' ? 'bigint' : 'text'}`;
    };
    // The LIMIT placeholder is the one the caller binds right after ours; direction only matters for oldest().
    const tail = (limitRef: () => string) =>
      ordered ? ` ORDER BY sample_time ${direction} LIMIT ${direction === 'ASC' ? '1' : limitRef()}` : '';
    if (node !== undefined && container === undefined) {
      const n = bind(node);
      const s = bind(since);
      const limitRef = () => `$${params.length + 1}`;
      // A node's host rows sit under both master_flag values of the composite index.
      const branch = (master: 'TRUE' | 'FALSE') =>
        `(SELECT ${cols} FROM ${t} WHERE master_flag = ${master} AND node_flag = TRUE AND node_name = ${n}
             AND container_name IS NULL AND sample_time >= ${s}${tail(limitRef)})`;
      return { sql: `${branch('FALSE')} UNION ALL ${branch('TRUE')}`, params };
    }
    if (node !== undefined && container !== undefined) {
      const n = bind(node);
      const c = bind(container);
      const s = bind(since);
      const limitRef = () => `$${params.length + 1}`;
      return {
        sql: `SELECT ${cols} FROM ${t} WHERE node_flag = FALSE AND node_name = ${n} AND container_name = ${c}
                 AND sample_time >= ${s}${tail(limitRef)}`,
        params,
      };
    }
    if (container !== undefined) {
      const c = bind(container);
      const s = bind(since);
      const limitRef = () => `$${params.length + 1}`;
      return {
        sql: `SELECT ${cols} FROM ${t} WHERE node_flag = FALSE AND container_name = ${c}
                 AND sample_time >= ${s}${tail(limitRef)}`,
        params,
      };
    }
    const s = bind(since);
    const limitRef = () => `$${params.length + 1}`;
    // The index is (sample_time NULLS FIRST): read forwards for ASC, backwards for DESC.
    const order = ordered
      ? direction === 'ASC'
        ? ' ORDER BY sample_time ASC NULLS FIRST LIMIT 1'
        : ` ORDER BY sample_time DESC NULLS LAST LIMIT ${limitRef()}`
      : '';
    return { sql: `SELECT ${cols} FROM ${t} WHERE sample_time >= ${s}${order}`, params };
  }
}

function selectColumns(fields: readonly string[] | undefined): string {
  const names = fields === undefined ? COLUMNS.map((c) => c.name) : [...IDENTITY, ...fields];
  return names.map(quoteIdent).join(', ');
}
