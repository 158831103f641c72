import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { logLines, runCli, startCli } from './cli-helpers.js';
import { PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const dir = mkdtempSync(join(tmpdir(), 'ringmon-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const background = (args: string[]) => startCli(args);

describe.skipIf(pgUnavailable !== null && !CI)('the agent and the commands on the real server', () => {
  const table = `ringmon_cli_${process.pid}`;
  const db = ['--database-url', PG_URL, '--table', table];
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    const n = ringNames(table);
    await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.meta}, ${n.pairs}`);
    await admin.end();
  });

  it('runs N samples as a master, then recent, status, resize and cleanup read and change the ring', async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await admin.connect();
    const log = join(dir, 'master.log');
    const run = runCli([
      'run',
      ...db,
      '--master',
      '--capacity',
      '50',
      '--samples',
      '3',
      '--interval',
      '0.5',
      '--node-name',
      'cli-node',
      '--log-file',
      log,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(logLines(log).find((l) => l.msg === 'agent stopped')).toMatchObject({
      samples: 3,
      rowsWritten: 3,
    });

    const recent = runCli(['recent', ...db, '--json', '--limit', '10']);
    expect(recent.status).toBe(0);
    const rows = JSON.parse(recent.stdout) as { node_name: string; master_flag: boolean; id: number }[];
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.id)).toEqual([3, 2, 1]);
    expect(rows.every((r) => r.node_name === 'cli-node' && r.master_flag)).toBe(true);
    expect(runCli(['recent', ...db]).stdout).toMatch(/cli-node/);

    const status = runCli(['status', ...db, '--json']);
    expect(status.status).toBe(0);
    const state = JSON.parse(status.stdout) as {
      capacity: number;
      rowsUsed: number;
      writers: { node_name: string; stale: boolean }[];
    };
    expect(state).toMatchObject({ capacity: 50, rowsUsed: 3 });
    expect(state.writers).toEqual([expect.objectContaining({ node_name: 'cli-node', stale: false })]);

    expect(runCli(['resize', ...db, '2'])).toMatchObject({
      status: 0,
      stdout: `${table}: capacity 50 → capacity 2; dropped 1 row the new layout had no room for\n`,
    });
    const after = JSON.parse(runCli(['recent', ...db, '--json']).stdout) as { id: number }[];
    expect(after.map((r) => r.id)).toEqual([3, 2]); // the newest kept

    expect(runCli(['cleanup', ...db, '--keep-hours', '1'])).toMatchObject({
      status: 0,
      stdout: `${table}: deleted 0 samples older than 1 h\n`,
    });
  });

  it('a non-master adopts the ring capacity and warns once', () => {
    const log = join(dir, 'follower.log');
    const run = runCli([
      'run',
      ...db,
      '--capacity',
      '99',
      '--samples',
      '1',
      '--interval',
      '0.2',
      '--log-file',
      log,
    ]);
    expect(run.status).toBe(0);
    const warnings = logLines(log).filter((l) => l.msg.startsWith('only a master sets the ring capacity'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ asked: 99, ring: 2 });
    expect(JSON.parse(runCli(['status', ...db, '--json']).stdout).capacity).toBe(2);
    // 0.2 s in the INTEGER column: rounded up to 1, never 0 (which would make the writer quiet at once).
    const [newest] = JSON.parse(runCli(['recent', ...db, '--json', '--limit', '1']).stdout);
    expect(newest).toMatchObject({ interval_seconds: 1 });
  });

  it('status --fail-on-stale exits 3 once a writer has been quiet for three intervals', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3500)); // the last samples were 0.2–0.5 s apart (interval_seconds 1), stamped in whole seconds
    const status = runCli(['status', ...db, '--fail-on-stale']);
    expect(status.stdout).toMatch(/QUIET/);
    expect(status.status).toBe(3);
  });

  it('stops on SIGTERM: finishes the write in flight, flushes and exits 0', async () => {
    const log = join(dir, 'sigterm.log');
    const agent = background([
      'run',
      ...db,
      '--interval',
      '0.25',
      '--node-name',
      'sigterm-node',
      '--log-file',
      log,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    agent.child.kill('SIGTERM');
    const { code, stderr } = await agent.done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const stopped = logLines(log).find((l) => l.msg === 'agent stopped') as unknown as {
      samples: number;
      rowsWritten: number;
      rowsUnwritten: number;
    };
    expect(stopped.rowsUnwritten).toBe(0);
    expect(stopped.rowsWritten).toBe(stopped.samples);
    expect(stopped.samples).toBeGreaterThan(3);
  });
});

describe('the embedded store shared by a running agent', () => {
  it('serves recent and status while the agent runs, and opens directly once it stopped', async () => {
    const dataDir = join(dir, 'embedded');
    const agent = background([
      'run',
      '--data-dir',
      dataDir,
      '--samples',
      '8',
      '--interval',
      '1',
      '--node-name',
      'emb',
    ]);
    // Wait until the agent serves its socket (creating a PGlite database takes seconds).
    for (let i = 0; i < 100 && !safeExists(join(dataDir, 'agent.json')); i++)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const during = runCli(['recent', '--data-dir', dataDir, '--json']);
    expect(during.stderr).toBe('');
    expect((JSON.parse(during.stdout) as unknown[]).length).toBeGreaterThan(0);
    const status = runCli(['status', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(status.stdout).target).toContain(dataDir);
    const { code } = await agent.done;
    expect(code).toBe(0);
    const afterwards = JSON.parse(
      runCli(['recent', '--data-dir', dataDir, '--json', '--limit', '100']).stdout,
    ) as { node_name: string }[];
    expect(afterwards).toHaveLength(8);
    expect(afterwards.every((r) => r.node_name === 'emb')).toBe(true);
  }, 90_000);
});

function safeExists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(pgUnavailable !== null && !CI)(
  'the agent without Docker, with a password, with the dashboard',
  () => {
    const table = `ringmon_cli2_${process.pid}`;
    const admin = new pg.Client(PG_URL);
    afterAll(async () => {
      const n = ringNames(table);
      await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.meta}, ${n.pairs}`);
      await admin.end();
    });

    it('samples the host only, with one warning, when no Docker answers; the password never reaches the log', async () => {
      await admin.connect();
      const log = join(dir, 'nodocker.log');
      // The local server trusts every login, so the password is accepted and ignored: it must still never be logged.
      const url = new URL(PG_URL);
      url.password = 'hunter2-secret';
      const run = runCli(
        [
          'run',
          '--database-url',
          url.toString(),
          '--table',
          table,
          '--container',
          'web',
          '--samples',
          '2',
          '--interval',
          '0.5',
          '--log-level',
          'debug',
          '--log-file',
          log,
        ],
        { DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`, PATH: '/usr/bin:/bin' },
      );
      expect(run.status).toBe(0);
      const lines = logLines(log);
      const warnings = lines.filter((l) => /no Docker/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/sampling the host only/);
      expect(lines.find((l) => l.msg === 'agent stopped')).toMatchObject({ samples: 2, rowsWritten: 2 });
      expect(readFileSync(log, 'utf8')).not.toContain('hunter2-secret');
    });

    it('run --serve serves the dashboard and /metrics from the agent process', async () => {
      const log = join(dir, 'serve.log');
      const agent = background([
        'run',
        '--database-url',
        PG_URL,
        '--table',
        table,
        '--samples',
        '8',
        '--interval',
        '0.5',
        '--node-name',
        'served',
        '--serve',
        '--serve-port',
        '0',
        '--log-file',
        log,
      ]);
      let url: string | undefined;
      for (let i = 0; i < 50 && !url; i++) {
        await new Promise((r) => setTimeout(r, 100));
        // The file may be empty, or end in half a line, while the agent writes it.
        const text = safeExists(log) ? readFileSync(log, 'utf8') : '';
        url = /"url":"(http:[^"]+)".*"msg":"dashboard listening"/.exec(text)?.[1];
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      await new Promise((r) => setTimeout(r, 1500));
      const metrics = await (await fetch(new URL('metrics', url))).text();
      expect(metrics).toMatch(/^# TYPE ringmon_\w+ gauge$/m);
      expect(metrics).toMatch(/node="served"/);
      const nodes = (await (await fetch(new URL('api/nodes', url))).json()) as unknown;
      expect(JSON.stringify(nodes)).toContain('served');
      expect((await agent.done).code).toBe(0);
    });
  },
);

describe('stopping the agent on the embedded store', () => {
  it('a second SIGINT during the stop does not cut it short: exit 0, socket and agent.json removed, the lock let go', async () => {
    const dataDir = join(dir, 'twice');
    const agent = background(['run', '--data-dir', dataDir, '--interval', '0.5']);
    for (let i = 0; i < 100 && !safeExists(join(dataDir, 'agent.json')); i++)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // Back to back, as `timeout` signals the process and its group: both arrive before the stop is done.
    // (A signal that arrives once Node is already tearing down a finished process is not the point.)
    agent.child.kill('SIGINT');
    agent.child.kill('SIGINT');
    const { code } = await agent.done;
    expect(code).toBe(0);
    // owner.lock stays (deleting it could let two processes own the directory, dir-lock.ts) but
    // names no owner; that nobody holds it, the ownership tests prove.
    expect(readdirSync(dataDir).sort()).toEqual(['owner.lock', 'pgdata']);
    expect(readFileSync(join(dataDir, 'owner.lock'), 'utf8')).toBe('');
  }, 60_000);
});
