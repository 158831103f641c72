/**
 * The store's test suites run once per backend: embedded PGlite always, the local PostgreSQL server
 * whenever it answers. With CI=true an unreachable server fails the run instead of skipping it.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { maskSecrets } from '../../src/errors.js';
import { pgliteStartParams } from '../../src/store/client/pglite.js';
import { RingStore, type RingStoreOptions } from '../../src/store/ring/ring.js';
import { ringNames } from '../../src/store/ring/schema.js';

export const PG_URL = process.env.RINGMON_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const CI = process.env.CI === 'true';

async function probe(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the server cannot be used (null when it can). Probed once per test file. */
export const pgUnavailable = await probe(PG_URL);

export interface Backend {
  readonly name: 'pglite' | 'postgres';
  /** Opens a ring on this backend; `db` defaults to the backend's shared database. */
  open(options: Omit<RingStoreOptions, 'db'> & { db?: RingStoreOptions['db'] }): Promise<RingStore>;
  /** Runs a statement outside any store (to inspect or sabotage the ring). */
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Drops a ring's table and its metadata tables. */
  drop(table: string): Promise<void>;
}

function pgBackend(): Backend & { start(): Promise<void>; stop(): Promise<void> } {
  let admin: pg.Client | undefined;
  return {
    name: 'postgres',
    async start() {
      admin = new pg.Client(PG_URL);
      admin.on('error', () => undefined);
      await admin.connect();
    },
    async stop() {
      await admin?.end();
    },
    open: (options) => RingStore.open({ db: PG_URL, ...options }),
    async sql(text, params) {
      if (admin === undefined) throw new Error('backend not started');
      return (await admin.query(text, params)).rows;
    },
    drop(table) {
      return dropRing({ query: (text) => this.sql(text) }, table);
    },
  };
}

function pgliteBackend(): Backend & { start(): Promise<void>; stop(): Promise<void> } {
  let db: PGlite | undefined;
  return {
    name: 'pglite',
    async start() {
      // One in-memory database per test file: creating one costs seconds and hundreds of MiB.
      db = new PGlite({ startParams: pgliteStartParams({}) });
      await db.waitReady;
    },
    async stop() {
      await db?.close();
    },
    open(options) {
      if (db === undefined) throw new Error('backend not started');
      return RingStore.open({ db, ...options });
    },
    async sql(text, params) {
      if (db === undefined) throw new Error('backend not started');
      return (await db.query(text, params)).rows as never[];
    },
    drop(table) {
      return dropRing({ query: (text) => this.sql(text) }, table);
    },
  };
}

/**
 * Declares `body` once per backend. The server's suite is skipped when the server is unreachable,
 * except under CI, where that is a failure.
 */
export function forEachBackend(
  title: string,
  body: (backend: Backend) => void,
  only?: Backend['name'],
): void {
  const candidates = [pgliteBackend(), pgBackend()].filter((b) => only === undefined || b.name === only);
  for (const backend of candidates) {
    const label = `${title} [${backend.name}]`;
    if (backend.name === 'postgres' && pgUnavailable !== null) {
      if (CI) {
        describe(label, () => {
          it('needs the PostgreSQL server (CI=true)', () => {
            throw new Error(
              `PostgreSQL at ${maskSecrets(PG_URL)} is unreachable and CI=true: ${pgUnavailable}`,
            );
          });
        });
      } else {
        describe.skip(`${label}: PostgreSQL at ${PG_URL} unreachable (${pgUnavailable})`, () =>
          body(backend));
      }
      continue;
    }
    describe(label, () => {
      beforeAll(() => backend.start());
      afterAll(() => backend.stop());
      body(backend);
    });
  }
}

/** Drops a ring and all it made: its table, metadata, pairs and shares tables and write function. */
export async function dropRing(db: { query(text: string): Promise<unknown> }, table: string): Promise<void> {
  const n = ringNames(table);
  await db.query(`DROP TABLE IF EXISTS "${n.table}", "${n.meta}", "${n.pairs}", "${n.shares}"`);
  await db.query(`DROP FUNCTION IF EXISTS "${n.writeFunction}"(jsonb)`);
}

let counter = 0;
/** A table name no other test (or earlier run) uses. */
export function uniqueTable(prefix = 'ringtest'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** A host row at `t` (epoch seconds) with a few metrics. */
export function hostRow(node: string, t: number, extra: Partial<SampleInput> = {}): SampleInput {
  return {
    sample_time: t,
    node_flag: true,
    node_name: node,
    container_name: null,
    cpu_total_pct: 12.5,
    mem_total_mb: 2048,
    source: 'test',
    interval_seconds: 1,
    ...extra,
  };
}

/** A container row at `t`. */
export function containerRow(
  node: string,
  container: string,
  t: number,
  extra: Partial<SampleInput> = {},
): SampleInput {
  return {
    sample_time: t,
    node_flag: false,
    node_name: node,
    container_name: container,
    cpu_total_pct: 3.25,
    c_rss_mb: 100,
    source: 'test',
    interval_seconds: 1,
    ...extra,
  };
}

/** `n` host rows numbered from `from`, with cpu_total_pct = their number (to recognise them later). */
export function numberedRows(from: number, n: number, node = 'node-a'): SampleInput[] {
  return Array.from({ length: n }, (_, i) =>
    hostRow(node, 1_700_000_000 + from + i, { cpu_total_pct: from + i }),
  );
}

export interface RingCheck {
  rows: number;
  ids: number[];
  slots: number[];
}

/**
 * Reads every row's id and slot and checks the ring's invariants: at most `capacity` rows, slots
 * distinct and within 0 … capacity−1. Returns ids ascending.
 */
export async function readRing(backend: Backend, table: string): Promise<RingCheck> {
  const rows = await backend.sql<{ id: number | string; slot: number }>(
    `SELECT id, slot FROM "${table}" ORDER BY id`,
  );
  return { rows: rows.length, ids: rows.map((r) => Number(r.id)), slots: rows.map((r) => r.slot) };
}
