/**
 * What the store says when it is given bad values or cannot reach its database: a RingStoreError
 * (a RingmonError) whose message is one line naming what failed, and never a password.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { RingmonError } from '../../src/errors.js';
import { RingStoreError } from '../../src/store/errors.js';
import { RingStore } from '../../src/store/ring/ring.js';
import {
  type Backend,
  containerRow,
  forEachBackend,
  hostRow,
  PG_URL,
  pgUnavailable,
  uniqueTable,
} from './backends.js';

/** Login failures need the server; under CI its absence fails these instead of skipping them. */
const noServer = pgUnavailable !== null && process.env.CI !== 'true';

async function failure(p: Promise<unknown>): Promise<RingStoreError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RingStoreError);
  expect(err).toBeInstanceOf(RingmonError);
  const e = err as RingStoreError;
  expect(e.message).not.toMatch(/\n/);
  return e;
}

forEachBackend('RingStore bad input', (backend: Backend) => {
  const opened: RingStore[] = [];
  const tables: string[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const t of tables.splice(0)) await backend.drop(t);
  });

  for (const capacity of [
    0,
    -1,
    1.5,
    2 ** 31,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '10' as unknown as number,
  ]) {
    it(`rejects capacity ${String(capacity)} before touching the database`, async () => {
      const table = uniqueTable();
      const e = await failure(backend.open({ tableName: table, capacity }));
      expect(e.code).toBe('bad-input');
      expect(e.kind).toBe('usage');
      expect(e.message).toContain('must be a whole number of rows from 1 to 2147483647');
      const exists = await backend.sql<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
      expect(exists[0]?.t).toBeNull();
    });
  }

  it('accepts the largest capacity, 2^31 − 1', async () => {
    const table = uniqueTable();
    tables.push(table);
    const store = await backend.open({ tableName: table, capacity: 2 ** 31 - 1 });
    opened.push(store);
    await store.write([hostRow('n', 1)]);
    expect((await store.state()).capacity).toBe(2 ** 31 - 1);
    await expect(store.setCapacity(0)).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.setCapacity(2 ** 31)).rejects.toMatchObject({ code: 'bad-input' });
  });

  for (const name of [
    'x; DROP TABLE y',
    'Samples',
    '1abc',
    '',
    'a-b',
    `a${'b'.repeat(63)}`,
    'x"y',
    'ring.t',
  ]) {
    it(`rejects the table name ${JSON.stringify(name)} without running any SQL`, async () => {
      await backend.sql('CREATE TABLE IF NOT EXISTS y (v int)');
      const e = await failure(backend.open({ tableName: name, capacity: 10 }));
      expect(e.code).toBe('bad-input');
      expect(e.message).toContain('is not a plain identifier');
      const y = await backend.sql<{ t: string | null }>("SELECT to_regclass('y')::text AS t");
      expect(y[0]?.t).toBe('y');
      await backend.sql('DROP TABLE y');
    });
  }

  it('rejects malformed rows, naming the row and the column, and stores nothing of the batch', async () => {
    const table = uniqueTable();
    tables.push(table);
    const store = await backend.open({ tableName: table, capacity: 10 });
    opened.push(store);
    const cases: [unknown, RegExp][] = [
      [{ ...hostRow('n', 1), sample_time: undefined }, /rows\[1\]: sample_time .* is required/],
      [{ ...hostRow('n', 1), node_name: '' }, /rows\[1\]: node_name is required/],
      [{ ...hostRow('n'.repeat(256), 1) }, /rows\[1\]: node_name is 256 characters long; at most 255/],
      [
        containerRow('n', 'c'.repeat(256), 1),
        /rows\[1\]: container_name is 256 characters long; at most 255/,
      ],
      [{ ...hostRow('n', 1), cpu_usr_pct: 5 }, /rows\[1\]: unknown column "cpu_usr_pct"/],
      [{ ...hostRow('n', 1), id: 7 }, /rows\[1\]: id is assigned by the ring/],
      [
        { ...containerRow('n', 'c', 1), container_name: null },
        /rows\[1\]: a container row .* needs a container_name/,
      ],
      [{ ...hostRow('n', 1), container_name: 'c' }, /rows\[1\]: a host row .* has no container_name/],
      [{ ...hostRow('n', 1), mem_total_mb: 2 ** 31 }, /rows\[1\]: mem_total_mb = 2147483648 is out of range/],
      [{ ...hostRow('n', 1), cpu_user_pct: '5' }, /rows\[1\]: cpu_user_pct must be a number/],
      [{ ...hostRow('n', 1), cpu_user_pct: 1e39 }, /rows\[1\]: cpu_user_pct = 1e\+39 does not fit REAL/],
      [{ ...hostRow('n', 1), master_flag: 'yes' }, /rows\[1\]: master_flag must be true or false/],
    ];
    for (const [row, message] of cases) {
      const e = await failure(store.write([hostRow('n', 0), row as SampleInput]));
      expect(e.code).toBe('bad-input');
      expect(e.message).toMatch(message);
    }
    expect((await store.state()).rowsUsed).toBe(0);
    await expect(store.write('rows' as unknown as SampleInput[])).rejects.toMatchObject({
      code: 'bad-input',
    });
    await expect(store.recent({ limit: 0 })).rejects.toMatchObject({ code: 'bad-input' });
    await expect(store.recent({ limit: 2.5 })).rejects.toMatchObject({ code: 'bad-input' });
  });

  it('binds values as parameters: quotes and semicolons in names are just text', async () => {
    const table = uniqueTable();
    tables.push(table);
    const store = await backend.open({ tableName: table, capacity: 10 });
    opened.push(store);
    const evil = `n'); DROP TABLE "${table}"; --`;
    await store.write([hostRow(evil, 1), containerRow(evil, 'c"{},\\', 1)]);
    expect((await store.recent({ node: evil })).map((r) => r.container_name)).toEqual(['c"{},\\', null]);
    expect((await store.latest()).map((r) => r.node_name)).toEqual([evil, evil]);
  });

  it('refuses to work after close()', async () => {
    const table = uniqueTable();
    tables.push(table);
    const store = await backend.open({ tableName: table, capacity: 10 });
    await store.close();
    const e = await failure(store.write([hostRow('n', 1)]));
    expect(e.code).toBe('closed');
  });
});

