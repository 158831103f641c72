/**
 * The store's multi-host connection (libpq's rule) against a real primary and a real hot standby:
 * the first host that answers and fits target_session_attrs wins; a standby opens read-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlClient } from '../../src/store/client/sql-client.js';
import { RingStoreError } from '../../src/store/errors.js';
import { RingStore } from '../../src/store/ring/ring.js';
import { freePort, type PrivateServer, postgresUnavailable, startPostgres } from '../support/servers.js';
import { hostRow } from './backends.js';

const CI = process.env.CI === 'true';
if (postgresUnavailable !== null && CI) {
  throw new Error(`the multi-host tests need PostgreSQL's binaries under CI: ${postgresUnavailable}`);
}

describe.skipIf(postgresUnavailable !== null)('several hosts in one connection string', () => {
  let primary: PrivateServer;
  let standby: PrivateServer;
  let dead: string;
  const url = (hosts: string[], attrs?: string) =>
    `postgresql://postgres@${hosts.join(',')}/postgres${attrs ? `?target_session_attrs=${attrs}` : ''}`;
  const at = (s: PrivateServer) => `127.0.0.1:${s.port}`;

  beforeAll(async () => {
    primary = await startPostgres();
    const ring = await RingStore.open({ db: primary.url, tableName: 'hosts_ring', capacity: 100 });
    await ring.write([hostRow('n1', 1000)]);
    await ring.close();
    standby = await startPostgres({ standbyOf: { server: primary, applicationName: 'hosts_standby' } });
    // Nothing listens here: a host that is down.
    dead = `127.0.0.1:${await freePort()}`;
  }, 60_000);
  afterAll(async () => {
    await standby?.stop();
    await primary?.stop();
  });

  const targetOf = async (db: string) => {
    const client = await openSqlClient(db);
    try {
      return client.target;
    } finally {
      await client.close();
    }
  };

  it('tries the hosts in order and keeps the first that answers and fits', async () => {
    expect(await targetOf(url([dead, at(standby), at(primary)]))).toBe(`postgres@${at(standby)}/postgres`);
    expect(await targetOf(url([dead, at(standby), at(primary)], 'read-write'))).toBe(
      `postgres@${at(primary)}/postgres`,
    );
    expect(await targetOf(url([at(primary), at(standby)], 'primary'))).toBe(
      `postgres@${at(primary)}/postgres`,
    );
    expect(await targetOf(url([at(primary), at(standby)], 'standby'))).toBe(
      `postgres@${at(standby)}/postgres`,
    );
    expect(await targetOf(url([at(primary), at(standby)], 'read-only'))).toBe(
      `postgres@${at(standby)}/postgres`,
    );
    expect(await targetOf(url([at(primary), at(standby)], 'prefer-standby'))).toBe(
      `postgres@${at(standby)}/postgres`,
    );
    // prefer-standby with no standby up: any server will do.
    expect(await targetOf(url([dead, at(primary)], 'prefer-standby'))).toBe(
      `postgres@${at(primary)}/postgres`,
    );
  });

  it('says in one line why no host fits', async () => {
    const error = await targetOf(url([dead, at(standby)], 'read-write')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RingStoreError);
    expect((error as RingStoreError).code).toBe('connect');
    expect((error as Error).message).toBe(
      `no server of ${dead}, ${at(standby)} is read-write (target_session_attrs) (${dead}: connection refused (is the server running and listening on that port?); ${at(standby)}: a standby)`,
    );
  });

  it('opens a ring on a standby read-only: it reads, reports its lag, and never writes', async () => {
    const ring = await RingStore.open({ db: url([at(standby)], 'standby'), tableName: 'hosts_ring' });
    try {
      expect(ring.readOnly).toBe(true);
      expect((await ring.recent()).map((r) => r.node_name)).toEqual(['n1']);
      const state = await ring.state();
      expect(state.replication.standby).not.toBeNull();
      expect(state.capacity).toBe(100);
      const write = await ring.write([hostRow('n1', 1001)]).catch((e: unknown) => e);
      // Refused before any SQL, with where to go instead (test/store/standby.test.ts has the rest).
      expect((write as RingStoreError).code).toBe('standby');
      expect((write as Error).message).toMatch(/is a hot standby, which takes no writes/);
    } finally {
      await ring.close();
    }
    // A ring the standby does not hold is not created there, whatever the caller asks.
    await expect(
      RingStore.open({ db: standby.url, tableName: 'hosts_nosuch', create: true }),
    ).rejects.toThrow(/no ring table "hosts_nosuch"/);
    const onPrimary = await RingStore.open({ db: primary.url, tableName: 'hosts_ring' });
    try {
      expect(onPrimary.readOnly).toBe(false);
      expect((await onPrimary.state()).replication.standbys.map((s) => s.name)).toEqual(['hosts_standby']);
    } finally {
      await onPrimary.close();
    }
  });
});
