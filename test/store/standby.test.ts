/**
 * The library's reads on a hot standby, on real servers: a private primary and a streaming standby
 * made with pg_basebackup -R. Every read method gives on the standby what it gives on the primary
 * once the standby has replayed the writes; nothing that changes the ring is even sent there (the
 * store says why, in one line, before the server would refuse it); and an agent pointed at the
 * standby alone buffers until the standby is promoted, then writes every sample.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleInput } from '../../src/columns.js';
import { RingStoreError } from '../../src/store/errors.js';
import { RingStore } from '../../src/store/ring/ring.js';
import { logLines, runCli, startCli, until } from '../cli-helpers.js';
import { type PrivateServer, postgresUnavailable, sqlAt as sql, startPostgres } from '../support/servers.js';
import { containerRow, hostRow } from './backends.js';

const CI = process.env.CI === 'true';
if (postgresUnavailable !== null && CI) {
  throw new Error(`the standby test needs PostgreSQL's binaries under CI: ${postgresUnavailable}`);
}

const TABLE = 'standby_ring';

/** Waits until the standby has replayed everything the primary has written so far. */
async function caughtUp(primary: PrivateServer, standby: PrivateServer): Promise<void> {
  const [at] = await sql<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  await until('the standby to replay the writes', async () => {
    const [r] = await sql<{ done: boolean }>(
      standby.url,
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
      [at?.lsn],
    );
    return r?.done === true ? true : undefined;
  });
}