describe('RingStore connection failures [postgres]', () => {
  const url = new URL(PG_URL);

  it('an unreachable server: one line with host, port, user and what failed', async () => {
    const e = await failure(RingStore.open({ db: 'postgresql://postgres@127.0.0.1:1/test', capacity: 10 }));
    expect(e.code).toBe('connect');
    expect(e.kind).toBe('runtime');
    expect(e.message).toBe(
      'cannot connect to PostgreSQL at 127.0.0.1:1 as user postgres (database test): connection refused (is the server running and listening on that port?)',
    );
  });

  it('an unknown host name', async () => {
    const e = await failure(
      RingStore.open({ db: 'postgresql://ringmon@no-such-host.invalid:5433/metrics', capacity: 10 }),
    );
    expect(e.code).toBe('connect');
    expect(e.message).toMatch(
      /^cannot connect to PostgreSQL at no-such-host\.invalid:5433 as user ringmon \(database metrics\): (unknown host name|host name lookup failed)$/,
    );
  });

  it.skipIf(noServer)(
    'a refused login names host, port, user and the reason, never the password',
    async () => {
      const db = `postgresql://ringmon_no_such_role:s3cret-Pa55@${url.hostname}:${url.port || 5432}${url.pathname}`;
      const e = await failure(RingStore.open({ db, capacity: 10 }));
      expect(e.code).toBe('auth');
      expect(e.message).toContain(
        `PostgreSQL at ${url.hostname}:${url.port || 5432} refused login for user ringmon_no_such_role`,
      );
      expect(e.message).toMatch(/role "ringmon_no_such_role" does not exist|password authentication failed/);
      expect(e.message).not.toContain('s3cret-Pa55');
      expect(JSON.stringify(e)).not.toContain('s3cret-Pa55');
    },
  );

  it.skipIf(noServer)('a database that does not exist', async () => {
    const db = `postgresql://postgres@${url.hostname}:${url.port || 5432}/ringmon_no_such_db`;
    const e = await failure(RingStore.open({ db, capacity: 10 }));
    expect(e.code).toBe('auth');
    expect(e.message).toContain('database "ringmon_no_such_db" does not exist');
  });

  it('rejects a db that is neither a URL, a pool, a client nor PGlite', async () => {
    const e = await failure(RingStore.open({ db: { query: 1 } as never, capacity: 10 }));
    expect(e.code).toBe('bad-input');
  });
});
