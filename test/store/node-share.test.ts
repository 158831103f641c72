/**
 * A ring shared out per node (`nodeShare`): a noisy node overwrites only its own rows, each share
 * keeps exactly its node's newest rows, resizes move between the pool and shares, and a node that
 * finds no share waits with an error an agent buffers through. On PGlite and on the server.
 */
import { afterEach, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { isPassing, RingStoreError } from '../../src/store/errors.js';
import type { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { type Backend, containerRow, forEachBackend, hostRow, uniqueTable } from './backends.js';

/** `n` host rows of `node` whose cpu_total_pct counts up from `from` (to recognise them later). */
function rowsOf(node: string, from: number, n: number): SampleInput[] {
  return Array.from({ length: n }, (_, i) =>
    hostRow(node, 1_700_000_000 + from + i, { cpu_total_pct: from + i }),
  );
}

interface Stored {
  id: number;
  slot: number;
  node: string;
  mark: number;
}

forEachBackend('a ring shared out per node', (backend: Backend) => {
  const opened: RingStore[] = [];
  const tables: string[] = [];

  async function ring(options: Parameters<Backend['open']>[0]) {
    const tableName = options.tableName ?? uniqueTable('sharetest');
    if (!tables.includes(tableName)) tables.push(tableName);
    const store = await backend.open({ ...options, tableName });
    opened.push(store);
    return store;
  }

  async function stored(table: string): Promise<Stored[]> {
    const rows = await backend.sql<{ id: string | number; slot: number; node: string; mark: number }>(
      `SELECT id, slot, node_name AS node, cpu_total_pct AS mark FROM "${table}" ORDER BY id`,
    );
    return rows.map((r) => ({ id: Number(r.id), slot: r.slot, node: r.node, mark: Number(r.mark) }));
  }

  async function shares(table: string) {
    return backend.sql<{ node_name: string; share_index: number; written: string | number }>(
      `SELECT node_name, share_index, written FROM "${ringNames(table).shares}" ORDER BY share_index`,
    );
  }

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const t of tables.splice(0)) await backend.drop(t);
  });

  it('keeps the quiet node its history while a node writing 50 times as much turns its own share over', async () => {
    const rounds = 120;
    async function run(nodeShare: number | null) {
      const store = await ring({ capacity: 1000, nodeShare });
      const written = new Map<string, number[]>([
        ['noisy', []],
        ['quiet', []],
      ]);
      for (let r = 0; r < rounds; r++) {
        // One second of each: the noisy node's 50 rows, the quiet node's one.
        written.get('noisy')!.push(...(await store.write(rowsOf('noisy', r * 50, 50))).ids);
        written.get('quiet')!.push(...(await store.write(rowsOf('quiet', r, 1))).ids);
      }
      return { rows: await stored(store.table), written, table: store.table };
    }

    const pooled = await run(null);
    const shared = await run(250);

    // One pool: 1,000 rows are the newest 20 s of both, so the quiet node keeps 20 of its 120.
    expect(pooled.rows.filter((r) => r.node === 'quiet')).toHaveLength(20);
    // Shares of 250: the quiet node keeps all 120, the noisy one exactly its newest 250.
    const quiet = shared.rows.filter((r) => r.node === 'quiet');
    const noisy = shared.rows.filter((r) => r.node === 'noisy');
    expect(quiet.map((r) => r.id)).toEqual(shared.written.get('quiet'));
    expect(noisy.map((r) => r.id)).toEqual(shared.written.get('noisy')!.slice(-250));
    expect(noisy.map((r) => r.mark)).toEqual(Array.from({ length: 250 }, (_, i) => rounds * 50 - 250 + i));
    // Each node within its own share's slots, every slot used once.
    const index = new Map((await shares(shared.table)).map((s) => [s.node_name, s.share_index]));
    for (const r of shared.rows) {
      const k = index.get(r.node)!;
      expect(r.slot).toBeGreaterThanOrEqual(k * 250);
      expect(r.slot).toBeLessThan((k + 1) * 250);
    }
    expect(new Set(shared.rows.map((r) => r.slot)).size).toBe(shared.rows.length);
  });

  it("keeps a node's whole batch in order and its next row right after its newest", async () => {
    const store = await ring({ capacity: 40, nodeShare: 10 });
    await store.write([...rowsOf('a', 0, 3), containerRow('a', 'web', 1_700_000_003, { cpu_total_pct: 3 })]);
    // 25 rows in one batch into a share of 10: the last 10 of them stay, in order.
    const result = await store.write(rowsOf('a', 4, 25));
    expect(result.written).toBe(10);
    let rows = await stored(store.table);
    expect(rows.map((r) => r.mark)).toEqual(Array.from({ length: 10 }, (_, i) => 19 + i));
    // 29 rows so far: the share's counter says where the next one goes.
    expect((await shares(store.table))[0]).toMatchObject({ node_name: 'a', share_index: 0 });
    expect(Number((await shares(store.table))[0]?.written)).toBe(29);
    await store.write(rowsOf('a', 29, 1));
    rows = await stored(store.table);
    const newest = rows[rows.length - 1]!;
    expect(newest).toMatchObject({ mark: 29, slot: 29 % 10 });
    expect(rows.map((r) => r.mark)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
  });

  it('moves a pool into shares and back, dropping only what the new layout has no room for', async () => {
    const store = await ring({ capacity: 60 });
    for (let r = 0; r < 10; r++) {
      await store.write(rowsOf('a', r * 4, 4));
      await store.write(rowsOf('b', r, 1));
      await store.write(rowsOf('c', r * 2, 2));
    }
    // 40 + 10 + 20 rows into 60: the pool dropped the oldest 10, which leaves a 33, b 9, c 18.
    expect((await stored(store.table)).length).toBe(60);

    // Three shares of 15: a keeps its newest 15 of 33, b its 9, c its newest 15 of 18.
    expect(await store.setCapacity(45, { nodeShare: 15 })).toEqual({ dropped: 18 + 3 });
    expect(store.nodeShare).toBe(15);
    let rows = await stored(store.table);
    expect(rows.filter((r) => r.node === 'a').map((r) => r.mark)).toEqual(
      Array.from({ length: 15 }, (_, i) => 25 + i),
    );
    expect(rows.filter((r) => r.node === 'b')).toHaveLength(9);
    expect(rows.filter((r) => r.node === 'c').map((r) => r.mark)).toEqual(
      Array.from({ length: 15 }, (_, i) => 5 + i),
    );
    // Writes carry on after each node's newest row.
    await store.write(rowsOf('b', 10, 6));
    rows = await stored(store.table);
    expect(rows.filter((r) => r.node === 'b').map((r) => r.mark)).toEqual(
      Array.from({ length: 15 }, (_, i) => 1 + i),
    );

    // Two shares: a wrote longest ago (b last, c before it), so its rows go.
    const before = rows.filter((r) => r.node === 'a').length;
    expect(await store.setCapacity(30, { nodeShare: 15 })).toEqual({ dropped: before });
    rows = await stored(store.table);
    expect(new Set(rows.map((r) => r.node))).toEqual(new Set(['b', 'c']));
    expect((await shares(store.table)).map((s) => [s.node_name, s.share_index])).toEqual([
      ['b', 0],
      ['c', 1],
    ]);

    // Back to one pool of 20: the newest 20 rows of the ring, and writes continue in the pool.
    const newest20 = rows.slice(-20).map((r) => r.id);
    expect(await store.setCapacity(20, { nodeShare: null })).toEqual({ dropped: 10 });
    expect(store.nodeShare).toBeNull();
    expect((await stored(store.table)).map((r) => r.id)).toEqual(newest20);
    expect(await shares(store.table)).toEqual([]);
    const more = await store.write(rowsOf('d', 0, 5));
    rows = await stored(store.table);
    expect(rows).toHaveLength(20);
    expect(rows.slice(-5).map((r) => r.id)).toEqual(more.ids);
  });

  it('makes a newcomer wait while every share is in use, then gives it the share of a node silent for an hour', async () => {
    const store = await ring({ capacity: 25, nodeShare: 10 });
    await store.write(rowsOf('a', 0, 3));
    await store.write(rowsOf('b', 0, 3));
    const failure = await store.write(rowsOf('c', 0, 2)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RingStoreError);
    expect((failure as RingStoreError).code).toBe('no-share');
    expect(isPassing(failure)).toBe(true);
    expect((failure as Error).message).toMatch(
      /ring \S+ has no share left for node c: its 2 share\(s\) of 10 rows all belong to nodes that wrote within the last hour: raise the capacity or lower the node share \(ringmon resize\)/,
    );
    expect((await stored(store.table)).filter((r) => r.node === 'c')).toEqual([]);

    // a has been silent for two hours (as the server's clock sees it): c takes its share.
    await backend.sql(
      `UPDATE "${ringNames(store.table).shares}" SET last_write = now() - interval '2 hours' WHERE node_name = 'a'`,
    );
    const taken = await store.write(rowsOf('c', 0, 2));
    expect(taken.written).toBe(2);
    const held = await shares(store.table);
    expect(held.map((s) => [s.node_name, s.share_index])).toEqual([
      ['c', 0],
      ['b', 1],
    ]);
    // c's rows replace a's from the share's first slot, a's newer rows stay until overwritten.
    const rows = await stored(store.table);
    expect(rows.filter((r) => r.node === 'c').map((r) => r.slot)).toEqual([0, 1]);
    expect(rows.filter((r) => r.node === 'a').map((r) => r.slot)).toEqual([2]);
    const state = await store.state();
    expect(state.nodeShare).toBe(10);
    expect(state.shares).toEqual({ total: 2, held: 2 });
  });

  it('is what every store of the ring follows, whoever set it and whenever', async () => {
    const table = uniqueTable('sharetest');
    const early = await ring({ tableName: table, capacity: 30 });
    await early.write(rowsOf('a', 0, 2));
    // Another process shares the ring out while `early` still thinks it is one pool.
    const master = await ring({ tableName: table, capacity: 30, nodeShare: 10 });
    expect(master.nodeShare).toBe(10);
    // A node `early` has not written yet: its first batch would take the plain statement.
    await early.write([
      ...rowsOf('b', 0, 12),
      containerRow('b', 'web', 1_700_000_100, { cpu_total_pct: 99 }),
    ]);
    expect(early.nodeShare).toBe(10);
    const b = (await stored(table)).filter((r) => r.node === 'b');
    expect(b).toHaveLength(10);
    const index = (await shares(table)).find((s) => s.node_name === 'b')!.share_index;
    for (const r of b) expect(Math.floor(r.slot / 10)).toBe(index);
    // A store that adopts the ring's layout reads it; only 'apply' changes it.
    const adopter = await ring({ tableName: table, capacity: 90, nodeShare: 30, capacityMode: 'adopt' });
    expect([adopter.capacity, adopter.nodeShare]).toEqual([30, 10]);
    const plain = await ring({ tableName: table });
    expect(plain.nodeShare).toBe(10);
  });

  it('adds the node_share column to a ring made before it, when its owner opens it', async () => {
    const table = uniqueTable('sharetest');
    const first = await ring({ tableName: table, capacity: 20 });
    await first.write(rowsOf('a', 0, 5));
    await first.close();
    await backend.sql(`ALTER TABLE "${ringNames(table).meta}" DROP COLUMN node_share`);
    const reopened = await ring({ tableName: table, capacity: 20, nodeShare: 5 });
    expect(reopened.nodeShare).toBe(5);
    expect((await stored(table)).map((r) => r.mark)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a share larger than the capacity, or not a whole number of rows, with one line', async () => {
    await expect(ring({ capacity: 10, nodeShare: 11 })).rejects.toThrow(
      /node share 11 is larger than the capacity 10: .*at most 10 rows/,
    );
    await expect(ring({ capacity: 10, nodeShare: 2.5 })).rejects.toThrow(
      /node share 2.5 is invalid: it must be a whole number of rows/,
    );
    const store = await ring({ capacity: 10 });
    await expect(store.setCapacity(10, { nodeShare: 0 })).rejects.toThrow(/node share 0 is invalid/);
  });
});

forEachBackend(
  'a ring shared out per node, under concurrent writers',
  (backend: Backend) => {
    it('keeps exactly each node’s newest rows with several writers per node, new nodes claiming at once and a resize', async () => {
      const table = uniqueTable('sharetest');
      const share = 50;
      const stores: RingStore[] = [];
      try {
        const first = await backend.open({ tableName: table, capacity: 8 * share, nodeShare: share });
        stores.push(first);
        for (let i = 0; i < 7; i++) stores.push(await backend.open({ tableName: table }));
        // Writers 0–3 are one noisy node, 4–7 four quiet nodes; all start at once.
        const nodeOf = (w: number) => (w < 4 ? 'noisy' : `quiet-${w}`);
        const returned = new Map<string, number[]>();
        let mark = 0;
        let lastWrite = 0;
        let resized = Number.POSITIVE_INFINITY;
        const writer = async (w: number) => {
          const store = stores[w]!;
          const node = nodeOf(w);
          const rounds = w < 4 ? 60 : 20;
          for (let r = 0; r < rounds; r++) {
            const n = w < 4 ? 11 : 1;
            const rows = rowsOf(node, mark, n);
            mark += n;
            const ids = (await store.write(rows)).ids;
            lastWrite = performance.now();
            returned.set(node, [...(returned.get(node) ?? []), ...ids]);
          }
        };
        const resize = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          await first.setCapacity(10 * share, { nodeShare: share });
          resized = performance.now();
        })();
        await Promise.all([...stores.map((_, w) => writer(w)), resize]);
        // The resize ran while the writers still wrote.
        expect(resized).toBeLessThan(lastWrite);
        const rows = await backend.sql<{ id: string; node: string; slot: number }>(
          `SELECT id, node_name AS node, slot FROM "${table}" ORDER BY id`,
        );
        for (const [node, ids] of returned) {
          const have = rows.filter((r) => r.node === node).map((r) => Number(r.id));
          expect(have, node).toEqual([...ids].sort((a, b) => a - b).slice(-share));
        }
        expect(rows.filter((r) => r.node === 'noisy')).toHaveLength(share);
        for (let w = 4; w < 8; w++) expect(rows.filter((r) => r.node === nodeOf(w))).toHaveLength(20);
        expect(new Set(rows.map((r) => r.slot)).size).toBe(rows.length);
        expect(Math.max(...rows.map((r) => r.slot))).toBeLessThan(10 * share);
      } finally {
        for (const s of stores) await s.close();
        await backend.drop(table);
      }
    });
  },
  'postgres',
);
