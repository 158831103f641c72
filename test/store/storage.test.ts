/**
 * The ring's size stays constant however often it is overwritten. A lighter version of the
 * benchmark's check (capacity 10,000 written 50× over): same shape, smaller ring.
 */
import { afterEach, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { type Backend, containerRow, forEachBackend, hostRow, PG_URL, uniqueTable } from './backends.js';

/** One tick of one agent: a host row and ten container rows, the shape the agent writes. */
function tick(node: string, t: number): SampleInput[] {
  return [
    hostRow(node, t, { cpu_user_pct: t % 97, load_1m: 0.5 }),
    ...Array.from({ length: 10 }, (_, c) => containerRow(node, `container-${c}`, t, { cpu_total_pct: c })),
  ];
}

/** Writes `laps` × capacity rows from the stores in turn (two connections on the server). */
async function overwrite(
  stores: RingStore[],
  capacity: number,
  laps: number,
  startTick: number,
): Promise<number> {
  let written = 0;
  let t = startTick;
  while (written < laps * capacity) {
    await Promise.all(stores.map((s, i) => s.write(tick(`node-${i}`, t))));
    written += 11 * stores.length;
    t += 1;
  }
  await Promise.all(stores.map((s) => s.settle()));
  return t;
}

async function totalBytes(backend: Backend, table: string): Promise<number> {
  const r = await backend.sql<{ b: number | string }>('SELECT pg_total_relation_size($1::regclass) AS b', [
    table,
  ]);
  return Number(r[0]?.b);
}

forEachBackend('RingStore storage', (backend: Backend) => {
  const opened: RingStore[] = [];
  const tables: string[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const t of tables.splice(0)) await backend.drop(t);
  });

  async function twoWriters(capacity: number, vacuumEvery?: false) {
    const table = uniqueTable();
    tables.push(table);
    const stores = [];
    for (let i = 0; i < 2; i++) {
      const extra = vacuumEvery === undefined ? {} : { vacuumEvery };
      stores.push(await backend.open({ tableName: table, capacity, ...extra }));
    }
    opened.push(...stores);
    return { table, stores };
  }

  const capacity = backend.name === 'postgres' ? 1000 : 500;

  it(`capacity ${capacity} written 50× over by two writers: size after 50× ≤ 1.2 × size after 10×`, async () => {
    const { table, stores } = await twoWriters(capacity);
    let t = await overwrite(stores, capacity, 10, 0);
    const at10 = await totalBytes(backend, table);
    t = await overwrite(stores, capacity, 40, t);
    const at50 = await totalBytes(backend, table);
    expect(at50 / at10).toBeLessThanOrEqual(1.2);
    const state = await stores[0]!.state();
    expect(state.rowsUsed).toBe(capacity);
    expect(state.lastVacuum).toBeInstanceOf(Date);
  });

  it('without its own vacuum the same ring keeps growing (the check above can fail)', async () => {
    const { table, stores } = await twoWriters(capacity, false);
    let t = await overwrite(stores, capacity, 5, 0);
    const at5 = await totalBytes(backend, table);
    t = await overwrite(stores, capacity, 15, t);
    const at20 = await totalBytes(backend, table);
    expect(at20 / at5).toBeGreaterThan(1.5);
  });
});

forEachBackend(
  'RingStore storage, written by a role that does not own the ring',
  (backend: Backend) => {
    it('says in state() that it cannot vacuum, instead of growing silently', async () => {
      const table = uniqueTable();
      const role = `ringmon_writer_${process.pid}`;
      const owner = await backend.open({ tableName: table, capacity: 100 });
      const n = ringNames(table);
      await backend.sql(`DROP ROLE IF EXISTS ${role}`);
      await backend.sql(`CREATE ROLE ${role} LOGIN`);
      try {
        await backend.sql(
          `GRANT SELECT, INSERT, UPDATE, DELETE ON "${n.table}", "${n.meta}", "${n.pairs}" TO ${role}`,
        );
        await backend.sql(`GRANT USAGE, SELECT, UPDATE ON SEQUENCE "${n.table}_id_seq" TO ${role}`);
        const url = new URL(PG_URL);
        url.username = role;
        const writer = await RingStore.open({ db: url.toString(), tableName: table, vacuumEvery: 50 });
        try {
          for (let t = 0; t < 12; t++) await writer.write(tick('n', t));
          await writer.settle();
          expect((await writer.state()).lastVacuumError).toMatch(/only its owner can vacuum it/);
        } finally {
          await writer.close();
        }
      } finally {
        await owner.close();
        await backend.drop(table);
        await backend.sql(`DROP ROLE IF EXISTS ${role}`);
      }
    });
  },
  'postgres',
);
