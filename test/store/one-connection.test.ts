/**
 * A store holds one server connection (README: Many hosts), and a statement that waits for it
 * behind a long one is not a connect failure.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlClient } from '../../src/store/client/sql-client.js';
import { RingStore } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';
import { containerRow, hostRow, PG_URL, pgUnavailable, uniqueTable } from './backends.js';

const CI = process.env.CI === 'true';

describe.skipIf(pgUnavailable !== null && !CI)('one server connection per store', () => {
  const table = uniqueTable('onecon');
  const app = `ringmon-onecon-${process.pid}`;
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_ring_meta, ${table}_ring_groups`);
    await admin.query(`DROP FUNCTION IF EXISTS ${table}_ring_write(jsonb)`);
    await admin.end();
  });

  beforeAll(async () => {
    await admin.connect();
  });

  it('writes, reads and vacuums at once over a single connection; a statement queued behind a long one waits, it does not time out', async () => {
    // The store's own connection, opened here so that the test can hold it with a long statement.
    const db = await openSqlClient(PG_URL, { applicationName: app, connectTimeoutMs: 1000 });
    const store = await RingStore.open({ db, tableName: table, capacity: 100, vacuumEvery: 20 });
    try {
      const busy = db.query('SELECT pg_sleep(2)');
      const work = Promise.all([
        ...Array.from({ length: 30 }, (_, t) => store.write([hostRow('n', t), containerRow('n', 'c', t)])),
        store.latest(),
        store.state(),
        store.vacuum(),
      ]);
      const sessions = await admin.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      expect(sessions.rows[0]!.n).toBe(1);
      await busy;
      await work;
      await store.settle();
      expect((await store.state()).rowsUsed).toBe(60);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a role that may not create the write function writes with the plain statement', async () => {
    const writer = `ringmon_writer_${process.pid}`;
    const owned = uniqueTable('nofn');
    const owner = await RingStore.open({ db: PG_URL, tableName: owned, capacity: 50 });
    await owner.close();
    const n = ringNames(owned);
    await admin.query(`DROP ROLE IF EXISTS ${writer}`);
    await admin.query(`CREATE ROLE ${writer} LOGIN`);
    try {
      await admin.query(`GRANT SELECT, INSERT, UPDATE ON ${n.table}, ${n.meta}, ${n.pairs} TO ${writer}`);
      await admin.query(`GRANT USAGE ON SEQUENCE ${n.table}_id_seq TO ${writer}`);
      await admin.query(`DROP FUNCTION "${n.writeFunction}"(jsonb)`);
      const url = new URL(PG_URL);
      url.username = writer;
      const store = await RingStore.open({ db: url.href, tableName: owned, capacityMode: 'adopt' });
      try {
        for (let t = 0; t < 3; t++) await store.write([hostRow('n', t), containerRow('n', 'c', t)]);
      } finally {
        await store.close();
      }
      const rows = await admin.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${n.table}`);
      expect(rows.rows[0]!.n).toBe(6);
      const fn = await admin.query<{ ok: boolean }>('SELECT to_regprocedure($1) IS NOT NULL AS ok', [
        `"${n.writeFunction}"(jsonb)`,
      ]);
      expect(fn.rows[0]!.ok).toBe(false);
    } finally {
      await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.meta}, ${n.pairs}`);
      await admin.query(`DROP ROLE IF EXISTS ${writer}`);
    }
  });
});
