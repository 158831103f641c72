/**
 * The harness itself: a private server enforces the max_connections it was given, a pgbouncer in
 * transaction pooling carries more clients than it has server connections, and stopping either
 * leaves no process and no directory behind.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childPids,
  isAlive,
  type PrivateBouncer,
  type PrivateServer,
  serversUnavailable,
  startPgbouncer,
  startPostgres,
} from './servers.js';

const CI = process.env.CI === 'true';

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Opens connections until one is refused (at most `limit`); returns them and the refusal. */
async function fill(url: string, limit: number): Promise<{ clients: pg.Client[]; refusal: unknown }> {
  const clients: pg.Client[] = [];
  for (let i = 0; i < limit; i++) {
    try {
      clients.push(await connect(url));
    } catch (err) {
      return { clients, refusal: err };
    }
  }
  return { clients, refusal: undefined };
}

function suite(): void {
  describe('a private PostgreSQL server', () => {
    let server: PrivateServer;
    beforeAll(async () => {
      server = await startPostgres({ maxConnections: 20 });
    });
    afterAll(() => server?.stop());

    it('answers on its own port and refuses connections past max_connections with 53300', async () => {
      expect(server.port).not.toBe(5432);
      const admin = await connect(server.url);
      const settings = await admin.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings
          WHERE name IN ('max_connections', 'superuser_reserved_connections', 'listen_addresses', 'fsync')
          ORDER BY name`,
      );
      expect(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]))).toEqual({
        fsync: 'off',
        listen_addresses: '127.0.0.1',
        max_connections: '20',
        superuser_reserved_connections: '3',
      });
      await admin.query('CREATE ROLE agent LOGIN');
      await admin.end();

      // The last 3 slots are kept for superusers: an ordinary role gets 20 − 3.
      const agents = await fill(server.urlFor('postgres', 'agent'), 30);
      // Superusers then take the reserved slots, and the 21st connection finds none.
      const supers = await fill(server.url, 30);
      try {
        expect(agents.clients).toHaveLength(17);
        expect((agents.refusal as { code?: string }).code).toBe('53300');
        expect((agents.refusal as Error).message).toMatch(/reserved/);
        expect(supers.clients).toHaveLength(3);
        expect((supers.refusal as { code?: string }).code).toBe('53300');
        expect((supers.refusal as Error).message).toMatch(/too many clients/);
      } finally {
        await Promise.all([...agents.clients, ...supers.clients].map((c) => c.end()));
      }
    });
  });

  describe('a private pgbouncer in transaction pooling', () => {
    let server: PrivateServer;
    let bouncer: PrivateBouncer;
    beforeAll(async () => {
      server = await startPostgres({});
      bouncer = await startPgbouncer({ target: server, poolSize: 2 });
    });
    afterAll(async () => {
      await bouncer?.stop();
      await server?.stop();
    });

    it('carries 20 concurrent clients running parameterised statements over 2 server connections', async () => {
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(bouncer.url())));
      const backends = new Set<number>();
      try {
        await Promise.all(
          clients.map(async (client, c) => {
            for (let q = 0; q < 10; q++) {
              // Parameters without a name: the unnamed statement, parsed and bound in one transaction.
              // The sleep keeps all 20 in flight at once, so that most wait for one of the 2 connections.
              const res = await client.query<{ product: number; tag: string; pid: number }>(
                'SELECT $1::integer * $2::integer AS product, $3::text AS tag, pg_backend_pid() AS pid, pg_sleep(0.005)',
                [c, q, `client-${c}`],
              );
              expect(res.rows[0]).toMatchObject({ product: c * q, tag: `client-${c}` });
              backends.add(res.rows[0]!.pid);
            }
          }),
        );
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
      expect(backends.size).toBeGreaterThanOrEqual(1);
      expect(backends.size).toBeLessThanOrEqual(2);
      const admin = await connect(server.url);
      const fromBouncer = await admin.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      await admin.end();
      expect(fromBouncer.rows[0]!.n).toBeLessThanOrEqual(2);
    });
  });

  describe('stopping', () => {
    it('stop() ends the postmaster and every child, removes the directory, and may be called twice', async () => {
      const server = await startPostgres({});
      const bouncer = await startPgbouncer({ target: server, poolSize: 1 });
      const client = await connect(bouncer.url());
      await client.query('SELECT $1::text AS x', ['through the bouncer']);
      const pids = [server.pid, ...childPids(server.pid)];
      // Checkpointer, background writer, WAL writer, launchers and the bouncer's server connection.
      expect(pids.length).toBeGreaterThan(3);
      await bouncer.stop();
      await client.end().catch(() => undefined);
      await server.stop();
      await Promise.all([server.stop(), bouncer.stop()]);
      expect(pids.filter(isAlive)).toEqual([]);
      expect(isAlive(bouncer.pid)).toBe(false);
      expect(existsSync(server.dir)).toBe(false);
      expect(existsSync(bouncer.dir)).toBe(false);
    });

    it('kill() ends a server as a crash would and still leaves no process behind', async () => {
      const server = await startPostgres({});
      const client = await connect(server.url);
      const pids = [server.pid, ...childPids(server.pid)];
      await server.kill();
      await client.end().catch(() => undefined);
      expect(pids.filter(isAlive)).toEqual([]);
      expect(existsSync(server.dir)).toBe(false);
    });

    it("stop('immediate') ends a server with an open connection", async () => {
      const server = await startPostgres({});
      const client = await connect(server.url);
      const pids = [server.pid, ...childPids(server.pid)];
      await server.stop('immediate');
      await client.end().catch(() => undefined);
      expect(pids.filter(isAlive)).toEqual([]);
      expect(existsSync(server.dir)).toBe(false);
    });
  });
}

if (serversUnavailable === null) {
  suite();
} else if (CI) {
  describe('test servers', () => {
    it('need PostgreSQL and pgbouncer binaries (CI=true)', () => {
      throw new Error(`the server harness cannot run here and CI=true: ${serversUnavailable}`);
    });
  });
} else {
  describe.skip(`test servers: ${serversUnavailable}`, suite);
}
