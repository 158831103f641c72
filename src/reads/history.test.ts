import { describe, expect, it } from 'vitest';
import type { LatestSample } from '../store/ring/types.js';
import { historyLines, ringHistory } from './history.js';

const now = 1_800_000_000;
const writer = (node: string, container: string | null, interval: number, age = 0): LatestSample => ({
  node_name: node,
  container_name: container,
  sample_time: now - age,
  interval_seconds: interval,
});

describe('ringHistory', () => {
  it('100 nodes with 10 containers each at 1 Hz turn a 50,000-row ring over in 45 s', () => {
    const writers: LatestSample[] = [];
    for (let n = 0; n < 100; n++) {
      writers.push(writer(`node-${n}`, null, 1));
      for (let c = 0; c < 10; c++) writers.push(writer(`node-${n}`, `c${c}`, 1));
    }
    const h = ringHistory({ capacity: 50_000 }, writers, now);
    expect(h.rows_per_second).toBe(1100);
    expect(h.turnover_seconds).toBe(45);
    expect(h.short).toBe(true);
    expect(h.capacity_for_an_hour).toBe(3_960_000);
    expect(h.nodes).toHaveLength(100);
    expect(h.nodes[0]).toEqual({
      node_name: 'node-0',
      rows_per_second: 11,
      share_pct: 1,
      history_seconds: 45,
    });
    expect(historyLines(50_000, h)).toEqual([
      "history: at 1100 rows/s the ring's 50000 rows turn over every 45 s",
      'warning: the ring holds less than an hour; give the master --capacity 3960000 (an hour at this rate), or fewer containers per agent or longer intervals',
    ]);
  });

  it('a noisy node and a quiet one: shares follow the rates; a writer gone quiet adds nothing', () => {
    const h = ringHistory(
      { capacity: 100_000 },
      [writer('noisy', null, 1), writer('calm', null, 60), writer('gone', null, 5, 3600)],
      now,
    );
    expect(h.rows_per_second).toBeCloseTo(1 + 1 / 60, 3);
    expect(h.nodes.map((n) => [n.node_name, n.share_pct])).toEqual([
      ['noisy', 98.361],
      ['calm', 1.639],
      ['gone', 0],
    ]);
    expect(h.turnover_seconds).toBe(Math.round(100_000 / (1 + 1 / 60)));
    expect(h.short).toBe(false);
    expect(historyLines(100_000, h)).toHaveLength(1);
  });

  it('a sub-second interval (stored as 0) counts as 1 s; no writer means no turnover', () => {
    expect(ringHistory({ capacity: 10 }, [writer('fast', null, 0)], now).rows_per_second).toBe(1);
    const none = ringHistory({ capacity: 10 }, [], now);
    expect(none.turnover_seconds).toBeNull();
    expect(none.short).toBe(false);
    expect(historyLines(10, none)).toEqual(['history: no writer is sampling, nothing is being overwritten']);
  });

  it('in a ring shared out per node, each node holds its share at its own rate', () => {
    const writers = [writer('noisy', null, 1)];
    for (let c = 0; c < 49; c++) writers.push(writer('noisy', `c${c}`, 1));
    writers.push(writer('quiet', null, 1), writer('gone', null, 5, 3600));
    const h = ringHistory({ capacity: 100_000, nodeShare: 25_000 }, writers, now);
    expect(h.node_share).toBe(25_000);
    expect(h.nodes).toEqual([
      { node_name: 'noisy', rows_per_second: 50, share_pct: 25, history_seconds: 500 },
      { node_name: 'quiet', rows_per_second: 1, share_pct: 25, history_seconds: 25_000 },
      { node_name: 'gone', rows_per_second: 0, share_pct: 25, history_seconds: null },
    ]);
    // The shortest history is the busiest node's, and the fix is a larger share.
    expect(h.turnover_seconds).toBe(500);
    expect(h.short).toBe(true);
    expect(h.share_for_an_hour).toBe(180_000);
    expect(historyLines(100_000, h)).toEqual([
      'history: each node keeps 25000 rows of its own; the busiest, noisy at 50 rows/s, turns its share over every 8 min 20 s',
      "warning: noisy's share holds less than an hour; give the master --node-share 180000 (an hour at its rate; the capacity must hold that many rows for every node), or fewer containers per agent or longer intervals",
    ]);
  });
});