describe.skipIf(postgresUnavailable !== null)('the ring on a hot standby', () => {
  let primary: PrivateServer;
  let standby: PrivateServer;
  let onPrimary: RingStore;
  let onStandby: RingStore;
  const now = Math.floor(Date.now() / 1000);
  const rows: SampleInput[] = [];
  for (let t = now - 119; t <= now; t++) {
    for (const node of ['node-a', 'node-b']) {
      rows.push(hostRow(node, t, { cpu_total_pct: (t % 17) + 0.5 }));
      rows.push(containerRow(node, 'web', t, { cpu_total_pct: (t % 5) + 0.25 }));
    }
  }

  beforeAll(async () => {
    primary = await startPostgres();
    standby = await startPostgres({ standbyOf: { server: primary, applicationName: 'ringmon_reads' } });
    onPrimary = await RingStore.open({ db: primary.url, tableName: TABLE, capacity: 1000 });
    for (let i = 0; i < rows.length; i += 4) await onPrimary.write(rows.slice(i, i + 4));
    await caughtUp(primary, standby);
    onStandby = await RingStore.open({ db: standby.url, tableName: TABLE });
  }, 120_000);

  afterAll(async () => {
    await onStandby?.close();
    await onPrimary?.close();
    await standby?.stop().catch(() => undefined);
    await primary?.stop().catch(() => undefined);
  });

  it('opens read-only by itself and reads what the primary reads', async () => {
    expect(onStandby.standby).toBe(true);
    expect(onStandby.readOnly).toBe(true);
    expect(onPrimary.standby).toBe(false);
    expect(onStandby.capacity).toBe(1000);

    const since = now - 60;
    const reads: [string, (s: RingStore) => Promise<unknown>][] = [
      ['recent', (s) => s.recent({ limit: 500 })],
      ['recent of a node', (s) => s.recent({ node: 'node-b', limit: 50 })],
      ['recent of a container', (s) => s.recent({ container: 'web', limit: 50 })],
      ['latest', (s) => s.latest()],
      ['aheadOfClock', (s) => s.aheadOfClock()],
      ['masters', (s) => s.masters(now - 3600)],
      ['holds', (s) => s.holds(rows[rows.length - 1] as SampleInput)],
      ['windowRows', (s) => s.windowRows({ node: 'node-a', since }, 100)],
      ['windowAverages', (s) => s.windowAverages({ node: 'node-a', container: 'web' }, 10, 20)],
      ['chart', (s) => s.chart({ node: 'node-b', fields: ['cpu_total_pct'] }, 30)],
    ];
    for (const [what, read] of reads) {
      expect(await read(onStandby), what).toEqual(await read(onPrimary));
    }
    // Not vacuous: the reads found the rows.
    expect(await onStandby.recent({ limit: 500 })).toHaveLength(rows.length);
    expect((await onStandby.latest()).map((r) => [r.node_name, r.container_name, r.sample_time])).toEqual([
      ['node-a', null, now],
      ['node-a', 'web', now],
      ['node-b', null, now],
      ['node-b', 'web', now],
    ]);
    expect(await onStandby.holds(hostRow('node-a', now, { cpu_total_pct: 99 }))).toBe(false);
    const chart = await onStandby.chart({ node: 'node-b', fields: ['cpu_total_pct'] }, 30);
    expect(chart.rows.length).toBeGreaterThan(0);
  });

  it('state() gives the standby its replay age and the primary its standby', async () => {
    const [standbyState, primaryState] = [await onStandby.state(), await onPrimary.state()];
    expect(standbyState.rowsUsed).toBe(rows.length);
    expect(standbyState.rowsUsed).toBe(primaryState.rowsUsed);
    expect(standbyState.latest).toEqual(primaryState.latest);
    expect(standbyState.replication.standby).not.toBeNull();
    expect(standbyState.replication.standbys).toEqual([]);
    expect(primaryState.replication.standby).toBeNull();
    expect(primaryState.replication.standbys.map((s) => [s.name, s.state])).toEqual([
      ['ringmon_reads', 'streaming'],
    ]);
  });

  it('recent reads the standby; prefer-standby picks it though the primary is listed first', () => {
    const recent = runCli(
      ['recent', '--database-url', standby.url, '--table', TABLE, '--limit', '5', '--json'],
      {
        DATABASE_URL: '',
      },
    );
    expect(recent.status, recent.stderr).toBe(0);
    const newest = JSON.parse(recent.stdout) as { sample_time: number }[];
    expect(newest.map((r) => r.sample_time)).toEqual([now, now, now, now, now - 1]);
    const both = `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`;
    for (const [attrs, readsStandby] of [
      ['prefer-standby', true],
      ['any', false],
    ] as const) {
      const status = runCli(
        [
          'status',
          ...['--database-url', `postgresql://postgres@${both}/postgres?target_session_attrs=${attrs}`],
          ...['--table', TABLE, '--json'],
        ],
        { DATABASE_URL: '' },
      );
      expect(status.status, status.stderr).toBe(0);
      const read = JSON.parse(status.stdout) as { replication: { standby: unknown } };
      expect(read.replication.standby !== null, attrs).toBe(readsStandby);
    }
  });

  it('sends nothing that changes the ring to the standby, and says where to go', async () => {
    const attempts: [string, () => Promise<unknown>][] = [
      ['write to', () => onStandby.write([hostRow('node-c', now)])],
      ['resize', () => onStandby.setCapacity(2000)],
      ['clean up', () => onStandby.cleanupOldSamples(1)],
      ['vacuum', () => onStandby.vacuum()],
      ['refresh the pair list of', () => onStandby.refreshPairs()],
    ];
    for (const [verb, attempt] of attempts) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, verb).toBeInstanceOf(RingStoreError);
      expect((err as RingStoreError).code).toBe('standby');
      expect((err as Error).message).toBe(
        `cannot ${verb} ring ${TABLE}: ${onStandby.backend.target} is a hot standby, which takes no writes; open the ring on the primary (several hosts with target_session_attrs=read-write find it)`,
      );
    }
    await caughtUp(primary, standby);
    expect(await onStandby.recent({ limit: 1000 })).toHaveLength(rows.length);
    expect((await onStandby.state()).capacity).toBe(1000);

    // The same refusal, read-only by request, on the primary.
    const reader = await RingStore.open({ db: primary.url, tableName: TABLE, readOnly: true });
    try {
      expect(reader.standby).toBe(false);
      await expect(reader.write([hostRow('node-c', now)])).rejects.toMatchObject({
        code: 'read-only',
        message: `cannot write to ring ${TABLE}: the store was opened read-only; open it without readOnly to change the ring`,
      });
    } finally {
      await reader.close();
    }
    expect(await onPrimary.recent({ node: 'node-c' })).toEqual([]);
  });

  it('a ring the standby does not hold: one line naming the primary as the place to create it', async () => {
    await expect(RingStore.open({ db: standby.url, tableName: 'standby_missing' })).rejects.toMatchObject({
      code: 'standby',
      message: expect.stringContaining('no ring table "standby_missing" on'),
    });
    await expect(
      RingStore.open({ db: standby.url, tableName: 'standby_missing', create: false }),
    ).rejects.toMatchObject({ code: 'no-ring' });
    expect(
      await sql(standby.url, 'SELECT 1 FROM pg_class WHERE relname LIKE $1', ['standby_missing%']),
    ).toEqual([]);
  });

  it('resize and cleanup on the standby: one line, exit 1, nothing changed', () => {
    for (const args of [
      ['resize', '2000'],
      ['cleanup', '--keep-hours', '1'],
    ]) {
      const r = runCli([...args, '--database-url', standby.url, '--table', TABLE], { DATABASE_URL: '' });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('is a hot standby, which takes no writes');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('status on the primary warns, and --fail-on-stale exits 3, when commits wait for a standby that is not there', async () => {
    const setTo = async (names: string) => {
      await sql(primary.url, `ALTER SYSTEM SET synchronous_standby_names = '${names}'`);
      await sql(primary.url, 'SELECT pg_reload_conf()');
      await until('the setting to apply', async () => {
        const [r] = await sql<{ v: string }>(
          primary.url,
          "SELECT current_setting('synchronous_standby_names') AS v",
        );
        return r?.v === names ? true : undefined;
      });
    };
    const status = () =>
      runCli(['status', '--database-url', primary.url, '--table', TABLE, '--fail-on-stale'], {
        DATABASE_URL: '',
      });
    try {
      await setTo('ringmon_reads');
      const served = status();
      expect(served.stdout).toMatch(/standby ringmon_reads at 127\.0\.0\.1: sync, streaming/);
      expect(served.stdout).not.toContain('WAITING');
      await setTo('ANY 1 (ringmon_gone, ringmon_away)');
      const waiting = status();
      expect(waiting.status, waiting.stderr).toBe(3);
      expect(waiting.stdout).toContain(
        "WAITING: synchronous_standby_names = 'ANY 1 (ringmon_gone, ringmon_away)' wants 1 synchronous standby(s) of ringmon_gone, ringmon_away and 0 stream(s)",
      );
    } finally {
      await sql(primary.url, 'ALTER SYSTEM RESET synchronous_standby_names');
      await sql(primary.url, 'SELECT pg_reload_conf()');
    }
  });

  it('an agent pointed at the standby alone buffers, and writes every sample once it is promoted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-standby-'));
    try {
      const log = join(dir, 'agent.log');
      const agent = startCli(
        [
          'run',
          ...['--database-url', standby.url, '--table', TABLE, '--interval', '1', '--node-name', 'node-late'],
          ...['--log-file', log],
        ],
        { DATABASE_URL: '' },
      );
      try {
        await until('the agent to report the standby', () =>
          logLines(log).some((l) => String(l.err).includes('is a hot standby, which takes no writes'))
            ? true
            : undefined,
        );
        await new Promise((r) => setTimeout(r, 3000));
        await standby.promote();
        await until(
          'the agent to write to the promoted standby',
          () => (logLines(log).some((l) => String(l.msg).startsWith('database is back')) ? true : undefined),
          60_000,
        );
        await new Promise((r) => setTimeout(r, 2000));
      } finally {
        agent.child.kill('SIGINT');
      }
      const end = await agent.done;
      expect(end.code, end.stderr).toBe(0);
      const lines = logLines(log);
      // Said once, as the outage's cause, however many times the agent tried the standby.
      expect(lines.filter((l) => String(l.err).includes('is a hot standby'))).toHaveLength(1);
      expect(lines.filter((l) => String(l.msg).startsWith('database is back'))).toHaveLength(1);
      const stopped = lines.find((l) => l.msg === 'agent stopped') as unknown as {
        samples: number;
        rowsWritten: number;
      };
      expect(stopped.samples).toBeGreaterThanOrEqual(4);
      expect(stopped.rowsWritten).toBe(stopped.samples);
      const [stored] = await sql<{ n: number; times: number }>(
        standby.url,
        `SELECT count(*)::integer AS n, count(DISTINCT sample_time)::integer AS times FROM ${TABLE} WHERE node_name = $1`,
        ['node-late'],
      );
      expect(stored).toEqual({ n: stopped.samples, times: stopped.samples });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
