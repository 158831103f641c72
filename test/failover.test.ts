/**
 * Failover under running agents, on real servers: a primary with a synchronous streaming standby
 * (made with pg_basebackup -R), agents writing through a two-host URL with
 * target_session_attrs=read-write, and `serve` reading the standby. Mid-run the primary dies
 * (immediate shutdown, as a crash) and the standby is promoted. Every sample of every agent must be
 * in the new primary exactly once, the agents must never exit early, and each logs once that the
 * database went away and once where it found it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, logLines, runCli, startCli, until } from './cli-helpers.js';
import { type PrivateServer, postgresUnavailable, sqlAt as sql, startPostgres } from './support/servers.js';

const CI = process.env.CI === 'true';
if (postgresUnavailable !== null && CI) {
  throw new Error(`the failover test needs PostgreSQL's binaries under CI: ${postgresUnavailable}`);
}

const AGENTS = 3;
const TABLE = 'ha_ring';
const STANDBY_NAME = 'ringmon_standby';

describe.skipIf(postgresUnavailable !== null)('failover to a streaming standby under running agents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringmon-failover-'));
  const servers: PrivateServer[] = [];
  const processes: CliProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const s of servers.splice(0).reverse()) await s.stop().catch(() => undefined);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['synchronous', true],
    ['asynchronous', false],
  ] as const)(
    '%s standby: no sample twice, the agents find the promoted standby, serve reads the standby',
    async (mode, synchronous) => {
      // synchronous_commit = on (the default): with synchronous_standby_names a commit returns once
      // the standby has flushed it; without, once the primary has, and the standby follows.
      const primary = await startPostgres({
        settings: synchronous ? { synchronous_standby_names: STANDBY_NAME } : {},
      });
      servers.push(primary);
      const standby = await startPostgres({
        standbyOf: { server: primary, applicationName: STANDBY_NAME },
      });
      servers.push(standby);
      await until(`the standby to stream (${mode})`, async () => {
        const rows = await sql<{ sync_state: string }>(
          primary.url,
          'SELECT sync_state FROM pg_stat_replication',
        );
        return rows[0]?.sync_state === (synchronous ? 'sync' : 'async') ? true : undefined;
      });
      const hosts = `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`;
      const url = `postgresql://postgres@${hosts}/postgres?target_session_attrs=read-write`;
      const logs = Array.from({ length: AGENTS }, (_, i) => join(dir, `${mode}-agent-${i}.log`));
      const agents = logs.map((log, i) =>
        startCli(
          [
            'run',
            ...['--database-url', url, '--table', TABLE, '--interval', '1', '--node-name', `node-${i}`],
            ...['--log-file', log, '--capacity', '5000'],
            ...(i === 0 ? ['--master'] : []),
          ],
          { DATABASE_URL: '' },
        ),
      );
      processes.push(...agents);
      await until(
        'every agent to write to the primary',
        async () => {
          const rows = await sql<{ n: number }>(
            primary.url,
            `SELECT count(DISTINCT node_name)::integer AS n FROM ${TABLE}`,
          ).catch(() => [{ n: 0 }]);
          return rows[0]?.n === AGENTS ? true : undefined;
        },
        30_000,
      );
      // The dashboard reads the standby (read-only), which the agents' rows reach through replication.
      const serve = startCli(['serve', '--database-url', standby.url, '--table', TABLE, '--port', '0'], {
        DATABASE_URL: '',
      });
      processes.push(serve);
      const base = await until(
        'serve to print its URL',
        () => /http:\/\/127\.0\.0\.1:\d+\//.exec(serve.stderr())?.[0],
        30_000,
      );
      const overview = (await (await fetch(new URL('api/nodes', base))).json()) as {
        nodes: { node: string }[];
      };
      expect(overview.nodes.map((n) => n.node)).toEqual(['node-0', 'node-1', 'node-2']);
      const chart = (await (await fetch(new URL('api/samples?node=node-1&points=100', base))).json()) as {
        rows: unknown[];
      };
      expect(chart.rows.length).toBeGreaterThan(0);
      const metrics = await (await fetch(new URL('metrics', base))).text();
      expect(metrics).toMatch(/node="node-2"/);

      // status on the primary lists its standby; on the standby it says what it reads.
      const onPrimary = runCli(['status', '--database-url', primary.url, '--table', TABLE], {
        DATABASE_URL: '',
      });
      expect(onPrimary.status, onPrimary.stderr).toBe(0);
      expect(onPrimary.stdout).toMatch(
        new RegExp(
          `standby ${STANDBY_NAME} at 127\\.0\\.0\\.1: ${synchronous ? 'sync' : 'async'}, streaming, \\d+ bytes of WAL behind`,
        ),
      );
      const onStandby = runCli(['status', '--database-url', standby.url, '--table', TABLE, '--json'], {
        DATABASE_URL: '',
      });
      expect(onStandby.status, onStandby.stderr).toBe(0);
      const standbyState = JSON.parse(onStandby.stdout) as {
        replication: { standby: { replayAgeSeconds: number } };
      };
      expect(standbyState.replication.standby.replayAgeSeconds).toBeLessThan(5);

      await new Promise((r) => setTimeout(r, 3000));
      const killedAt = Date.now();
      await primary.stop('immediate');
      await new Promise((r) => setTimeout(r, 2000));
      await standby.promote();
      // Each agent writes to the new primary, buffered samples first.
      await until(
        'every agent to log that it found the new primary',
        () =>
          logs.every((log) => logLines(log).some((l) => l.msg.startsWith('database is back')))
            ? true
            : undefined,
        60_000,
      );
      await new Promise((r) => setTimeout(r, 3000));
      for (const agent of agents) agent.child.kill('SIGINT');
      const ends = await Promise.all(agents.map((a) => a.done));
      for (const end of ends) expect(end.code, end.stderr).toBe(0);

      const backAt: number[] = [];
      let lost = 0;
      for (const [i, log] of logs.entries()) {
        const lines = logLines(log);
        expect(lines.filter((l) => l.msg.startsWith('database write failed'))).toHaveLength(1);
        const back = lines.filter((l) => l.msg.startsWith('database is back'));
        expect(back).toHaveLength(1);
        expect(back[0]?.msg).toContain(`127.0.0.1:${standby.port}`);
        backAt.push(Number(back[0]?.time));
        const stopped = lines.find((l) => l.msg === 'agent stopped') as {
          samples?: number;
          rowsWritten?: number;
        };
        const stored = await sql<{ n: number; distinct_times: number }>(
          standby.url,
          `SELECT count(*)::integer AS n, count(DISTINCT sample_time)::integer AS distinct_times
           FROM ${TABLE} WHERE node_name = $1`,
          [`node-${i}`],
        );
        // No sample_time twice; every sample taken was written, as far as the agent knows.
        expect(stored[0]?.distinct_times).toBe(stored[0]?.n);
        expect(stopped.rowsWritten).toBe(stopped.samples);
        // What the old primary acknowledged but had not sent to the standby is gone: with a
        // synchronous standby nothing, with an asynchronous one the commits in flight.
        lost += Number(stopped.samples) - Number(stored[0]?.n);
        if (synchronous) expect(stored[0]?.n).toBe(stopped.samples);
      }
      expect(lost).toBeGreaterThanOrEqual(0);
      console.log(
        `failover (${mode}): ${lost} acknowledged sample(s) lost; first write on the promoted standby ${((Math.min(...backAt) - killedAt) / 1000).toFixed(1)}–${((Math.max(...backAt) - killedAt) / 1000).toFixed(1)} s after the primary died (promoted 2 s after)`,
      );
      serve.child.kill('SIGINT');
      expect((await serve.done).code).toBe(0);
    },
    180_000,
  );
});
