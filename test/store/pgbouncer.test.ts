/**
 * Every statement the ring runs, through pgbouncer in transaction pooling with fewer server
 * connections than stores: consecutive transactions of one store land on different server
 * sessions, so anything session-scoped (named statements, SET, session advisory locks) would fail.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { RingStore } from '../../src/store/ring/ring.js';
import {
  type PrivateBouncer,
  type PrivateServer,
  serversUnavailable,
  startPgbouncer,
  startPostgres,
} from '../support/servers.js';

const CI = process.env.CI === 'true';
if (serversUnavailable !== null && CI) {
  throw new Error(
    `the pgbouncer tests need PostgreSQL's binaries and pgbouncer under CI: ${serversUnavailable}`,
  );
}

const WRITERS = 12;
const CAPACITY = 60;

function tick(writer: number, t: number): SampleInput[] {
  return [
    { sample_time: 1_700_000_000 + t, node_flag: true, node_name: `w${writer}`, cpu_total_pct: t % 100 },
    {
      sample_time: 1_700_000_000 + t,
      node_flag: false,
      node_name: `w${writer}`,
      container_name: 'app',
      cpu_total_pct: t % 100,
    },
  ];
}

describe.skipIf(serversUnavailable !== null)('the ring through pgbouncer in transaction pooling', () => {
  let server: PrivateServer;
  let bouncer: PrivateBouncer;
  beforeAll(async () => {
    server = await startPostgres({ maxConnections: 20 });
    bouncer = await startPgbouncer({ target: { host: server.host, port: server.port }, poolSize: 2 });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await server?.stop();
  });

  it(`${WRITERS} stores over 2 server connections: open at once, overwrite, vacuum, resize, read, clean up`, async () => {
    const url = bouncer.url('postgres');
    // All open at the same moment: creating the ring takes a transaction-scoped advisory lock.
    const stores = await Promise.all(
      Array.from({ length: WRITERS }, () =>
        RingStore.open({ db: url, tableName: 'pooled', capacity: CAPACITY, vacuumEvery: 50 }),
      ),
    );
    try {
      expect(stores.filter((s) => s.opened === 'created')).toHaveLength(1);
      await Promise.all(
        stores.map(async (store, w) => {
          for (let t = 0; t < 40; t++) await store.write(tick(w, t));
        }),
      );
      await Promise.all(stores.map((s) => s.settle()));
      const reader = stores[0]!;
      // 12 writers × 40 ticks × 2 rows = 960 rows through a 60-row ring: the newest 60 by id stay.
      const state = await reader.state();
      expect(state.rowsUsed).toBe(CAPACITY);
      expect(state.lastId).toBe(WRITERS * 40 * 2);
      expect(state.lastVacuumError).toBeNull();
      const admin = new pg.Client(server.url);
      await admin.connect();
      try {
        const ids = await admin.query<{ min: number; max: number }>(
          'SELECT min(id)::integer AS min, max(id)::integer AS max FROM pooled',
        );
        expect(ids.rows[0]).toEqual({ min: WRITERS * 80 - CAPACITY + 1, max: WRITERS * 80 });
        const vacuums = await admin.query<{ n: number }>(
          "SELECT vacuum_count::integer AS n FROM pg_stat_user_tables WHERE relname = 'pooled'",
        );
        expect(vacuums.rows[0]!.n).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      // latest() and recent() many times over, from every store at once.
      const reads = await Promise.all(
        stores.flatMap((s) => [s.latest(), s.recent({ limit: 5 }), s.recent({ node: 'w3', limit: 3 })]),
      );
      for (let i = 0; i < reads.length; i += 3) {
        expect(reads[i]!.length).toBeGreaterThan(0);
        expect(reads[i + 1]).toHaveLength(5);
      }
      await stores[1]!.setCapacity(100);
      await stores[2]!.write(tick(2, 1000));
      expect((await reader.state()).capacity).toBe(100);
      await reader.refreshPairs();
      expect(await stores[3]!.cleanupOldSamples(0)).toBe(CAPACITY + 2);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  }, 120_000);
});
