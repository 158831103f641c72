/**
 * state(): what `ringmon status` and debugTableState show — capacity and layout, fill, sizes,
 * vacuum state, and the newest sample of every node and container.
 */
import type { SampleRow } from '../../columns.js';
import { RingStoreError } from '../errors.js';
import type { RingContext } from './context.js';
import { databaseError } from './failures.js';
import type { RingReader } from './reads.js';
import { sharesHeldSql, standbyLagSql, standbysSql, stateSql, synchronousStandbyNamesSql } from './sql.js';
import type { AheadOfClock, ReplicationState, RingState } from './types.js';

interface StateRow {
  capacity: number;
  node_share: number | null;
  rows_used: number;
  last_id: number;
  oldest: number | null;
  newest: number | null;
  table_bytes: number;
  index_bytes: number;
  total_bytes: number;
  unlogged: boolean;
  live: number | null;
  dead: number | null;
  last_vacuum: Date | string | null;
  last_autovacuum: Date | string | null;
}

/** Reads the state; the layout it finds becomes ctx.layout. */
export async function readState(
  ctx: RingContext,
  reader: RingReader,
  lastVacuumError: string | null,
): Promise<RingState> {
  const { db, names } = ctx;
  let row: StateRow | undefined;
  let latest: SampleRow[];
  let ahead: AheadOfClock[];
  let sharesHeld = 0;
  let replication: ReplicationState;
  try {
    row = (await db.query<StateRow>(stateSql(names, ctx.sequence, ctx.shareColumn))).rows[0];
    if (row?.node_share != null) {
      const held = await db.query<{ n: number }>(sharesHeldSql(names));
      sharesHeld = Number(held.rows[0]?.n ?? 0);
    }
    const nowMs = ctx.now();
    latest = await reader.latestTimes(nowMs);
    ahead = await reader.ahead(nowMs);
    replication = await readReplication(ctx);
  } catch (err) {
    throw databaseError({ what: 'reading the ring state', job: 'read' }, names.table, err);
  }
  if (row === undefined) throw new RingStoreError('ring-state', `${names.meta} has no capacity row`);
  ctx.layout = { capacity: row.capacity, nodeShare: row.node_share };
  const lastId = Number(row.last_id);
  const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  return {
    table: names.table,
    backend: db.backend,
    target: db.target,
    unlogged: row.unlogged,
    capacity: row.capacity,
    nodeShare: row.node_share,
    shares:
      row.node_share === null ? null : { total: Math.floor(row.capacity / row.node_share), held: sharesHeld },
    rowsUsed: Number(row.rows_used),
    lastId,
    nextSlot: lastId % row.capacity,
    oldestSampleTime: row.oldest === null ? null : Number(row.oldest),
    newestSampleTime: row.newest === null ? null : Number(row.newest),
    tableBytes: Number(row.table_bytes),
    indexBytes: Number(row.index_bytes),
    totalBytes: Number(row.total_bytes),
    liveTuples: row.live === null ? null : Number(row.live),
    deadTuples: row.dead === null ? null : Number(row.dead),
    lastVacuum: toDate(row.last_vacuum),
    lastAutovacuum: toDate(row.last_autovacuum),
    lastVacuumError,
    ahead,
    replication,
    latest: latest.map((r) => ({
      node_name: r.node_name as string,
      container_name: r.container_name as string | null,
      sample_time: r.sample_time as number | null,
      interval_seconds: r.interval_seconds as number | null,
    })),
  };
}

type StandbyRow = {
  name: string;
  address: string | null;
  state: string | null;
  sync_state: string | null;
  replay_lag_bytes: number | null;
  replay_lag_seconds: number | null;
  reply_age_seconds: number | null;
};

/** Where the server stands in streaming replication; PGlite has none. */
async function readReplication(ctx: RingContext): Promise<ReplicationState> {
  if (ctx.db.backend === 'pglite') return { standby: null, standbys: [], synchronousStandbyNames: null };
  if (ctx.standby) {
    const lag = (await ctx.db.query<{ replay_age_seconds: number | null }>(standbyLagSql)).rows[0];
    return {
      standby: { replayAgeSeconds: lag?.replay_age_seconds ?? null },
      standbys: [],
      synchronousStandbyNames: null,
    };
  }
  const rows = (await ctx.db.query<StandbyRow>(standbysSql)).rows;
  const wanted = (await ctx.db.query<{ names: string }>(synchronousStandbyNamesSql)).rows[0]?.names.trim();
  return {
    standby: null,
    synchronousStandbyNames: wanted ? wanted : null,
    standbys: rows.map((r) => ({
      name: r.name,
      address: r.address,
      state: r.state,
      syncState: r.sync_state,
      replayLagBytes: r.replay_lag_bytes,
      replayLagSeconds: r.replay_lag_seconds,
      replyAgeSeconds: r.reply_age_seconds,
    })),
  };
}
