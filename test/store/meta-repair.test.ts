/**
 * A ring whose metadata row someone deleted (issue: every write and command failed with "has no
 * capacity row", and the hint to reopen was wrong). The ring mends itself from its table: a
 * writer's next write recreates the row and carries on, and so does opening the ring; the
 * capacity is the slot range the rows use (or the one asked for, when larger), so no row is lost.
 */
import { afterEach, expect, it } from 'vitest';
import type { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { forEachBackend, numberedRows, uniqueTable } from './backends.js';

forEachBackend('a deleted metadata row', (backend) => {
  const opened: RingStore[] = [];
  const tables: string[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const table of tables.splice(0)) await backend.drop(table);
  });
  const open = async (table: string, capacity: number | undefined, warnings: string[]) => {
    const store = await backend.open({ tableName: table, capacity, onWarning: (m) => warnings.push(m) });
    opened.push(store);
    return store;
  };

  it('a writer recreates it at its next write, says so once, and stores the batch', async () => {
    const table = uniqueTable('metafix');
    tables.push(table);
    const warnings: string[] = [];
    const store = await open(table, 50, warnings);
    await store.write(numberedRows(0, 70)); // a lap and a bit: slots 0..49 all used
    const meta = ringNames(table).meta;
    await backend.sql(`DELETE FROM ${meta}`);
    const written = await store.write(numberedRows(70, 3));
    expect(written.written).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`metadata row in ${meta} was missing: recreated it from ${table} with capacity 50`),
    );
    expect(await backend.sql(`SELECT capacity, node_share FROM ${meta}`)).toEqual([
      { capacity: 50, node_share: null },
    ]);
    // 50 rows, the batch among them. (The write that found no slot used three ids: their slots keep
    // older rows until the ring comes round, as after any failed write; docs/ring.md, gaps.)
    expect(await backend.sql(`SELECT count(*)::integer AS n FROM ${table}`)).toEqual([{ n: 50 }]);
    expect((await store.recent({ limit: 3 })).map((r) => r.cpu_total_pct)).toEqual([72, 71, 70]);
    await store.write(numberedRows(73, 2));
    expect(warnings).toHaveLength(1);
    expect((await store.state()).rowsUsed).toBe(50);
  });

  it('opening the ring recreates it: capacity the slot range, or the one asked for when larger', async () => {
    const table = uniqueTable('metaopen');
    tables.push(table);
    const first = await open(table, 40, []);
    await first.write(numberedRows(0, 25)); // slots 0..24: the ring is not full yet
    const meta = ringNames(table).meta;
    await backend.sql(`DELETE FROM ${meta}`);
    const warnings: string[] = [];
    const small = await backend.open({
      tableName: table,
      capacity: 10,
      capacityMode: 'adopt',
      onWarning: (m) => warnings.push(m),
    });
    opened.push(small);
    // Asked for 10 but the rows use 25 slots: 25, so that no row falls outside the ring.
    expect(small.capacity).toBe(25);
    expect(warnings).toEqual([expect.stringMatching(/with capacity 25, one pool/)]);
    expect((await small.recent({ limit: 100 })).length).toBe(25);
    await backend.sql(`DELETE FROM ${meta}`);
    const large = await open(table, 60, []);
    expect(large.capacity).toBe(60);
  });
});

forEachBackend('a ring dropped under its writer', (backend) => {
  it('the next write creates it again, says so once, and stores the batch; so does a dropped metadata table', async () => {
    const table = uniqueTable('dropped');
    const warnings: string[] = [];
    const store = await backend.open({ tableName: table, capacity: 30, onWarning: (m) => warnings.push(m) });
    try {
      await store.write(numberedRows(0, 10));
      await backend.sql(`DROP TABLE ${table}`);
      expect((await store.write(numberedRows(10, 2))).written).toBe(2);
      expect(warnings).toEqual([
        `ring table ${table} was dropped while this store wrote to it: created it again (capacity 30) and carried on; the rows it held are gone`,
      ]);
      expect((await store.recent({ limit: 100 })).map((r) => r.cpu_total_pct)).toEqual([11, 10]);
      expect(await store.latest()).toHaveLength(1); // the pair is registered again
      await store.write(numberedRows(12, 1));
      expect(warnings).toHaveLength(1);

      await backend.sql(`DROP TABLE ${ringNames(table).meta}`);
      expect((await store.write(numberedRows(13, 1))).written).toBe(1);
      expect(warnings[1]).toMatch(
        /metadata table .* was dropped while this store wrote to it: created it again \(capacity 30\)/,
      );
      expect((await store.state()).capacity).toBe(30);
      expect((await store.recent({ limit: 100 })).map((r) => r.cpu_total_pct)).toEqual([13, 12, 11, 10]);
    } finally {
      await store.close();
      await backend.drop(table);
    }
  });
});
