/**
 * The JSON API: GET /api/nodes and GET /api/samples. Query strings are validated with zod before
 * anything reaches the database; a bad one is a 400 whose body is `{"error": "<one line>"}`.
 */
import { z } from 'zod';
import { MAX_NAME_LENGTH, METRIC_COLUMNS, type MetricName, type SampleRow } from '../../columns.js';
import { type RingHistory, ringHistory } from '../../reads/history.js';
import { STALE_INTERVALS, sampleAge } from '../../reads/staleness.js';
import type { AheadOfClock, RingStore } from '../../store/ring/ring.js';
import type { ChartMode, WindowQuery, WindowRow } from '../../store/ring/window.js';

/** A request the API refuses, with the status and the one line it answers. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Rows a raw read returns at most; beyond that, ask for averages (`step` or `points`). */
export const MAX_ROWS = 10_000;
export const DEFAULT_ROWS = 1_000;

const METRIC_NAMES = new Set<string>(METRIC_COLUMNS.map((c) => c.name));

const name = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(MAX_NAME_LENGTH, `${what} must be at most ${MAX_NAME_LENGTH} characters`)
    // PostgreSQL text cannot hold NUL; refusing it here keeps it a 400, not a database error.
    .refine((v) => !v.includes('\0'), `${what} must not contain NUL characters`);

const wholeNumber = (what: string, min: number, max: number, example: string) => {
  const message = `${what} must be a whole number from ${min} to ${max} (e.g. ${example})`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
};

const samplesSchema = z
  .strictObject({
    node: name('node').optional(),
    container: name('container').optional(),
    since: wholeNumber('since', 0, Number.MAX_SAFE_INTEGER, '1700000000, epoch seconds').optional(),
    limit: wholeNumber('limit', 1, MAX_ROWS, '100').optional(),
    step: wholeNumber('step', 1, 366 * 86_400, '60, seconds per averaged point').optional(),
    points: wholeNumber('points', 2, MAX_ROWS, '1500').optional(),
    fields: z
      .string()
      .transform((v) => v.split(','))
      .refine(
        (list) => list.length > 0 && list.every((f) => METRIC_NAMES.has(f)),
        'fields must be a comma-separated list of metric column names (e.g. cpu_total_pct,mem_free_mb)',
      )
      .transform((list) => [...new Set(list)] as MetricName[])
      .optional(),
  })
  .refine(
    (p) => p.points === undefined || (p.limit === undefined && p.step === undefined),
    'points chooses the step and the number of rows itself: give it without limit and step',
  );

const nodesSchema = z.strictObject({});

export type SamplesParams = z.infer<typeof samplesSchema>;

/** Query string → plain object; a repeated parameter is refused rather than silently picked. */
function toRecord(query: URLSearchParams): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of query) {
    // The token authenticates the request (auth.ts); it is not a parameter of any endpoint.
    if (key === 'token') continue;
    if (Object.hasOwn(record, key))
      throw new HttpError(400, `parameter ${clip(key)} is given more than once`);
    record[key] = value;
  }
  return record;
}

function clip(text: string): string {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  return shown;
}

function parse<T>(schema: z.ZodType<T>, query: URLSearchParams, allowed: readonly string[]): T {
  const result = schema.safeParse(toRecord(query));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const list = allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '; this endpoint takes none';
    throw new HttpError(400, `unknown parameter ${issue.keys.map(clip).join(', ')}${list}`);
  }
  throw new HttpError(400, issue?.message ?? 'bad parameters');
}

export function parseSamplesParams(query: URLSearchParams): SamplesParams {
  return parse(samplesSchema, query, ['node', 'container', 'since', 'limit', 'step', 'points', 'fields']);
}

export interface SamplesResponse {
  node: string | null;
  container: string | null;
  since: number | null;
  /**
   * `rows`: the ring's rows; `max`: each field's greatest value in each step (with `points`);
   * `mean`: averages over each step (with `step`); `sample`: the first row of each step (with
   * `points`, for a window too long to find the peaks of).
   */
  mode: ChartMode;
  /** Seconds per row in modes `max`, `mean` and `sample` (steps start at multiples of it); null otherwise. */
  step: number | null;
  count: number;
  rows: WindowRow[];
}

/**
 * GET /api/samples. `node` alone: that node's host rows; with `container`: that container on the
 * node; `container` alone: that container name on every node; neither: every row. Rows come oldest
 * first: the newest `limit` (default 1,000) rows at or after `since`; with `step`, the newest `limit`
 * averages over that many seconds instead; with `points` (what the charts ask), at most that many:
 * every row when the window holds no more, else one per step, its maxima (the store's window reads,
 * store/ring/window.ts).
 */
