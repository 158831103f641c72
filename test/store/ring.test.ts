/**
 * The ring's behaviour, the same on embedded PGlite and on the PostgreSQL server.
 */
import { afterEach, expect, it } from 'vitest';
import { COLUMNS } from '../../src/columns.js';
import { RingmonError } from '../../src/errors.js';
import { RingStoreError } from '../../src/store/errors.js';
import type { RingStore } from '../../src/store/ring/ring.js';
import { columnShape, indexSpecs, ringNames } from '../../src/store/ring/schema.js';
import {
  type Backend,
  containerRow,
  forEachBackend,
  hostRow,
  numberedRows,
  readRing,
  uniqueTable,
} from './backends.js';

forEachBackend('RingStore', (backend: Backend) => {
  const opened: RingStore[] = [];
  const tables: string[] = [];

  async function ring(capacity: number, extra: Parameters<Backend['open']>[0] = {}) {
    const table = extra.tableName ?? uniqueTable();
    tables.push(table);
    const store = await backend.open({ tableName: table, capacity, ...extra });
    opened.push(store);
    return store;
  }

  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const t of tables.splice(0)) await backend.drop(t);
  });

  it("creates the spec's table, its four indexes and ours, named after the table", async () => {
    const store = await ring(100);
    expect(store.opened).toBe('created');
    const cols = await backend.sql<{ name: string; type: string; not_null: boolean; def: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [store.table],
    );
    expect(cols.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
    for (const [i, c] of COLUMNS.entries()) {
      const shape = columnShape(c);
      expect(cols[i]?.type, c.name).toBe(shape.type);
      expect(cols[i]?.not_null, c.name).toBe(shape.notNull);
    }
    expect(cols.find((c) => c.name === 'id')?.def).toMatch(/^nextval\(/);
    expect(cols.find((c) => c.name === 'source')?.def).toBe("'psutil'::text");
    expect(cols.find((c) => c.name === 'master_flag')?.def).toBe('false');

    const indexes = await backend.sql<{ name: string; def: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass`,
      [store.table],
    );
    const byName = new Map(indexes.map((i) => [i.name, i.def.replace(/^.* USING /, '')]));
    const t = store.table;
    expect(byName.get(`${t}_composite_idx`)).toBe(
      'btree (master_flag, node_flag, node_name, container_name, sample_time DESC)',
    );
    expect(byName.get(`${t}_time_slot_idx`)).toBe('btree (sample_time NULLS FIRST, slot)');
    expect(byName.get(`${t}_master_nodes_idx`)).toBe(
      'btree (sample_time DESC) WHERE ((master_flag = true) AND (node_flag = true))',
    );
    expect(byName.get(`${t}_containers_idx`)).toBe(
      'btree (node_name, container_name, sample_time DESC) WHERE (node_flag = false)',
    );
    for (const spec of indexSpecs(t)) expect(byName.get(spec.name), spec.name).toBe(spec.canonical);
    expect(byName.get(`${t}_pkey`)).toBe('btree (id)');
    expect(byName.get(`${t}_slot_key`)).toBe('btree (slot)');

    const persistence = await backend.sql<{ p: string }>(
      'SELECT relpersistence AS p FROM pg_class WHERE oid = $1::regclass',
      [t],
    );
    expect(persistence[0]?.p).toBe('p');
    expect((await store.state()).capacity).toBe(100);
  });

  it('creates an UNLOGGED table when asked, and refuses to reopen it as logged', async () => {
    const store = await ring(10, { unlogged: true });
    const state = await store.state();
    expect(state.unlogged).toBe(true);
    await expect(backend.open({ tableName: store.table, unlogged: false })).rejects.toThrow(
      /table is UNLOGGED, unlogged: false was asked for/,
    );
    const again = await backend.open({ tableName: store.table });
    opened.push(again);
    expect((await again.state()).unlogged).toBe(true);
  });

  it('gives each row the next id and slot (id − 1) mod capacity, and fills in defaults', async () => {
    const store = await ring(10);
    const first = await store.write([hostRow('n1', 100), containerRow('n1', 'web', 100)]);
    expect(first).toEqual({ written: 2, ids: [1, 2] });
    const second = await store.write([hostRow('n1', 101, { source: undefined, master_flag: undefined })]);
    expect(second.ids).toEqual([3]);
    const rows = await store.recent({ limit: 10 });
    expect(rows.map((r) => [r.id, r.slot])).toEqual([
      [3, 2],
      [2, 1],
      [1, 0],
    ]);
    const newest = rows[0]!;
    expect(newest.source).toBe('psutil');
    expect(newest.master_flag).toBe(false);
    expect(newest.cpu_user_pct).toBeNull();
    expect(newest.mem_total_mb).toBe(2048);
    expect(newest.sample_time).toBe(101);
    expect(rows[1]?.container_name).toBe('web');
    expect(rows[1]?.c_rss_mb).toBe(100);
  });

  it('stores 0 instead of NULL for left-out metrics when useNullForEmpty is false', async () => {
    const store = await ring(10, { useNullForEmpty: false });
    await store.write([hostRow('n1', 100, { cpu_user_pct: null, mem_free_mb: 12.6, load_1m: Number.NaN })]);
    const [row] = await store.recent();
    expect(row?.cpu_user_pct).toBe(0);
    expect(row?.c_rss_mb).toBe(0);
    expect(row?.load_1m).toBe(0);
    expect(row?.mem_free_mb).toBe(13);
    expect(row?.container_name).toBeNull();
  });

  it('wraps round: the newest `capacity` writes stay, each in slot (id − 1) mod capacity', async () => {
    const store = await ring(10);
    for (let i = 0; i < 35; i += 5) await store.write(numberedRows(i, 5));
    const check = await readRing(backend, store.table);
    expect(check.ids).toEqual(Array.from({ length: 10 }, (_, i) => 26 + i));
    for (const [i, id] of check.ids.entries()) expect(check.slots[i]).toBe((id - 1) % 10);
    const rows = await store.recent({ limit: 100 });
    expect(rows.map((r) => r.cpu_total_pct)).toEqual(Array.from({ length: 10 }, (_, i) => 34 - i));
  });

  it('keeps the newest row per slot when one batch is longer than the ring', async () => {
    const store = await ring(5);
    const res = await store.write(numberedRows(0, 12));
    expect(res.ids).toEqual([8, 9, 10, 11, 12]);
    const check = await readRing(backend, store.table);
    expect(check.ids).toEqual([8, 9, 10, 11, 12]);
    expect(new Set(check.slots).size).toBe(5);
  });

  it('returns recent rows newest first, by node, by container and by both', async () => {
    const store = await ring(1000);
    for (let t = 0; t < 20; t++) {
      await store.write([
        hostRow('alpha', 1000 + t),
        containerRow('alpha', 'db', 1000 + t),
        containerRow('alpha', 'web', 1000 + t),
        hostRow('beta', 1000 + t),
        containerRow('beta', 'web', 1000 + t),
      ]);
    }
    const all = await store.recent({ limit: 7 });
    expect(all).toHaveLength(7);
    expect(all.map((r) => r.sample_time)).toEqual([1019, 1019, 1019, 1019, 1019, 1018, 1018]);
    // Equal times: the later write first.
    expect(all.slice(0, 5).map((r) => r.id)).toEqual([100, 99, 98, 97, 96]);

    const alpha = await store.recent({ node: 'alpha', limit: 6 });
    expect(alpha.every((r) => r.node_name === 'alpha')).toBe(true);
    expect(alpha.map((r) => r.container_name)).toEqual(['web', 'db', null, 'web', 'db', null]);

    const web = await store.recent({ container: 'web', limit: 4 });
    expect(web.map((r) => [r.node_name, r.sample_time])).toEqual([
      ['beta', 1019],
      ['alpha', 1019],
      ['beta', 1018],
      ['alpha', 1018],
    ]);
    const alphaWeb = await store.recent({ node: 'alpha', container: 'web' });
    expect(alphaWeb).toHaveLength(20);
    expect(alphaWeb.every((r) => r.node_name === 'alpha' && r.container_name === 'web')).toBe(true);
    expect(await store.recent({ node: 'gamma' })).toEqual([]);
  });

  it('reports the newest row of every host and container, also of ones that stopped', async () => {
    const store = await ring(1000);
    await store.write([containerRow('alpha', 'old-job', 900, { interval_seconds: 60 })]);
    for (let t = 0; t < 200; t++) {
      await store.write([hostRow('alpha', 1000 + t), containerRow('alpha', 'web', 1000 + t)]);
    }
    await store.write([hostRow('beta', 1300, { master_flag: true })]);
    const latest = await store.latest();
    expect(latest.map((r) => [r.node_name, r.container_name, r.sample_time])).toEqual([
      ['alpha', null, 1199],
      ['alpha', 'old-job', 900],
      ['alpha', 'web', 1199],
      ['beta', null, 1300],
    ]);
    // Whole rows, every column under its own name: the same as recent() reads for that pair.
    for (const row of latest) {
      expect(Object.keys(row).sort()).toEqual(COLUMNS.map((c) => c.name).sort());
      if (row.container_name === null) continue;
      const [newest] = await store.recent({ node: row.node_name!, container: row.container_name, limit: 1 });
      expect(row).toEqual(newest);
    }
    const alphaHost = await store.recent({ node: 'alpha', limit: 3 });
    expect(latest[0]).toEqual(alphaHost.find((r) => r.node_flag));
    expect(latest[0]).toMatchObject({ cpu_total_pct: 12.5, node_flag: true, interval_seconds: 1 });
    const state = await store.state();
    expect(state.latest).toEqual([
      { node_name: 'alpha', container_name: null, sample_time: 1199, interval_seconds: 1 },
      { node_name: 'alpha', container_name: 'old-job', sample_time: 900, interval_seconds: 60 },
      { node_name: 'alpha', container_name: 'web', sample_time: 1199, interval_seconds: 1 },
      { node_name: 'beta', container_name: null, sample_time: 1300, interval_seconds: 1 },
    ]);
  });

  it('finds hosts and containers written by something other than RingStore once it refreshes', async () => {
    const store = await ring(400);
    await backend.sql(
      `INSERT INTO "${store.table}" (slot, sample_time, node_flag, node_name, container_name)
       VALUES (0, 10, FALSE, 'foreign', 'ghost')`,
    );
    for (let t = 0; t < 300; t += 10) await store.write(numberedRows(t, 10, 'alpha'));
    // The foreign row is neither among the newest rows nor in the list of pairs yet.
    expect((await store.latest()).map((r) => r.node_name)).toEqual(['alpha']);
    await store.refreshPairs();
    expect((await store.latest()).map((r) => [r.node_name, r.container_name, r.sample_time])).toEqual([
      ['alpha', null, 1_700_000_299],
      ['foreign', 'ghost', 10],
    ]);
    for (let t = 300; t < 800; t += 10) await store.write(numberedRows(t, 10, 'alpha'));
    // Overwritten by now: the refresh drops the pair, and the overview no longer probes it.
    await store.refreshPairs();
    const pairs = await backend.sql(`SELECT * FROM "${ringNames(store.table).pairs}" ORDER BY node_name`);
    expect(pairs).toEqual([{ node_name: 'alpha', container_name: '' }]);
    expect((await store.latest()).map((r) => r.node_name)).toEqual(['alpha']);
  });

  it('reports its state', async () => {
    const store = await ring(8);
    const empty = await store.state();
    expect(empty).toMatchObject({
      table: store.table,
      backend: backend.name,
      capacity: 8,
      rowsUsed: 0,
      lastId: 0,
      nextSlot: 0,
      oldestSampleTime: null,
      newestSampleTime: null,
      latest: [],
    });
    await store.write(numberedRows(0, 11));
    const state = await store.state();
    expect(state).toMatchObject({ capacity: 8, rowsUsed: 8, lastId: 11, nextSlot: 3 });
    expect(state.oldestSampleTime).toBe(1_700_000_003);
    expect(state.newestSampleTime).toBe(1_700_000_010);
    expect(state.tableBytes).toBeGreaterThan(0);
    expect(state.indexBytes).toBeGreaterThan(0);
    expect(state.totalBytes).toBeGreaterThanOrEqual(state.tableBytes + state.indexBytes);
    await store.vacuum();
    expect((await store.state()).lastVacuum).toBeInstanceOf(Date);
  });

  it('shrinks to the newest rows and grows keeping every row, then carries on seamlessly', async () => {
    const store = await ring(20);
    await store.write(numberedRows(0, 30)); // ids 1…30, the ring holds 11…30
    await store.setCapacity(7);
    let check = await readRing(backend, store.table);
    expect(check.ids).toEqual([24, 25, 26, 27, 28, 29, 30]);
    for (const [i, id] of check.ids.entries()) expect(check.slots[i]).toBe((id - 1) % 7);

    await store.setCapacity(12);
    check = await readRing(backend, store.table);
    expect(check.ids).toEqual([24, 25, 26, 27, 28, 29, 30]);
    expect(new Set(check.slots).size).toBe(7);
    // The next five writes fill the five free slots; the sixth overwrites the oldest (24).
    await store.write(numberedRows(100, 5));
    expect((await readRing(backend, store.table)).rows).toBe(12);
    await store.write(numberedRows(200, 1));
    check = await readRing(backend, store.table);
    expect(check.ids).toEqual(Array.from({ length: 12 }, (_, i) => 25 + i));
    expect(new Set(check.slots).size).toBe(12);
    expect((await store.state()).capacity).toBe(12);
  });

  it('resizing after gaps keeps the newest rows and puts the next write right after them', async () => {
    let clock = 1_700_000_000_000;
    const store = await ring(10, { now: () => clock });
    await store.write(numberedRows(0, 10)); // sample_time 1_700_000_000 … +9
    clock = (1_700_000_000 + 5 + 3600) * 1000;
    expect(await store.cleanupOldSamples(1)).toBe(5); // rows with sample_time < …05 go
    await store.setCapacity(3);
    let check = await readRing(backend, store.table);
    expect(check.ids).toEqual([8, 9, 10]);
    await store.setCapacity(6);
    await store.write(numberedRows(50, 4));
    check = await readRing(backend, store.table);
    expect(check.ids).toEqual([9, 10, 11, 12, 13, 14]);
    expect(new Set(check.slots).size).toBe(6);
  });

  it('cleanupOldSamples deletes by age, returns the count, and the ring keeps working', async () => {
    const now = 1_700_010_000;
    const store = await ring(50, { now: () => now * 1000 });
    await store.write([hostRow('n', now - 7200), hostRow('n', now - 5000), hostRow('n', now - 10)]);
    expect(await store.cleanupOldSamples(1)).toBe(2);
    expect(await store.cleanupOldSamples(1)).toBe(0);
    await store.write([hostRow('n', now)]);
    expect((await store.recent()).map((r) => r.sample_time)).toEqual([now, now - 10]);
    await expect(store.cleanupOldSamples(-1)).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('reopens an existing ring: adopts its capacity, or applies a new one only when asked', async () => {
    const store = await ring(30);
    await store.write(numberedRows(0, 40));
    const same = await backend.open({ tableName: store.table });
    opened.push(same);
    expect(same.opened).toBe('existing');
    expect(same.capacity).toBe(30);
    const adopt = await backend.open({ tableName: store.table, capacity: 5, capacityMode: 'adopt' });
    opened.push(adopt);
    expect(adopt.capacity).toBe(30);
    expect((await readRing(backend, store.table)).rows).toBe(30);
    const apply = await backend.open({ tableName: store.table, capacity: 5 });
    opened.push(apply);
    expect(apply.capacity).toBe(5);
    expect((await readRing(backend, store.table)).ids).toEqual([36, 37, 38, 39, 40]);
    // The first store learns the new capacity from the database.
    expect((await store.state()).capacity).toBe(5);
  });

  it('opens safely when several agents start at the same moment', async () => {
    const table = uniqueTable();
    tables.push(table);
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => backend.open({ tableName: table, capacity: 50 })),
    );
    opened.push(...stores);
    expect(stores.filter((s) => s.opened === 'created')).toHaveLength(1);
    await Promise.all(stores.map((s, i) => s.write(numberedRows(i * 10, 10))));
    expect((await readRing(backend, table)).rows).toBe(40);
  });

  it('writes through its PL/pgSQL write function, which the open or the next write creates again when it is missing', async () => {
    const store = await ring(100);
    const fn = `"${ringNames(store.table).writeFunction}"(jsonb)`;
    const present = async () =>
      (await backend.sql<{ ok: boolean }>('SELECT to_regprocedure($1) IS NOT NULL AS ok', [fn]))[0]!.ok;
    expect(await present()).toBe(true);
    await store.write(numberedRows(0, 5)); // the first batch registers its pair: the plain statement
    await store.write(numberedRows(5, 5));
    await backend.sql(`DROP FUNCTION ${fn}`);
    // The write that finds it gone makes it again (as opening the ring would) and is stored.
    expect((await store.write(numberedRows(10, 5))).written).toBe(5);
    expect(await present()).toBe(true);
    expect((await readRing(backend, store.table)).rows).toBe(15);
    await backend.sql(`DROP FUNCTION ${fn}`);
    const reopened = await ring(100, { tableName: store.table });
    expect(await present()).toBe(true);
    await reopened.write(numberedRows(15, 5));
    await reopened.write(numberedRows(20, 5));
    expect((await readRing(backend, store.table)).rows).toBe(25);
  });

  it('refuses an existing table of another shape, naming the difference, and leaves it alone', async () => {
    const table = uniqueTable();
    tables.push(table);
    await backend.sql(
      `CREATE TABLE "${table}" (id BIGSERIAL PRIMARY KEY, slot BIGINT UNIQUE NOT NULL, sample_time BIGINT, extra TEXT)`,
    );
    await backend.sql(`INSERT INTO "${table}" (slot, extra) VALUES (1, 'keep me')`);
    const err = await backend.open({ tableName: table, capacity: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RingStoreError);
    expect(err).toBeInstanceOf(RingmonError);
    const e = err as RingStoreError;
    expect(e.code).toBe('schema-mismatch');
    expect(e.message).toContain(`table ${table} exists with another shape`);
    expect(e.message).toContain('column slot is bigint, expected integer');
    expect(e.message).toContain('column node_name is missing');
    expect(e.message).toContain('extra column extra');
    expect(e.message).not.toContain('\n');
    const rows = await backend.sql<{ extra: string }>(`SELECT extra FROM "${table}"`);
    expect(rows).toEqual([{ extra: 'keep me' }]);
    const cols = await backend.sql(
      `SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [table],
    );
    expect(cols).toHaveLength(4);
  });

  it('adopts a table of the spec’s shape made by something else, without losing rows', async () => {
    const table = uniqueTable();
    tables.push(table);
    const probe = await ring(5, { tableName: table });
    await probe.write(numberedRows(0, 4));
    await probe.close();
    opened.splice(opened.indexOf(probe), 1);
    await backend.sql(`DROP TABLE "${ringNames(table).meta}", "${ringNames(table).pairs}"`);
    await expect(backend.open({ tableName: table, capacity: 3 })).rejects.toMatchObject({
      code: 'ring-state',
    });
    const adopted = await backend.open({ tableName: table, capacity: 6 });
    opened.push(adopted);
    expect(adopted.opened).toBe('adopted');
    expect((await readRing(backend, table)).ids).toEqual([1, 2, 3, 4]);
    await adopted.write(numberedRows(10, 3));
    expect((await readRing(backend, table)).ids).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await adopted.latest()).map((r) => r.node_name)).toEqual(['node-a']);
  });

  it('derives distinct index and metadata names for a 63-character table name', async () => {
    const table = `r${Date.now().toString(36)}${process.pid}`.padEnd(63, 'x');
    expect(table).toHaveLength(63);
    const store = await ring(4, { tableName: table });
    await store.write(numberedRows(0, 6));
    const names = [...indexSpecs(table).map((i) => i.name), ringNames(table).meta, ringNames(table).pairs];
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
    expect((await store.recent()).length).toBe(4);
  });
});
