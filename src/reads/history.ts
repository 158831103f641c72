/**
 * How much time a ring holds at the rate its writers fill it. A ring shared by N nodes keeps
 * capacity ÷ (rows per second) seconds for all of them: 100 nodes with 10 containers each at 1 Hz
 * turn a 50,000-row ring over in 45 s. A ring shared out per node keeps node share ÷ (the node's
 * rows per second) for each node instead. `ringmon status` and the dashboard both report it by
 * these rules (pure functions, no I/O).
 */
import { DEFAULTS } from '../defaults.js';
import type { LatestSample } from '../store/ring/types.js';
import { formatSpan } from '../web/client/format.js';
import { sampleAge } from './staleness.js';

/** A ring that turns over faster than this holds too little for most questions; say so. */
export const SHORT_HISTORY_SECONDS = 3600;

export interface NodeRate {
  node_name: string;
  /** Rows the node's host and containers add per second, from their intervals. */
  rows_per_second: number;
  /**
   * The part of the capacity its rows occupy, in percent: its part of what the ring takes in, or,
   * in a ring shared out per node, its share's part of the capacity.
   */
  share_pct: number;
  /** Seconds of its history the ring holds at its rate; null while it adds nothing. */
  history_seconds: number | null;
}

/** How the ring's slots are used (RingStore's layout). */
export interface HistoryLayout {
  capacity: number;
  /** Rows each node keeps when the ring is shared out per node; null or absent: one pool. */
  nodeShare?: number | null;
}

export interface RingHistory {
  /** Rows per second all writers that are not quiet add together. */
  rows_per_second: number;
  /**
   * Seconds until every row is overwritten at that rate (capacity ÷ rate); in a ring shared out
   * per node, the shortest history of any node (its share ÷ its rate). Null with no writer.
   */
  turnover_seconds: number | null;
  /** Whether that is under {@link SHORT_HISTORY_SECONDS}. */
  short: boolean;
  /** The capacity that would hold {@link SHORT_HISTORY_SECONDS} at that rate (in a pool). */
  capacity_for_an_hour: number;
  /** Rows each node keeps, when the ring is shared out per node; else null. */
  node_share: number | null;
  /** The node share that would hold an hour for the busiest node (null in a pool). */
  share_for_an_hour: number | null;
  nodes: NodeRate[];
}

/**
 * The ring's turnover at the current rate, and each node's part of it. A writer's rate is one row
 * per interval; a quiet writer (no sample for three of its intervals) adds nothing. The interval
 * column is an INTEGER, so a sub-second interval counts as 1 s here: the rate is then a floor.
 */
export function ringHistory(
  layout: HistoryLayout,
  writers: readonly LatestSample[],
  nowSeconds: number,
): RingHistory {
  const { capacity } = layout;
  const nodeShare = layout.nodeShare ?? null;
  const perNode = new Map<string, number>();
  let total = 0;
  for (const w of writers) {
    const rate = sampleAge(w.sample_time, w.interval_seconds, nowSeconds).stale
      ? 0
      : 1 / Math.max(1, w.interval_seconds ?? DEFAULTS.intervalSeconds);
    perNode.set(w.node_name, (perNode.get(w.node_name) ?? 0) + rate);
    total += rate;
  }
  const poolTurnover = total > 0 ? capacity / total : null;
  const busiest = Math.max(0, ...perNode.values());
  const turnover = nodeShare === null ? poolTurnover : busiest > 0 ? nodeShare / busiest : null;
  return {
    rows_per_second: round(total),
    turnover_seconds: turnover === null ? null : Math.round(turnover),
    short: turnover !== null && turnover < SHORT_HISTORY_SECONDS,
    capacity_for_an_hour: Math.ceil(total * SHORT_HISTORY_SECONDS),
    node_share: nodeShare,
    share_for_an_hour: nodeShare === null ? null : Math.ceil(busiest * SHORT_HISTORY_SECONDS),
    nodes: [...perNode.entries()]
      .map(([node_name, rate]) => {
        const history = rate > 0 ? (nodeShare ?? capacity) / (nodeShare === null ? total : rate) : null;
        return {
          node_name,
          rows_per_second: round(rate),
          share_pct:
            nodeShare !== null
              ? round((100 * nodeShare) / capacity)
              : total > 0
                ? round((100 * rate) / total)
                : 0,
          history_seconds: history === null ? null : Math.round(history),
        };
      })
      .sort((a, b) => b.rows_per_second - a.rows_per_second || (a.node_name < b.node_name ? -1 : 1)),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** One line on the ring's history, and a warning with the fix when it is short. */
export function historyLines(capacity: number, history: RingHistory): string[] {
  if (history.turnover_seconds === null)
    return ['history: no writer is sampling, nothing is being overwritten'];
  if (history.node_share !== null) {
    const top = history.nodes[0];
    const lines = [
      `history: each node keeps ${history.node_share} rows of its own; the busiest, ${top?.node_name} at ${top?.rows_per_second} rows/s, turns its share over every ${formatSpan(history.turnover_seconds)}`,
    ];
    if (history.short) {
      lines.push(
        `warning: ${top?.node_name}'s share holds less than an hour; give the master --node-share ${history.share_for_an_hour} (an hour at its rate; the capacity must hold that many rows for every node), or fewer containers per agent or longer intervals`,
      );
    }
    return lines;
  }
  const lines = [
    `history: at ${history.rows_per_second} rows/s the ring's ${capacity} rows turn over every ${formatSpan(history.turnover_seconds)}`,
  ];
  if (history.short) {
    lines.push(
      `warning: the ring holds less than an hour; give the master --capacity ${history.capacity_for_an_hour} (an hour at this rate), or fewer containers per agent or longer intervals`,
    );
  }
  return lines;
}
