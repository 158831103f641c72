import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { formatSpan, historyLines, ringHistory } from '../history.js';
import { STALE_INTERVALS, sampleAge } from '../staleness.js';
import type { LatestSample } from '../store/ring.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { formatEpoch, formatFields, textTable } from './format.js';
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
}

/** Each node's and container's newest row, judged against its own interval (pure). */
export function writerStatuses(latest: readonly LatestSample[], nowSeconds: number): WriterStatus[] {
  return latest.map((row) => ({
    node_name: row.node_name,
    container_name: row.container_name,
    last_sample_time: row.sample_time,
    interval_seconds: row.interval_seconds,
    ...sampleAge(row.sample_time, row.interval_seconds, nowSeconds),
  }));
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
        `exit with code 3 when a node or container has been quiet for ${STALE_INTERVALS} intervals`,
      ),
  ).action(async (flags: StatusFlags) => {
    const ring = await openRing(await settingsFrom(flags));
    let writers: WriterStatus[];
    try {
      const state = await ring.store.state();
      // state() already holds every writer's newest sample_time and interval: no second read.
      const now = Date.now() / 1000;
      writers = writerStatuses(state.latest, now);
      const history = ringHistory(state, state.latest, now);
      if (flags.json) {
        const { latest: _latest, ...fields } = state;
        process.stdout.write(`${JSON.stringify({ ...fields, history, writers })}\n`);
      } else {
        const rows = writers.map((w) => [
          w.node_name,
          w.container_name ?? '-',
          formatEpoch(w.last_sample_time),
          w.age_seconds === null ? '-' : `${Math.round(w.age_seconds)} s`,
          w.interval_seconds === null ? '-' : `${w.interval_seconds} s`,
          w.stale ? 'QUIET' : 'ok',
        ]);
        const nodes = history.nodes.map((n) => [
          n.node_name,
          String(n.rows_per_second),
          `${n.share_pct} %`,
          n.history_seconds === null ? '-' : formatSpan(n.history_seconds),
        ]);
        process.stdout.write(
          `${formatFields(state)}\n\n${historyLines(state.capacity, history).join('\n')}\n\n${textTable([['node', 'rows/s', 'share of the ring', 'history held'], ...nodes])}\n\n${textTable([['node', 'container', 'newest sample (UTC)', 'age', 'interval', 'state'], ...rows])}\n`,
        );
      }
    } finally {
      await ring.close();
    }
    if (flags.failOnStale && writers.some((w) => w.stale)) process.exitCode = 3;
  });
}
