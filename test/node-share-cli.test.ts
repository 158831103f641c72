/**
 * Per-node shares from the command line: a master's --node-share (or monitoring.node_share) shares
 * the ring out, other agents follow it, status reports each node's history, resize changes the
 * layout and says what it dropped. On the real server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { logLines, runCli, startCli } from './cli-helpers.js';
import { dropRing, PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const dir = mkdtempSync(join(tmpdir(), 'ringmon-share-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(pgUnavailable !== null && !CI)('per-node shares from the CLI', () => {
  const table = `ringmon_share_cli_${process.pid}`;
  const db = ['--database-url', PG_URL, '--table', table];
  const admin = new pg.Client(PG_URL);
  afterAll(async () => {
    await dropRing(admin, table);
    await admin.end();
  });

  it('a master shares the ring out from its config file, a follower keeps to it, status and resize report it', async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await admin.connect();
    const config = join(dir, 'master.yaml');
    writeFileSync(config, 'monitoring:\n  master: true\n  capacity: 40\n  node_share: 10\n');
    const master = runCli([
      'run',
      ...db,
      '--config',
      config,
      '--samples',
      '2',
      '--interval',
      '0.2',
      '--node-name',
      'alpha',
    ]);
    expect(master.status).toBe(0);

    const log = join(dir, 'follower.log');
    const follower = runCli([
      'run',
      ...db,
      '--node-share',
      '20',
      '--samples',
      '3',
      '--interval',
      '0.2',
      '--node-name',
      'beta',
      '--log-file',
      log,
    ]);
    expect(follower.status).toBe(0);
    const warnings = logLines(log).filter((l) => l.msg.startsWith('only a master sets the node share'));
    expect(warnings).toEqual([expect.objectContaining({ asked: 20, ring: 10 })]);

    const rows = await admin.query<{ node_name: string; slot: number }>(
      `SELECT node_name, slot FROM ${table} ORDER BY id`,
    );
    const shareOf = (node: string) =>
      new Set(rows.rows.filter((r) => r.node_name === node).map((r) => Math.floor(r.slot / 10)));
    expect(shareOf('alpha').size).toBe(1);
    expect(shareOf('beta').size).toBe(1);
    expect([...shareOf('alpha')][0]).not.toBe([...shareOf('beta')][0]);

    const status = runCli(['status', ...db, '--json']);
    expect(status.status).toBe(0);
    const state = JSON.parse(status.stdout) as {
      capacity: number;
      nodeShare: number;
      shares: { total: number; held: number };
      history: { node_share: number; nodes: { node_name: string; share_pct: number }[] };
    };
    expect(state).toMatchObject({ capacity: 40, nodeShare: 10, shares: { total: 4, held: 2 } });
    expect(state.history.node_share).toBe(10);
    expect(state.history.nodes.map((n) => n.share_pct)).toEqual([25, 25]);
    const text = runCli(['status', ...db]).stdout;
    expect(text).toMatch(/nodeShare\s+10/);
    expect(text).toMatch(/shares\s+total 4, held 2/);
    expect(text).toMatch(/history held/);

    expect(runCli(['resize', ...db, '30', '--node-share', '15'])).toMatchObject({
      status: 0,
      stdout: `${table}: capacity 40 in shares of 10 per node (4 shares) → capacity 30 in shares of 15 per node (2 shares)\n`,
    });
    // Two nodes, two shares: nothing dropped. One share: the node that wrote longest ago goes.
    const shrink = runCli(['resize', ...db, '15']);
    expect(shrink.status).toBe(0);
    expect(shrink.stdout).toBe(
      `${table}: capacity 30 in shares of 15 per node (2 shares) → capacity 15 in shares of 15 per node (1 share); dropped 2 rows the new layout had no room for\n`,
    );
    expect(runCli(['resize', ...db, '15', '--node-share', 'off'])).toMatchObject({
      status: 0,
      stdout: `${table}: capacity 15 in shares of 15 per node (1 share) → capacity 15\n`,
    });
  });

  it('an agent that finds no share left buffers, says why once, and gets in when a share frees up', async () => {
    const full = `${table}_full`;
    const n = ringNames(full);
    const fullDb = ['--database-url', PG_URL, '--table', full];
    try {
      const alpha = runCli([
        'run',
        ...fullDb,
        '--master',
        '--capacity',
        '10',
        '--node-share',
        '10',
        '--samples',
        '1',
        '--node-name',
        'alpha',
      ]);
      expect(alpha.status).toBe(0);
      const log = join(dir, 'beta.log');
      const beta = startCli([
        'run',
        ...fullDb,
        '--interval',
        '0.5',
        '--node-name',
        'beta',
        '--log-file',
        log,
      ]);
      const waitFor = async (what: string, ok: () => Promise<boolean> | boolean) => {
        for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 100));
        if (!(await ok())) throw new Error(`timed out waiting for ${what}: ${beta.stderr()}`);
      };
      const lines = () => {
        try {
          return logLines(log);
        } catch {
          return [];
        }
      };
      await waitFor('the no-share warning', () =>
        lines().some((l) => /no share left for node beta/.test(String(l.err))),
      );
      // alpha has been silent for two hours, as the server sees it: beta takes its share.
      await admin.query(
        `UPDATE ${n.shares} SET last_write = now() - interval '2 hours' WHERE node_name = 'alpha'`,
      );
      const betaRows = async () =>
        Number((await admin.query(`SELECT count(*) AS n FROM ${full} WHERE node_name = 'beta'`)).rows[0].n);
      await waitFor("beta's rows", async () => (await betaRows()) >= 3);
      beta.child.kill('SIGTERM');
      const exit = await beta.done;
      expect(exit.code).toBe(0);
      const all = lines();
      const warnings = all.filter((l) => /no share left/.test(String(l.err)));
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]?.err)).toMatch(
        /has no share left for node beta: its 1 share\(s\) of 10 rows all belong to nodes that wrote within the last hour: raise the capacity or lower the node share \(ringmon resize\)/,
      );
      const stopped = all.find((l) => l.msg === 'agent stopped') as Record<string, number> | undefined;
      expect(stopped).toMatchObject({ rowsDropped: 0, rowsUnwritten: 0 });
      // Every sample it took went in (the share holds 10; the run is a few seconds at 2 Hz).
      expect(await betaRows()).toBe(Math.min(10, stopped!.samples!));
      expect(stopped!.rowsWritten).toBe(stopped!.samples);
    } finally {
      await dropRing(admin, n.table);
    }
  });

  it('a master that shrinks the ring logs what the resize dropped', () => {
    const small = `${table}_small`;
    const smallDb = ['--database-url', PG_URL, '--table', small];
    const first = runCli([
      'run',
      ...smallDb,
      '--master',
      '--capacity',
      '100',
      '--samples',
      '5',
      '--interval',
      '0.2',
    ]);
    expect(first.status).toBe(0);
    const log = join(dir, 'shrink.log');
    const second = runCli([
      'run',
      ...smallDb,
      '--master',
      '--capacity',
      '3',
      '--node-share',
      '3',
      '--samples',
      '1',
      '--log-file',
      log,
    ]);
    expect(second.status).toBe(0);
    const resized = logLines(log).filter((l) => l.msg.startsWith('resizing ring'));
    expect(resized).toEqual([
      expect.objectContaining({
        level: 40,
        dropped: 2,
        msg: 'resizing ring 100 → 3 (shares of 3): 2 oldest row(s) dropped',
      }),
    ]);
    // The same master, restarted with other settings: a resize, not a disagreement.
    expect(logLines(log).some((l) => l.msg.startsWith('two masters disagree'))).toBe(false);
    return admin
      .query(`DROP TABLE ${small}, ${small}_ring_meta, ${small}_ring_groups, ${small}_ring_shares`)
      .then(() => admin.query(`DROP FUNCTION ${small}_ring_write(jsonb)`));
  });

  it('a master that resizes a ring another master wrote to within the hour warns that two masters disagree', () => {
    const shared = `${table}_masters`;
    const sharedDb = ['--database-url', PG_URL, '--table', shared];
    const master = (node: string, capacity: string, log: string) =>
      runCli([
        'run',
        ...sharedDb,
        '--master',
        '--node-name',
        node,
        '--capacity',
        capacity,
        '--samples',
        '2',
        '--interval',
        '0.2',
        '--log-file',
        log,
      ]);
    expect(master('m1', '100', join(dir, 'm1.log')).status).toBe(0);
    const log = join(dir, 'm2.log');
    expect(master('m2', '50', log).status).toBe(0);
    const warned = logLines(log).filter((l) => l.msg.startsWith('two masters disagree'));
    expect(warned).toEqual([
      expect.objectContaining({
        level: 40,
        otherMaster: 'm1',
        msg: expect.stringMatching(
          /^two masters disagree: m1 wrote as the master \d+ s ago with the ring at capacity 100, and this master \(m2\) set capacity 50; give every master the same --capacity and --node-share, or run only one with --master$/,
        ),
      }),
    ]);
    // The same settings again: no resize, nothing to disagree about.
    const again = join(dir, 'm2-again.log');
    expect(master('m2', '50', again).status).toBe(0);
    expect(logLines(again).some((l) => /two masters|resizing/.test(l.msg))).toBe(false);
    return admin
      .query(`DROP TABLE ${shared}, ${shared}_ring_meta, ${shared}_ring_groups`)
      .then(() => admin.query(`DROP FUNCTION ${shared}_ring_write(jsonb)`));
  });

  it('refuses a bad --node-share with one line and exit 2', () => {
    for (const [args, message] of [
      [
        ['resize', ...db, '10', '--node-share', 'lots'],
        /^ringmon: --node-share lots: must be a whole number of rows each node keeps/,
      ],
      [['run', ...db, '--node-share', '0'], /must be a whole number of rows each node keeps/],
      [['resize', ...db, '10', '--node-share', '11'], /node share 11 is larger than the capacity 10/],
    ] as const) {
      const result = runCli([...args]);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.status).toBe(2);
    }
  });
});
