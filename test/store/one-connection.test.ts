/**
 * A store holds one server connection (README: Many hosts), and a statement that waits for it
 * behind a long one is not a connect failure.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RingStore } from '../../src/store/ring.js';
import { containerRow, hostRow, PG_URL, pgUnavailable, uniqueTable } from './backends.js';

const CI = process.env.CI === 'true';

describe.skipIf(pgUnavailable !== null && !CI)('one server connection per store', () => {
  const table = uniqueTable('onecon');
  const app = `ringmon-onecon-${process.pid}`;
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_ring_meta, ${table}_groups`);
    await admin.end();
  });

  it('writes, reads and vacuums at once over a single connection; a statement queued behind a long one waits, it does not time out', async () => {
    await admin.connect();
    const store = await RingStore.open({
      db: PG_URL,
      tableName: table,
      capacity: 100,
      vacuumEvery: 20,
      connection: { applicationName: app, connectTimeoutMs: 1000 },
    });
    try {
      const busy = store.sqlClient.query('SELECT pg_sleep(2)');
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
});
