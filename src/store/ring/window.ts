/**
 * The dashboard's reads that RingStore does not offer: the rows of one node or one container inside a
 * time window, as they are, averaged over equal steps, or one per step. Identifiers come from the
 * validated table name and from columns.ts and are quoted; every value is a bound parameter.
 *
 * Which index answers (schema.ts, indexSpecs), read in sample_time order so a LIMIT stops early:
 * - a node's host rows: the spec's composite index (master_flag, node_flag, node_name,
 *   container_name, sample_time DESC), probed once per master_flag value;
 * - a node's container: containers_idx (node_name, container_name, sample_time DESC);
 * - a container name on every node: container_time_idx (container_name, sample_time DESC);
 * - everything: time_slot_idx (sample_time NULLS FIRST, slot).
 *
 * What a read costs is the heap rows it visits (a node's rows are spread over the whole table, about
 * one per page): ~4 µs each on the 1M-row benchmark ring. A raw read visits the rows it returns; an
 * average or a step maximum visits every row of its window; a sampled read visits one row per step,
 * found by one index probe per step, whatever the window holds. chart() shows every row when it can,
 * else each step's maxima, which keep a one-second spike in a day's window, and samples only beyond
 * PEAK_MAX_ROWS, where finding the peaks would cost more than the page should wait.
 */
import { COLUMNS, METRIC_COLUMNS, type MetricName } from '../../columns.js';
import type { SqlQueryable } from '../client/sql-client.js';
import { quoteIdent, validateTableName } from './schema.js';

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

/**
 * How a window's rows were built: `rows`, every row of the window; `max`, each field's greatest
 * value in each step (`samples` says over how many rows, `interval_seconds` is the longest
 * interval among them); `mean`, averages over each step (windowAverages: the API's `step`);
 * `sample`, the first row of each step.
 */
export type ChartMode = 'rows' | 'max' | 'mean' | 'sample';

export interface WindowResult {
  mode: ChartMode;
  /** Seconds per point, aligned to multiples of it; null in mode `rows`. */
  step: number | null;
  /** Oldest first. */
  rows: WindowRow[];
}

/**
 * Up to this many rows in a window, chart() visits them all to give each step's maxima; beyond, it
 * samples one row per step, which can miss a spike. It covers a day of a 1-second agent (86,400
 * rows), the longest window but `all`: on the 1M-row benchmark ring that read takes ~0.3–0.5 s,
 * over the 50 ms the other reads keep, chosen so because a chart that hides the spike it is looked
 * at for is wrong, not slow (docs/dashboard.md, "Speed").
 */
export const PEAK_MAX_ROWS = 100_000;

/** Below every epoch second a row can hold; `>=` it also excludes rows whose sample_time is NULL. */
const NO_LOWER_BOUND = Number.MIN_SAFE_INTEGER;
const IDENTITY = ['id', 'sample_time', 'node_flag', 'node_name', 'container_name', 'interval_seconds'];
const METRIC_NAMES: readonly MetricName[] = METRIC_COLUMNS.map((c) => c.name as MetricName);

/** The statement being built: its parameters, bound in order. */
class Params {
  readonly values: unknown[] = [];
  bind(value: number | string): string {
    this.values.push(value);
    return `$${this.values.length}::${typeof value === 'number' ? 'bigint' : 'text'}`;
  }
}

interface Filter {
  /** One WHERE condition per index range to read (a node's host rows: one per master_flag value). */
  conditions: string[];
  /** ORDER BY that reads the intended index in sample_time order, forwards (DESC) or backwards (ASC). */
  order: (direction: 'ASC' | 'DESC') => string;
}

/** containers_idx and container_time_idx are (…, sample_time DESC): the plain order matches. */
const byTime = (direction: 'ASC' | 'DESC') => `sample_time ${direction}`;

/**
 * The composite index is the one whose range holds exactly a node's host rows, but with plain
 * `ORDER BY sample_time` the planner, which assumes master_flag and node_name independent, may
 * walk master_nodes_idx or node_time_idx instead and filter: on the benchmark ring, 86,400 rows
 * for one empty answer (78 ms instead of 0.02). Ordering by container_name too (constant here:
 * NULL) is an order only the composite index delivers, so it is the one read.
 */
const byCompositeIndex = (direction: 'ASC' | 'DESC') =>
  direction === 'DESC' ? 'container_name, sample_time DESC' : 'container_name DESC, sample_time ASC';

/** time_slot_idx is (sample_time NULLS FIRST): read in order by DESC NULLS LAST or ASC NULLS FIRST. */
const byTimeSlot = (direction: 'ASC' | 'DESC') =>
  `sample_time ${direction}${direction === 'ASC' ? ' NULLS FIRST' : ' NULLS LAST'}`;

export interface Bounds {
  newest: number;
  oldest: number;
  /** interval_seconds of the newest row (0 when NULL). */
  interval: number;
  /** Which of the window's index ranges hold rows (a node's host rows: master_flag false, true). */
  ranges: number[];
}