export async function samples(
  store: Pick<RingStore, 'chart' | 'windowAverages' | 'windowRows'>,
  query: URLSearchParams,
): Promise<SamplesResponse> {
  const p = parseSamplesParams(query);
  const window: WindowQuery = { node: p.node, container: p.container, since: p.since, fields: p.fields };
  let mode: ChartMode = 'rows';
  let step: number | null = null;
  let rows: WindowRow[];
  if (p.points !== undefined) {
    ({ mode, step, rows } = await store.chart(window, p.points));
  } else if (p.step !== undefined) {
    mode = 'mean';
    step = p.step;
    rows = await store.windowAverages(window, p.step, p.limit ?? DEFAULT_ROWS);
  } else {
    rows = await store.windowRows(window, p.limit ?? DEFAULT_ROWS);
  }
  return {
    node: p.node ?? null,
    container: p.container ?? null,
    since: p.since ?? null,
    mode,
    step,
    count: rows.length,
    rows,
  };
}

export interface SeriesState {
  /** Seconds between the newest sample (stamped before now) and now. */
  age_seconds: number | null;
  /** The newest sample is older than 3 × its interval_seconds. */
  stale: boolean;
  /**
   * How far ahead of the server's clock this writer's newest sample from the future is (its clock
   * runs, or ran, ahead); null when it has none. `latest` and the age are then its newest sample
   * before now.
   */
  clock_ahead_seconds: number | null;
  latest: SampleRow;
}

export interface NodeEntry extends Partial<SeriesState> {
  node: string;
  /** The node's newest host row; absent when the ring holds only its containers' rows. */
  latest?: SampleRow;
  containers: (SeriesState & { container: string })[];
}

export interface NodesResponse {
  /** The server's clock, epoch seconds, which ages and staleness are measured against. */
  now: number;
  /** Every writer with samples from the future (a clock ahead), those without a sample before now included. */
  ahead: AheadOfClock[];
  stale_after_intervals: number;
  /** How long the ring holds at the current rate, and each node's part of what it takes in. */
  history: RingHistory & { capacity: number };
  nodes: NodeEntry[];
}

export function seriesState(
  row: SampleRow,
  nowSeconds: number,
  clockAhead: number | null = null,
): SeriesState {
  return {
    ...sampleAge(row.sample_time, row.interval_seconds, nowSeconds),
    clock_ahead_seconds: clockAhead,
    latest: row,
  };
}

/** What /api/nodes and /metrics read of the ring: the newest row of every pair, and who is ahead. */
export interface Newest {
  readonly latest: SampleRow[];
  readonly ahead: AheadOfClock[];
}

export async function readNewest(store: RingStore, nowMs: number): Promise<Newest> {
  const latest = await store.latest({ nowMs });
  const ahead = await store.aheadOfClock({ nowMs });
  return { latest, ahead };
}

/**
 * GET /api/nodes: every node with its newest host row and its containers' newest rows. `newest`
 * is what the server read for this second (dashboard.ts shares it with /metrics); without it, read now.
 */
export async function nodes(
  store: RingStore,
  query: URLSearchParams,
  nowMs: number,
  newest?: () => Promise<Newest>,
): Promise<NodesResponse> {
  parse(nodesSchema, query, []);
  const now = Math.floor(nowMs / 1000);
  const byNode = new Map<string, NodeEntry>();
  const entry = (node: string) => {
    let e = byNode.get(node);
    if (e === undefined) {
      e = { node, containers: [] };
      byNode.set(node, e);
    }
    return e;
  };
  const { latest, ahead } = await (newest ?? (() => readNewest(store, nowMs)))();
  const aheadBy = new Map(
    ahead.map((a) => [`${a.node_name}\u0000${a.container_name ?? ''}`, a.ahead_seconds]),
  );
  for (const row of latest) {
    const e = entry(String(row.node_name));
    const clockAhead = aheadBy.get(`${row.node_name}\u0000${row.container_name ?? ''}`) ?? null;
    if (row.node_flag) Object.assign(e, seriesState(row, now, clockAhead));
    else e.containers.push({ container: String(row.container_name), ...seriesState(row, now, clockAhead) });
  }
  const nodes = [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  for (const n of nodes) n.containers.sort((a, b) => (a.container < b.container ? -1 : 1));
  const history = ringHistory(
    { capacity: store.capacity, nodeShare: store.nodeShare },
    latest.map((r) => ({
      node_name: String(r.node_name),
      container_name: r.container_name ?? null,
      sample_time: r.sample_time ?? null,
      interval_seconds: r.interval_seconds ?? null,
    })),
    now,
  );
  return {
    now,
    stale_after_intervals: STALE_INTERVALS,
    ahead,
    history: { capacity: store.capacity, ...history },
    nodes,
  };
}
