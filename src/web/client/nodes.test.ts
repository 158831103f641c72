import { describe, expect, it } from 'vitest';
import type { ContainerEntry, History, NodeEntry, NodesAnswer } from './answers.js';
import { findEntry, historyNote, memoryUsed, refreshSeconds, staleNote } from './nodes.js';

const writer = (interval: number | null, more: Partial<ContainerEntry> = {}): ContainerEntry => ({
  container: 'web',
  age_seconds: 2,
  stale: false,
  clock_ahead_seconds: null,
  latest: { sample_time: 1_800_000_000, interval_seconds: interval },
  ...more,
});

const pool: History = {
  rows_per_second: 3,
  turnover_seconds: 10_000,
  short: false,
  capacity_for_an_hour: 10_800,
  node_share: null,
  share_for_an_hour: null,
};

describe('findEntry', () => {
  const web = writer(1);
  const alpha: NodeEntry = { ...writer(1), node: 'alpha', containers: [web] };
  const onlyContainers: NodeEntry = { node: 'beta', containers: [writer(5)] };
  const data: NodesAnswer = { now: 1_800_000_002, history: pool, nodes: [alpha, onlyContainers] };

  it("finds a node's host entry or one of its containers", () => {
    expect(findEntry(data, 'alpha', null)).toBe(alpha);
    expect(findEntry(data, 'alpha', 'web')).toBe(web);
    expect(findEntry(data, 'alpha', 'db')).toBeNull();
    expect(findEntry(data, 'gamma', null)).toBeNull();
  });

  it('finds no host entry for a node the ring holds only container rows of', () => {
    expect(findEntry(data, 'beta', null)).toBeNull();
    expect(findEntry(data, 'beta', 'web')).not.toBeNull();
  });
});

describe('memoryUsed', () => {
  it('is total less available, or less free, buffers and cache without MemAvailable', () => {
    expect(memoryUsed({ mem_total_mb: 16_000, mem_available_mb: 12_000, mem_free_mb: 1 })).toBe(4000);
    expect(
      memoryUsed({ mem_total_mb: 16_000, mem_available_mb: null, mem_free_mb: 8000, mem_cached_mb: 2000 }),
    ).toBe(6000);
    expect(memoryUsed({ mem_available_mb: 12_000 })).toBeNull();
  });
});

describe('staleNote', () => {
  it('says nothing of a writer that is current', () => {
    expect(staleNote(writer(1), 3)).toBeNull();
  });

  it('names staleness and a clock that ran ahead, and explains both', () => {
    expect(staleNote(writer(5, { stale: true }), 3)).toEqual({
      text: 'stale',
      title: 'no sample for more than 3 × its interval (5 s)',
    });
    const note = staleNote(writer(5, { stale: true, clock_ahead_seconds: 3548 }), 3);
    expect(note?.text).toBe('stale, clock ahead by 59 min');
    expect(note?.title).toContain("stamped 59 min after this server's clock");
    expect(staleNote(writer(0, { stale: true }), 3)?.title).toContain('(? s)');
  });
});

describe('refreshSeconds', () => {
  it('is the shortest interval shown, from 1 s to a minute', () => {
    expect(refreshSeconds([writer(5), writer(10), null])).toBe(5);
    expect(refreshSeconds([writer(300)])).toBe(60);
    expect(refreshSeconds([writer(0), writer(null)])).toBe(60);
    expect(refreshSeconds([])).toBe(60);
  });
});

describe('historyNote', () => {
  it('says how long the ring holds, and the fix when that is under an hour', () => {
    expect(historyNote(pool)).toBe('the ring holds 2 h 46 min at 3 rows/s');
    expect(historyNote({ ...pool, turnover_seconds: 1800, short: true })).toBe(
      'the ring holds 30 min at 3 rows/s (under an hour: raise the capacity to 10800)',
    );
    expect(
      historyNote({
        ...pool,
        node_share: 5000,
        share_for_an_hour: 7200,
        turnover_seconds: 2500,
        short: true,
      }),
    ).toBe(
      'each node keeps 5000 rows; the busiest holds 41 min (under an hour: raise the node share to 7200)',
    );
    expect(historyNote({ ...pool, turnover_seconds: null })).toBe('');
  });
});
