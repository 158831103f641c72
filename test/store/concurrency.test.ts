/**
 * Many writers on separate connections, resizing while they write, and connections killed in the
 * middle of a batch: only the server has several connections, so these run on PostgreSQL alone.
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { RingStoreError } from '../../src/store/errors.js';
import type { RingStore } from '../../src/store/ring/ring.js';
import { type Backend, forEachBackend, hostRow, PG_URL, readRing, uniqueTable } from './backends.js';

/** A row that says who wrote it: cpu_total_pct = writer, procs_running = that writer's row number. */
function tagged(writer: number, seq: number): SampleInput {
  return hostRow(`writer-${writer}`, 1_700_000_000 + seq, { cpu_total_pct: writer, procs_running: seq });
}

/** Notes which row got which id (every row of these batches is stored, ids follow the rows' order). */
function remember(written: Map<number, SampleInput>, ids: number[], rows: SampleInput[]): void {
  for (const [i, id] of ids.entries()) written.set(id, rows[i]!);
}

forEachBackend(
  'RingStore under concurrency',
  (backend: Backend) => {
    const opened: RingStore[] = [];
    const tables: string[] = [];

    async function open(table: string, capacity?: number, applicationName?: string) {
      const store = await backend.open({
        tableName: table,
        ...(capacity === undefined ? {} : { capacity }),
        connection: { poolSize: 2, ...(applicationName ? { applicationName } : {}) },
      });
      opened.push(store);
      return store;
    }

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      for (const t of tables.splice(0)) await backend.drop(t);
    });

    /**
     * Writes batches until `stop()` says so; records every id with the row it was given to.
     * `lapped`: the ring gets so small (40 rows, 3 writers of 11) that a statement which waits on
     * another writer's row lock can see the sequence move a whole lap past the ids it already took;
     * those rows are older than the newest `capacity` and are rightly not stored. The final check
     * (exactly the newest rows remain) is what such a test asserts.
     */
    function writer(
      store: RingStore,
      w: number,
      batch: number,
      stop: () => boolean,
      written: Map<number, SampleInput>,
      lapped = false,
    ) {
      let seq = 0;
      return (async () => {
        while (!stop()) {
          const rows = Array.from({ length: batch }, () => tagged(w, seq++));
          const res = await store.write(rows);
          if (res.written === rows.length) {
            // Every row is stored when the batch is shorter than the ring: ids follow the rows' order.
            remember(written, res.ids, rows);
          } else {
            expect(lapped).toBe(true);
            expect(res.written).toBeLessThan(rows.length);
            // Which rows the stored ids belong to is unknown here; the lapped test checks ids and slots.
            for (const id of res.ids) written.set(id, rows[0]!);
          }
        }
      })();
    }

    async function expectNewest(table: string, written: Map<number, SampleInput>, capacity: number) {
      const check = await readRing(backend, table);
      const all = [...written.keys()].sort((a, b) => a - b);
      expect(check.rows).toBe(Math.min(capacity, all.length));
      expect(check.ids).toEqual(all.slice(-check.rows));
      expect(new Set(check.slots).size).toBe(check.rows);
      expect(Math.min(...check.slots)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...check.slots)).toBeLessThan(capacity);
      return check;
    }

    it('8 writers on 8 connections write 100,000 rows into capacity 1,000: exactly the newest 1,000 stay', async () => {
      const table = uniqueTable();
      tables.push(table);
      const stores = await Promise.all(Array.from({ length: 8 }, () => open(table, 1000)));
      const written = new Map<number, SampleInput>();
      const perWriter = 12_500;
      const batch = 10;
      await Promise.all(
        stores.map(async (store, w) => {
          for (let b = 0; b < perWriter / batch; b++) {
            const rows = Array.from({ length: batch }, (_, i) => tagged(w, b * batch + i));
            const res = await store.write(rows);
            expect(res.written).toBe(batch);
            remember(written, res.ids, rows);
          }
        }),
      );
      expect(written.size).toBe(100_000);
      expect(Math.max(...written.keys())).toBe(100_000);
      const check = await expectNewest(table, written, 1000);
      expect(check.ids[0]).toBe(99_001);
      expect([...check.slots].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      // Each slot holds the very row that was given its id, not a mix of two writes.
      const rows = await backend.sql<{ id: number | string; cpu_total_pct: number; procs_running: number }>(
        `SELECT id, cpu_total_pct, procs_running FROM "${table}"`,
      );
      for (const r of rows) {
        const sent = written.get(Number(r.id))!;
        expect([r.cpu_total_pct, r.procs_running]).toEqual([sent.cpu_total_pct, sent.procs_running]);
      }
    });

    it('8 writers on a ring smaller than their batches in flight: no deadlock, no newer row overwritten', async () => {
      const table = uniqueTable();
      tables.push(table);
      const capacity = 16;
      const stores = await Promise.all(Array.from({ length: 8 }, () => open(table, capacity)));
      const stored: number[] = [];
      // Watch every slot while they write: its id may only grow (an older write never replaces a newer one).
      const seen = new Map<number, number>();
      const regressions: string[] = [];
      let done = false;
      const watcher = (async () => {
        while (!done) {
          for (const r of await backend.sql<{ slot: number; id: string | number }>(
            `SELECT slot, id FROM "${table}"`,
          )) {
            const id = Number(r.id);
            const before = seen.get(r.slot) ?? 0;
            if (id < before) regressions.push(`slot ${r.slot}: id ${before} replaced by older ${id}`);
            seen.set(r.slot, Math.max(before, id));
          }
        }
      })();
      await Promise.all(
        stores.map(async (store, w) => {
          for (let b = 0; b < 150; b++) {
            // Eleven rows: their ids interleave with the other writers' and span more than the ring.
            const res = await store.write(Array.from({ length: 11 }, (_, i) => tagged(w, b * 11 + i)));
            stored.push(...res.ids);
          }
        }),
      );
      done = true;
      await watcher;
      expect(regressions).toEqual([]);
      stored.sort((a, b) => a - b);
      // A row is skipped only when a newer write already holds its slot, so the newest 16 ids are
      // all stored, and the ring holds exactly them.
      expect(stored.at(-1)).toBe(8 * 150 * 11);
      const check = await readRing(backend, table);
      expect(check.ids).toEqual(stored.slice(-capacity));
      expect([...check.slots].sort((a, b) => a - b)).toEqual(Array.from({ length: capacity }, (_, i) => i));
    });

    for (const [label, from, to] of [
      ['shrinking', 2000, 300],
      ['growing', 300, 2500],
    ] as const) {
      it(`${label} (${from} → ${to}) while 4 writers write keeps the newest rows, and nobody fails`, async () => {
        const table = uniqueTable();
        tables.push(table);
        const stores = await Promise.all(Array.from({ length: 4 }, () => open(table, from)));
        const resizer = await open(table);
        const written = new Map<number, SampleInput>();
        let stop = false;
        const writers = stores.map((s, w) => writer(s, w, 7, () => stop, written));
        while (written.size < from * 2) await new Promise((r) => setTimeout(r, 20));
        await resizer.setCapacity(to);
        // Right after the resize commits, the ring holds the newest rows written before it.
        const right = await readRing(backend, table);
        expect(new Set(right.slots).size).toBe(right.rows);
        expect(right.rows).toBeLessThanOrEqual(to);
        const target = written.size + to * 2;
        while (written.size < target) await new Promise((r) => setTimeout(r, 20));
        stop = true;
        await Promise.all(writers);
        expect((await resizer.state()).capacity).toBe(to);
        await expectNewest(table, written, to);
      });
    }

    it('resizing back and forth under writers leaves a ring of exactly the newest writes', async () => {
      const table = uniqueTable();
      tables.push(table);
      const stores = await Promise.all(Array.from({ length: 3 }, () => open(table, 500)));
      const resizer = await open(table);
      const written = new Map<number, SampleInput>();
      let stop = false;
      const writers = stores.map((s, w) => writer(s, w, 11, () => stop, written, true));
      for (const capacity of [120, 900, 40, 700]) {
        const before = written.size;
        while (written.size < before + 600) await new Promise((r) => setTimeout(r, 10));
        await resizer.setCapacity(capacity);
      }
      const before = written.size;
      while (written.size < before + 1500) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await Promise.all(writers);
      await expectNewest(table, written, 700);
    });

    it('a connection killed in the middle of a batch stores nothing of it and leaves the ring consistent', async () => {
      const table = uniqueTable();
      tables.push(table);
      const capacity = 50;
      const filler = await open(table, capacity);
      const written = new Map<number, SampleInput>();
      for (let i = 0; i < 6; i++) {
        const rows = Array.from({ length: 10 }, (_, k) => tagged(0, i * 10 + k));
        remember(written, (await filler.write(rows)).ids, rows);
      }
      const app = `ringmon_victim_${process.pid}_${Date.now()}`;
      const victim = await open(table, undefined, app);

      // The victim's next batch takes ids 61…71; hold the row in the slot of its sixth row so the
      // batch stops there, half done, until we kill it.
      const locker = new pg.Client(PG_URL);
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM "${table}" WHERE slot = $1 FOR UPDATE`, [(66 - 1) % capacity]);
        const batch = Array.from({ length: 11 }, (_, k) => tagged(9, 1000 + k));
        const pending = victim.write(batch).then(
          () => null,
          (e: unknown) => e,
        );
        let pid: number | undefined;
        for (let i = 0; i < 200 && pid === undefined; i++) {
          const r = await backend.sql<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
            [app],
          );
          pid = r[0]?.pid;
          if (pid === undefined) await new Promise((res) => setTimeout(res, 25));
        }
        expect(pid, 'the victim waits on the held row').toBeDefined();
        await backend.sql('SELECT pg_terminate_backend($1)', [pid]);
        const err = await pending;
        expect(err).toBeInstanceOf(RingStoreError);
        const e = err as RingStoreError;
        expect(e.code).toBe('connection-lost');
        expect(e.message).toContain('nothing of the batch was stored');
        expect(e.message).toContain('127.0.0.1:5432');
        expect(e.message).not.toContain('\n');
      } finally {
        await locker.query('COMMIT').catch(() => undefined);
        await locker.end();
      }
      const marked = await backend.sql(`SELECT 1 FROM "${table}" WHERE cpu_total_pct = 9`);
      expect(marked).toHaveLength(0);
      await expectNewest(table, written, capacity);

      // The victim's pool replaces the dead connection; the ring carries on and, one lap later,
      // holds exactly the newest writes again (the killed ids 61…71 are a gap that is overwritten).
      for (let i = 0; i < 6; i++) {
        const rows = Array.from({ length: 10 }, (_, k) => tagged(1, i * 10 + k));
        remember(written, (await victim.write(rows)).ids, rows);
      }
      const check = await expectNewest(table, written, capacity);
      expect(check.ids[0]).toBeGreaterThan(71);
    });

    it("works on a caller's pg Pool, vacuums on a second connection, and leaves the pool open", async () => {
      const table = uniqueTable();
      tables.push(table);
      const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
      pool.on('error', () => undefined);
      try {
        const store = await backend.open({ tableName: table, capacity: 300, db: pool });
        for (let i = 0; i < 40; i++)
          await store.write(Array.from({ length: 10 }, (_, k) => tagged(0, i * 10 + k)));
        await store.settle();
        const state = await store.state();
        expect(state).toMatchObject({ rowsUsed: 300, lastId: 400, lastVacuumError: null });
        expect(state.lastVacuum).toBeInstanceOf(Date);
        await store.close();
        expect((await pool.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(300);
      } finally {
        await pool.end();
      }
    });

    it("a caller's pg Client whose server connection is gone gets a clear rejection", async () => {
      const table = uniqueTable();
      tables.push(table);
      const client = new pg.Client({
        connectionString: PG_URL,
        application_name: `ringmon_client_${process.pid}`,
      });
      client.on('error', () => undefined);
      await client.connect();
      const store = await backend.open({ tableName: table, capacity: 10, db: client });
      opened.push(store);
      await store.write([hostRow('n', 1)]);
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      await backend.sql('SELECT pg_terminate_backend($1)', [pid]);
      await new Promise((r) => setTimeout(r, 100));
      const err = (await store.write([hostRow('n', 2)]).catch((e: unknown) => e)) as RingStoreError;
      expect(err).toBeInstanceOf(RingStoreError);
      expect(err.code).toBe('connection-lost');
      expect(err.message).toMatch(
        /^writing 1 row\(s\) to \S+ failed and nothing of the batch was stored: lost the connection to PostgreSQL at 127\.0\.0\.1:5432/,
      );
      await store.close();
      opened.pop();
      await client.end().catch(() => undefined);
      // The store closed without ending the caller's client: that is the caller's to do.
    });
  },
  'postgres',
);