export class WindowReader {
  readonly #db: SqlQueryable;
  readonly #table: string;

  constructor(db: SqlQueryable, table: string) {
    this.#db = db;
    this.#table = quoteIdent(validateTableName(table));
  }

  /** The newest `limit` rows of the window, returned oldest first. */
  async raw(query: WindowQuery, limit: number): Promise<WindowRow[]> {
    return this.#raw(query, limit, undefined);
  }

  /**
   * Averages over steps of `step` seconds aligned to multiples of it: the newest `limit` steps of
   * the window, oldest first. Only rows that can fall in those steps are read.
   */
  async averaged(query: WindowQuery, step: number, limit: number): Promise<WindowRow[]> {
    const bounds = await this.bounds(query);
    if (bounds === null) return [];
    const first = (Math.floor(bounds.newest / step) - limit + 1) * step;
    const since = Math.max(query.since ?? NO_LOWER_BOUND, first);
    return this.#steps('mean', { ...query, since }, step, limit, bounds.ranges);
  }

  /**
   * sample_time of the window's newest and oldest rows, the newest row's interval, and which of the
   * filter's index ranges hold rows (reads then skip the others); null when the window is empty.
   */
  async bounds(query: WindowQuery): Promise<Bounds | null> {
    const p = new Params();
    const filter = this.#filter(query, p, undefined);
    const probes = filter.conditions.flatMap((c, i) =>
      (['DESC', 'ASC'] as const).map(
        (direction) =>
          `(SELECT ${i} AS range, '${direction}' AS edge, sample_time, interval_seconds FROM ${this.#table}
             WHERE ${c} ORDER BY ${filter.order(direction)} LIMIT 1)`,
      ),
    );
    const res = await this.#db.query<{
      range: number;
      edge: string;
      sample_time: unknown;
      interval_seconds: unknown;
    }>(probes.join(' UNION ALL '), p.values);
    if (res.rows.length === 0) return null;
    const newest = res.rows
      .filter((r) => r.edge === 'DESC')
      .sort((a, b) => Number(b.sample_time) - Number(a.sample_time))[0];
    const times = res.rows.map((r) => Number(r.sample_time));
    return {
      newest: Math.max(...times),
      oldest: Math.min(...times),
      interval: Number(newest?.interval_seconds ?? 0),
      ranges: [...new Set(res.rows.map((r) => Number(r.range)))],
    };
  }

  /**
   * At most `points` rows for a chart: every row when the window holds no more; else steps of the
   * shortest whole number of seconds that fits, each step's maxima when the window holds at most
   * `peakMaxRows` rows, its first row beyond. A window costs at most `peakMaxRows` row visits.
   */
  async chart(query: WindowQuery, points: number, peakMaxRows = PEAK_MAX_ROWS): Promise<WindowResult> {
    const bounds = await this.bounds(query);
    if (bounds === null) return { mode: 'rows', step: null, rows: [] };
    const span = bounds.newest - bounds.oldest + 1;
    // The newest row's interval says how many rows the window holds, near enough to choose a read.
    const expected = span / Math.max(1, bounds.interval);
    if (expected <= points) {
      const rows = await this.#raw(query, points + 1, bounds.ranges);
      if (rows.length <= points) return { mode: 'rows', step: null, rows };
    }
    // Steps are aligned to multiples of `step`, so a span of n steps can touch n + 1 of them.
    const step = Math.max(1, Math.ceil(span / Math.max(1, points - 1)));
    const window = { ...query, since: bounds.oldest };
    if (expected <= peakMaxRows) {
      return { mode: 'max', step, rows: await this.#steps('max', window, step, points, bounds.ranges) };
    }
    return { mode: 'sample', step, rows: await this.#sampled(window, step, bounds.newest, bounds.ranges) };
  }

  async #raw(query: WindowQuery, limit: number, ranges: readonly number[] | undefined): Promise<WindowRow[]> {
    const p = new Params();
    const cols = selectColumns(query.fields);
    const filter = this.#filter(query, p, ranges);
    const lim = p.bind(limit);
    const res = await this.#db.query<WindowRow>(
      `SELECT ${cols} FROM (${this.#ordered(filter, cols, 'DESC', lim)}) w
        ORDER BY sample_time DESC, id DESC LIMIT ${lim}`,
      p.values,
    );
    return res.rows.reverse();
  }

  /** The first row of each step from `since` to `to` (steps start at multiples of `step`), oldest first. */
  async #sampled(
    query: WindowQuery,
    step: number,
    to: number,
    ranges: readonly number[],
  ): Promise<WindowRow[]> {
    const p = new Params();
    const cols = selectColumns(query.fields);
    const filter = this.#filter(query, p, ranges);
    const s = p.bind(step);
    const a = p.bind(Math.floor((query.since ?? 0) / step) * step);
    const b = p.bind(to);
    const inStep = {
      ...filter,
      conditions: filter.conditions.map((c) => `${c} AND sample_time >= g.t AND sample_time < g.t + ${s}`),
    };
    const res = await this.#db.query<WindowRow>(
      `SELECT p.* FROM generate_series(${a}, ${b}, ${s}) AS g(t)
         CROSS JOIN LATERAL (SELECT ${cols} FROM (${this.#ordered(inStep, cols, 'ASC', '1')}) u
                              ORDER BY sample_time, id LIMIT 1) p
        ORDER BY p.sample_time`,
      p.values,
    );
    return res.rows;
  }

  /**
   * One row per step of `step` seconds (aligned to multiples of it), the newest `limit` steps,
   * oldest first, with `samples` (the rows in the step) and each field aggregated:
   * - `mean`: its average. The branches are ordered like the raw reads, so that each walks its own
   *   index range (see byCompositeIndex).
   * - `max`: its greatest value, and the step's largest interval_seconds: a spike of one row shows
   *   at its height whatever the step. The rows are read in whatever order the planner likes (a
   *   bitmap scan of the chosen range visits each heap page once, where index order revisits
   *   them): grouping needs no order, and bounds() has already dropped the ranges without rows,
   *   for which the planner would otherwise walk another index (byCompositeIndex).
   */
  async #steps(
    kind: 'mean' | 'max',
    query: WindowQuery,
    step: number,
    limit: number,
    ranges: readonly number[],
  ): Promise<WindowRow[]> {
    const p = new Params();
    const names = (query.fields ?? METRIC_NAMES).map(quoteIdent);
    const filter = this.#filter(query, p, ranges);
    const s = p.bind(step);
    const lim = p.bind(limit);
    const columns = ['"sample_time"', ...(kind === 'max' ? ['"interval_seconds"'] : []), ...names].join(', ');
    const order = kind === 'mean' ? ` ORDER BY ${filter.order('DESC')}` : '';
    const union = filter.conditions
      .map((c) => `(SELECT ${columns} FROM ${this.#table} WHERE ${c}${order})`)
      .join(' UNION ALL ');
    const aggregates = [
      ...(kind === 'max' ? ['max(interval_seconds)::integer AS interval_seconds'] : []),
      ...names.map((n) => `${kind === 'mean' ? 'avg' : 'max'}(${n})::float8 AS ${n}`),
    ];
    const res = await this.#db.query<WindowRow>(
      `SELECT (sample_time / ${s}) * ${s} AS sample_time, count(*)::integer AS samples,
              ${aggregates.join(', ')}
         FROM (${union}) w GROUP BY 1 ORDER BY 1 DESC LIMIT ${lim}`,
      p.values,
    );
    return res.rows.reverse();
  }

  /** Each condition read in index order and cut at `limit` (SQL text), joined with UNION ALL. */
  #ordered(filter: Filter, cols: string, direction: 'ASC' | 'DESC', limit: string): string {
    return filter.conditions
      .map(
        (c) =>
          `(SELECT ${cols} FROM ${this.#table} WHERE ${c} ORDER BY ${filter.order(direction)} LIMIT ${limit})`,
      )
      .join(' UNION ALL ');
  }

  /** The window's index ranges; `ranges` (from bounds()) keeps only those known to hold rows. */
  #filter(query: WindowQuery, p: Params, ranges: readonly number[] | undefined): Filter {
    const filter = this.#ranges(query, p);
    if (ranges === undefined) return filter;
    return { ...filter, conditions: filter.conditions.filter((_, i) => ranges.includes(i)) };
  }

  #ranges(query: WindowQuery, p: Params): Filter {
    const { node, container } = query;
    const since = query.since ?? NO_LOWER_BOUND;
    if (node !== undefined && container === undefined) {
      const n = p.bind(node);
      const s = p.bind(since);
      // A node's host rows sit under both master_flag values of the composite index.
      const host = (master: 'TRUE' | 'FALSE') =>
        `master_flag = ${master} AND node_flag = TRUE AND node_name = ${n} AND container_name IS NULL AND sample_time >= ${s}`;
      return { conditions: [host('FALSE'), host('TRUE')], order: byCompositeIndex };
    }
    if (node !== undefined && container !== undefined) {
      const n = p.bind(node);
      const c = p.bind(container);
      const s = p.bind(since);
      return {
        conditions: [
          `node_flag = FALSE AND node_name = ${n} AND container_name = ${c} AND sample_time >= ${s}`,
        ],
        order: byTime,
      };
    }
    if (container !== undefined) {
      const c = p.bind(container);
      const s = p.bind(since);
      return {
        conditions: [`node_flag = FALSE AND container_name = ${c} AND sample_time >= ${s}`],
        order: byTime,
      };
    }
    return { conditions: [`sample_time >= ${p.bind(since)}`], order: byTimeSlot };
  }
}

function selectColumns(fields: readonly string[] | undefined): string {
  const names = fields === undefined ? COLUMNS.map((c) => c.name) : [...IDENTITY, ...fields];
  return names.map(quoteIdent).join(', ');
}
