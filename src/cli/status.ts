import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { formatFields, formatTimeAgo, textTable } from '../format/text.js';
import { historyLines, ringHistory } from '../reads/history.js';
import { replicationLines, replicationTrouble } from '../reads/replication.js';
import { STALE_INTERVALS, sampleAge } from '../reads/staleness.js';
import type { AheadOfClock, LatestSample, RingState } from '../store/ring/ring.js';
import { formatAgo, formatSpan, formatUtc, MISSING } from '../web/client/format.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { openRing } from './open-ring.js';

interface StatusFlags extends SettingsFlags {
  config?: string;
  json?: boolean;
  failOnStale?: boolean;
}

export interface WriterStatus {
  node_name: string;
  container_name: string | null;
  last_sample_time: number | null;
  interval_seconds: number | null;
  age_seconds: number | null;
  stale: boolean;
  /** How far ahead of this clock its newest sample from the future is; null when it has none. */
  clock_ahead_seconds: number | null;
}

/**
 * Each node's and container's newest row, judged against its own interval (pure). A writer with
 * samples from the future is judged by its newest sane one (`latest` leaves the others out) and
 * flagged; one that has only samples from the future has no age and counts as quiet.
 */
export function writerStatuses(
  latest: readonly LatestSample[],
  ahead: readonly AheadOfClock[],
  nowSeconds: number,
): WriterStatus[] {
  const key = (node: string, container: string | null) => `${node}\u0000${container ?? ''}`;
  const aheadBy = new Map(ahead.map((a) => [key(a.node_name, a.container_name), a.ahead_seconds]));
  const statuses = latest.map((row) => ({
    node_name: row.node_name,
    container_name: row.container_name,
    last_sample_time: row.sample_time,
    interval_seconds: row.interval_seconds,
    ...sampleAge(row.sample_time, row.interval_seconds, nowSeconds),
    clock_ahead_seconds: aheadBy.get(key(row.node_name, row.container_name)) ?? null,
  }));
  const seen = new Set(latest.map((row) => key(row.node_name, row.container_name)));
  for (const a of ahead) {
    if (seen.has(key(a.node_name, a.container_name))) continue;
    statuses.push({
      node_name: a.node_name,
      container_name: a.container_name,
      last_sample_time: null,
      interval_seconds: null,
      age_seconds: null,
      stale: true,
      clock_ahead_seconds: a.ahead_seconds,
    });
  }
  // By node, host row first, then containers: byte order, as the ring's own reads sort.
  const order = (w: WriterStatus) => key(w.node_name, w.container_name);
  return statuses.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** `QUIET`, `ok`, and a writer's clock that runs ahead: `ok, clock ahead by 59 min`. */
function stateText(w: WriterStatus): string {
  const state = w.stale ? 'QUIET' : 'ok';
  return w.clock_ahead_seconds === null
    ? state
    : `${state}, clock ahead by ${formatSpan(w.clock_ahead_seconds)}`;
}

export function registerStatus(program: Command): void {
  addDatabaseOptions(
    program
      .command('status')
      .description(
        "the ring's state, and every node and container with its newest sample; quiet ones are marked",
      )
      .option('--json', 'print one JSON object')
      .option(
        '--fail-on-stale',
        `exit with code 3 when a node or container has been quiet for ${STALE_INTERVALS} intervals, or a standby is stale`,
      ),
  ).action(async (flags: StatusFlags) => {
    const ring = await openRing(await settingsFrom(flags), { readOnly: true });
    let writers: WriterStatus[];
    let staleStandby = false;
    try {
      const state = await ring.store.state();
      // state() already holds every writer's newest sample_time and interval: no second read.
      const now = Date.now() / 1000;
      writers = writerStatuses(state.latest, state.ahead, now);
      const history = ringHistory(state, state.latest, now);
      staleStandby = replicationTrouble(state.replication);
      const replication = replicationLines(state.replication);
      if (flags.json) {
        const { latest: _latest, ahead: _ahead, ...fields } = state;
        // replication stays in: { standby: { replayAgeSeconds } | null, standbys: [...] }.
        process.stdout.write(`${JSON.stringify({ ...fields, history, writers })}\n`);
      } else {
        const rows = writers.map((w) => [
          w.node_name,
          w.container_name ?? MISSING,
          formatUtc(w.last_sample_time),
          w.age_seconds === null ? MISSING : formatAgo(w.age_seconds),
          w.interval_seconds === null ? MISSING : `${w.interval_seconds} s`,
          stateText(w),
        ]);
        const nodes = history.nodes.map((n) => [
          n.node_name,
          String(n.rows_per_second),
          `${n.share_pct} %`,
          n.history_seconds === null ? MISSING : formatSpan(n.history_seconds),
        ]);
        process.stdout.write(
          `${formatFields(humanFields(state, now))}\n\n${replication.map((l) => `${l}\n`).join('')}${replication.length > 0 ? '\n' : ''}${historyLines(state.capacity, history).join('\n')}\n\n${textTable([['node', 'rows/s', 'share of the ring', 'history held'], ...nodes])}\n\n${textTable([['node', 'container', 'newest sample', 'age', 'interval', 'state'], ...rows])}\n`,
        );
      }
    } finally {
      await ring.close();
    }
    if (flags.failOnStale && (staleStandby || writers.some((w) => w.stale))) process.exitCode = 3;
  });
}

/**
 * The state's scalar fields for the field table (the writers table shows the lists), its times as
 * people read them: `2026-12-02 01:38:09 UTC (23 min ago)` where --json has epoch seconds (and
 * ISO times for the vacuums).
 */
function humanFields(state: RingState, nowSeconds: number): Record<string, unknown> {
  const { latest: _latest, ahead: _ahead, replication: _replication, ...fields } = state;
  const when = (date: Date | null) =>
    date === null ? null : formatTimeAgo(date.getTime() / 1000, nowSeconds);
  return {
    ...fields,
    oldestSampleTime: formatTimeAgo(fields.oldestSampleTime, nowSeconds),
    newestSampleTime: formatTimeAgo(fields.newestSampleTime, nowSeconds),
    lastVacuum: when(fields.lastVacuum),
    lastAutovacuum: when(fields.lastAutovacuum),
  };
}
