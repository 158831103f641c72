import { describe, expect, it } from 'vitest';
import type { ContainerEntry, NodeEntry } from './answers.js';
import {
  arrange,
  countsLine,
  INITIAL_STATE,
  isQuiet,
  lines,
  type TableState,
  visibleRange,
} from './fleet.js';

const container = (name: string, cpu: number | null, stale = false): ContainerEntry => ({
  container: name,
  age_seconds: stale ? 600 : 1,
  stale,
  clock_ahead_seconds: null,
  latest: { cpu_total_pct: cpu, c_rss_mb: cpu === null ? null : cpu * 10 },
});

const node = (name: string, cpu: number | null, containers: ContainerEntry[], stale = false): NodeEntry => ({
  node: name,
  age_seconds: stale ? 900 : 1,
  stale,
  clock_ahead_seconds: null,
  latest: { cpu_total_pct: cpu, mem_total_mb: 1000, mem_available_mb: 400, load_1m: cpu },
  containers,
});

const fleet: NodeEntry[] = [
  node('web-1', 50, [container('nginx', 5), container('app', 30)]),
  node('db-1', 80, [container('postgres', 70), container('backup', 1, true)]),
  node('web-2', null, [container('nginx', 2)], true),
  { node: 'edge', containers: [container('proxy', 3, true), container('dns', 1, true)] },
  node('batch', 10, []),
];

const view = (change: Partial<TableState>) => arrange(fleet, { ...INITIAL_STATE, ...change });
const names = (change: Partial<TableState>) =>
  view(change).groups.map((g) => [g.node.node, ...g.containers.map((c) => c.container)]);

describe('isQuiet', () => {
  it('is a stale host row, or, with no host rows, every container stale', () => {
    expect(fleet.map(isQuiet)).toEqual([false, false, true, true, false]);
    expect(isQuiet({ node: 'x', containers: [container('a', 1, true), container('b', 1)] })).toBe(false);
    expect(isQuiet({ node: 'x', containers: [] })).toBe(false);
  });
});

describe('arrange', () => {
  it('sorts nodes by name by default, their containers too, and reverses on request', () => {
    expect(names({})).toEqual([
      ['batch'],
      ['db-1', 'backup', 'postgres'],
      ['edge', 'dns', 'proxy'],
      ['web-1', 'app', 'nginx'],
      ['web-2', 'nginx'],
    ]);
    expect(names({ descending: true }).map((g) => g[0])).toEqual(['web-2', 'web-1', 'edge', 'db-1', 'batch']);
    expect(names({ descending: true })[1]).toEqual(['web-1', 'nginx', 'app']);
  });

  it('sorts by a column, containers within their node, missing values last either way', () => {
    expect(names({ sort: 'cpu' })).toEqual([
      ['batch'],
      ['web-1', 'nginx', 'app'],
      ['db-1', 'backup', 'postgres'],
      ['edge', 'dns', 'proxy'],
      ['web-2', 'nginx'],
    ]);
    expect(names({ sort: 'cpu', descending: true }).map((g) => g[0])).toEqual([
      'db-1',
      'web-1',
      'batch',
      'edge',
      'web-2',
    ]);
    expect(names({ sort: 'age', descending: true }).map((g) => g[0])).toEqual([
      'web-2',
      'batch',
      'db-1',
      'web-1',
      'edge',
    ]);
    expect(names({ sort: 'memory' })[1]).toEqual(['db-1', 'backup', 'postgres']);
  });

  it('searches node and container names, case-insensitively', () => {
    expect(names({ search: 'WEB' })).toEqual([
      ['web-1', 'app', 'nginx'],
      ['web-2', 'nginx'],
    ]);
    expect(names({ search: 'ngin' })).toEqual([
      ['web-1', 'nginx'],
      ['web-2', 'nginx'],
    ]);
    expect(names({ search: ' nothing ' })).toEqual([]);
  });

  it('finds the quiet nodes and the nodes with a stale container, and counts them', () => {
    expect(names({ quietOnly: true })).toEqual([
      ['db-1', 'backup', 'postgres'],
      ['edge', 'dns', 'proxy'],
      ['web-2', 'nginx'],
    ]);
    const { totals } = view({ quietOnly: true, search: 'web' });
    expect(totals).toEqual({ nodes: 5, containers: 7, quietNodes: 2, staleContainers: 3 });
    expect(countsLine(totals, 1)).toBe(
      '5 node(s), 7 container(s), 2 quiet node(s), 3 stale container(s); showing 1 node(s)',
    );
    expect(countsLine({ nodes: 2, containers: 0, quietNodes: 0, staleContainers: 0 }, 2)).toBe(
      '2 node(s), 0 container(s)',
    );
  });
});

describe('lines', () => {
  it('puts each node before its containers and leaves a collapsed node’s out', () => {
    const { groups } = view({ search: 'web' });
    expect(
      lines(groups, new Set(['web-1'])).map((l) =>
        l.kind === 'node' ? l.group.node.node : l.container.container,
      ),
    ).toEqual(['web-1', 'web-2', 'nginx']);
  });
});

describe('visibleRange', () => {
  it('is the lines in view and some either side, within the table', () => {
    expect(visibleRange(11_000, 30, 0, 600, 20)).toEqual({ start: 0, end: 41 });
    expect(visibleRange(11_000, 30, 30_000, 600, 20)).toEqual({ start: 980, end: 1041 });
    expect(visibleRange(11_000, 30, 400_000, 600, 20)).toEqual({ start: 10_959, end: 11_000 });
    expect(visibleRange(10, 0, 0, 600)).toEqual({ start: 0, end: 10 });
  });
});
