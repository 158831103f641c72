/**
 * The embedded store's socket server with real clients: PGlite in this process, node-postgres
 * connections over a Unix socket, the owner's own store taking turns with them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { wrapPglite } from '../../src/store/client/pglite.js';
import type { PgliteLike, SqlClient } from '../../src/store/client/sql-client.js';
import { EmbeddedServer, SessionGate } from '../../src/store/embedded/socket-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ringmon-embsrv-'));
let db: PGlite;
let gate: SessionGate;
let server: EmbeddedServer;
let owner: SqlClient;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

async function startServer(options: { idleInTransactionMs?: number; maxConnections?: number } = {}) {
  server = new EmbeddedServer({ db, gate, listen: { path: join(dir, '.s.PGSQL.5432') }, ...options });
  await server.start();
}

beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
  gate = new SessionGate();
  owner = wrapPglite(db as unknown as PgliteLike, false, 'memory', gate);
  await owner.query('CREATE TABLE t (id integer PRIMARY KEY, who text NOT NULL)');
  await startServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

afterAll(async () => {
  await server.stop();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded socket server', () => {
  it('keeps named statements apart: ten clients prepare the same name with different texts', async () => {
    const many = await Promise.all(Array.from({ length: 10 }, () => connect()));
    const results = await Promise.all(
      many.map(async (client, i) => {
        const seen: number[] = [];
        for (let k = 0; k < 20; k++) {
          // Same name on every client, a text of its own: a shared session would answer 42P05
          // (already exists) or run another client's text.
          const res = await client.query({
            name: 'same',
            text: `SELECT $1::integer + ${i * 1000} AS v`,
            values: [k],
          });
          seen.push(res.rows[0].v as number);
        }
        return seen;
      }),
    );
    results.forEach((seen, i) => {
      expect(seen).toEqual(Array.from({ length: 20 }, (_, k) => k + i * 1000));
    });
    // A client that comes after them prepares the name afresh: what the others left was closed.
    await Promise.all(many.map((c) => c.end()));
    clients.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    const later = await connect();
    const res = await later.query({ name: 'same', text: 'SELECT 7 AS v' });
    expect(res.rows[0].v).toBe(7);
    const left = await owner.query<{ n: number }>(
      'SELECT count(*)::integer AS n FROM pg_prepared_statements',
    );
    expect(left.rows[0]!.n).toBe(1);
  });

  it('never interleaves unnamed statements: 16 clients × 100 parameterised queries all get their own answers', async () => {
    const many = await Promise.all(Array.from({ length: 16 }, () => connect()));
    const wrong: string[] = [];
    await Promise.all(
      many.map(async (client, i) => {
        for (let k = 0; k < 100; k++) {
          const res = await client.query('SELECT $1::text AS a, $2::integer * 2 AS b', [`c${i}`, k]);
          if (res.rows[0].a !== `c${i}` || res.rows[0].b !== k * 2) wrong.push(`${i}/${k}`);
        }
      }),
    );
    expect(wrong).toEqual([]);
  });

  it("a client's transaction holds the session: other clients and the owner wait and see only what it committed", async () => {
    const a = await connect();
    const b = await connect();
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (1, $1)', ['a']);
    const answered: string[] = [];
    const bRead = b.query('SELECT count(*)::integer AS n FROM t').then((r) => {
      answered.push('b');
      return r.rows[0].n as number;
    });
    const ownerRead = owner.query<{ n: number }>('SELECT count(*)::integer AS n FROM t').then((r) => {
      answered.push('owner');
      return r.rows[0]!.n;
    });
    await new Promise((r) => setTimeout(r, 200));
    // Neither ran inside a's open transaction: both still wait.
    expect(answered).toEqual([]);
    await a.query('INSERT INTO t VALUES (2, $1)', ['a']);
    await a.query('COMMIT');
    // Both counted after the commit: inside a's transaction they would have seen 1 row, or 0.
    expect(await bRead).toBe(2);
    expect(await ownerRead).toBe(2);
    await owner.query('DELETE FROM t');
  });

  it("the owner's transaction holds the session too", async () => {
    const a = await connect();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const tx = owner.transaction(async (q) => {
      await q.query('INSERT INTO t VALUES (10, $1)', ['owner']);
      await held;
      await q.query('INSERT INTO t VALUES (11, $1)', ['owner']);
    });
    const read = a.query('SELECT count(*)::integer AS n FROM t');
    await new Promise((r) => setTimeout(r, 200));
    release();
    await tx;
    expect((await read).rows[0].n).toBe(2);
    await owner.query('DELETE FROM t');
  });

  it('a client that disconnects inside a transaction is rolled back and frees the session', async () => {
    const a = await connect();
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (20, $1)', ['gone']);
    const b = await connect();
    const waiting = b.query('SELECT count(*)::integer AS n FROM t');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
    expect((await owner.query<{ n: number }>('SELECT count(*)::integer AS n FROM t')).rows[0]!.n).toBe(0);
  });

  it('cuts off a client idle inside a transaction, rolls it back, and the others carry on', async () => {
    await server.stop();
    await startServer({ idleInTransactionMs: 300 });
    try {
      const idle = await connect();
      const errors: Error[] = [];
      idle.on('error', (e) => errors.push(e));
      await idle.query('BEGIN');
      await idle.query('INSERT INTO t VALUES (30, $1)', ['idle']);
      const other = await connect();
      const started = Date.now();
      const res = await other.query('SELECT count(*)::integer AS n FROM t');
      expect(res.rows[0].n).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await expect(idle.query('SELECT 1')).rejects.toThrow();
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      await server.stop();
      await startServer();
    }
  });

  it('refuses connections beyond its limit with too many clients (53300)', async () => {
    await server.stop();
    await startServer({ maxConnections: 2 });
    try {
      await connect();
      await connect();
      const third = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
      third.on('error', () => undefined);
      await expect(third.connect()).rejects.toMatchObject({ code: '53300' });
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      await server.stop();
      await startServer();
    }
  });
});
