/**
 * Reads use the indexes they were designed for and stay fast on a full ring of a synthetic fleet
 * (100 nodes × 10 containers). The benchmark measures the same queries on 1,000,000 rows; here the
 * ring is smaller, but a query that scanned the table or sorted it would still fail the checks.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { latestSql, recentSql, type Statement } from '../../src/store/ring/sql.js';
import { type Backend, forEachBackend, uniqueTable } from './backends.js';
import { fillSql, nodeName } from './synthetic.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Sort Method'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, out: PlanNode[] = []): PlanNode[] {
  out.push(node);
  for (const child of node.Plans ?? []) walk(child, out);
  return out;
}

forEachBackend('RingStore reads on a full ring', (backend: Backend) => {
  const table = uniqueTable('ringreads');
  const fleet = { nodes: 100, containers: 10, rows: backend.name === 'postgres' ? 110_000 : 22_000 };
  const lastTick = 1_700_000_000 + fleet.rows / 1100 - 1;
  let store: RingStore;

  beforeAll(async () => {
    store = await backend.open({ tableName: table, capacity: fleet.rows });
    for (const sql of fillSql(table, fleet)) await backend.sql(sql);
    await store.vacuum({ analyze: true });
    await store.refreshPairs();
  });
  afterAll(async () => {
    await store.close();
    await backend.drop(table);
  });

  async function explain(s: Statement): Promise<{ nodes: PlanNode[]; ms: number }> {
    let best = Number.POSITIVE_INFINITY;
    let nodes: PlanNode[] = [];
    for (let i = 0; i < 5; i++) {
      const rows = await backend.sql<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql}`,
        s.params,
      );
      const raw = rows[0]?.['QUERY PLAN'];
      const doc = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
        Plan: PlanNode;
        'Execution Time': number;
      }[];
      best = Math.min(best, doc[0]!['Execution Time']);
      nodes = walk(doc[0]!.Plan);
    }
    return { nodes, ms: best };
  }

  function indexesUsed(nodes: PlanNode[]): string[] {
    return [...new Set(nodes.flatMap((n) => (n['Index Name'] ? [n['Index Name']] : [])))].sort();
  }

  function expectNoScanOfTheRing(nodes: PlanNode[]) {
    const scans = nodes.filter((n) => n['Relation Name'] === table && n['Node Type'] === 'Seq Scan');
    expect(scans).toEqual([]);
  }

  // Server-side execution (EXPLAIN ANALYZE, best of 5). The targets are 5 and 20 ms; the
  // bounds leave room for a loaded CI machine and for PGlite, which runs PostgreSQL in WebAssembly.
  const slack = backend.name === 'postgres' ? 2 : 6;

  // With every pair's rows wanted, a planner may rightly prefer a bitmap scan, or (PostgreSQL 18,
  // i.e. PGlite) a skip scan of the composite index; any of the listed indexes is fine.
  for (const [label, query, indexes] of [
    ['one node', { node: nodeName(42) }, ['node_time_idx']],
    [
      'one container of one node',
      { node: nodeName(42), container: 'container-3' },
      ['containers_idx', 'composite_idx'],
    ],
    ['one container name on every node', { container: 'container-3' }, ['container_time_idx']],
    ['everything', {}, ['time_slot_idx']],
  ] as const) {
    it(`recent rows of ${label} come from ${indexes.join(' or ')}, within ${5 * slack} ms`, async () => {
      const names = ringNames(table);
      const s = recentSql(
        names,
        100,
        'node' in query ? query.node : undefined,
        'container' in query ? query.container : undefined,
      );
      const { nodes, ms } = await explain(s);
      expectNoScanOfTheRing(nodes);
      const used = indexesUsed(nodes);
      expect(used).toHaveLength(1);
      expect(indexes.map((i) => `${table}_${i}`)).toContain(used[0]);
      expect(ms).toBeLessThan(5 * slack);
      const rows = await store.recent({ limit: 100, ...query });
      // One pair has one row per tick.
      const ticks = fleet.rows / 1100;
      expect(rows).toHaveLength('container' in query && 'node' in query ? Math.min(100, ticks) : 100);
      expect(rows[0]?.sample_time).toBe(lastTick);
      for (let i = 1; i < rows.length; i++) {
        expect(rows[i]!.sample_time! <= rows[i - 1]!.sample_time!).toBe(true);
      }
    });
  }

  it(`the newest row of all 100 nodes and 1,000 containers comes without a per-pair walk, within ${20 * slack} ms`, async () => {
    const { nodes, ms } = await explain({
      sql: latestSql(ringNames(table)),
      params: [Math.floor(Date.now() / 1000) + 60],
    });
    expectNoScanOfTheRing(nodes);
    // The newest rows come from one backward range of the time index; no pair needed a probe; the
    // winners' full rows are fetched by id, one primary-key lookup each.
    expect(indexesUsed(nodes)).toContain(`${table}_time_slot_idx`);
    const byId = nodes.filter((n) => n['Index Name'] === `${table}_pkey`);
    expect(byId.map((n) => n['Actual Loops'])).toEqual([1100]);
    const probes = nodes.filter(
      (n) =>
        n['Index Name'] !== undefined &&
        n['Index Name'] !== `${table}_time_slot_idx` &&
        n['Index Name'] !== `${table}_pkey`,
    );
    expect(probes.map((n) => n['Actual Loops'])).toEqual(probes.map(() => 0));
    expect(ms).toBeLessThan(20 * slack);
    const latest = await store.latest();
    expect(latest).toHaveLength(1100);
    expect(latest.every((r) => r.sample_time === lastTick)).toBe(true);
    expect(latest.filter((r) => r.node_flag)).toHaveLength(100);
    expect(latest[0]).toMatchObject({ node_name: nodeName(0), container_name: null, master_flag: true });
  });

  it('state() is answered from the same reads', async () => {
    const state = await store.state();
    expect(state.rowsUsed).toBe(fleet.rows);
    expect(state.latest).toHaveLength(1100);
    expect(state.newestSampleTime).toBe(lastTick);
    expect(state.oldestSampleTime).toBe(1_700_000_000);
  });
});
