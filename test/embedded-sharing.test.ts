/**
 * The README's first command, shared: an agent on the embedded store (`ringmon run --serve`) while
 * nine other clients use its socket at once (status, recent, a second agent, a second dashboard,
 * and a program of our own with named statements and a transaction), twice over. Every one of
 * them must work, and the second agent's samples must all be stored.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, until } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ringmon-sharing-'));
const dataDir = join(dir, 'd');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (args: string[]) => startCli(args, { DATABASE_URL: '', PGHOST: '' });
const run = (args: string[]) => start(args).done;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** A client of our own: named statements (which a shared session would collide on) and a transaction. */
async function ownClient(): Promise<number> {
  const client = new pg.Client({ host: dataDir, port: 5432, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    let rows = 0;
    for (let k = 0; k < 10; k++) {
      const res = await client.query({
        name: 'newest',
        text: 'SELECT count(*)::integer AS n FROM monitor_samples_ring WHERE node_name = $1',
        values: ['owner'],
      });
      rows = res.rows[0].n as number;
      await client.query('BEGIN');
      await client.query('SELECT capacity FROM monitor_samples_ring_ring_meta FOR UPDATE');
      await client.query('COMMIT');
    }
    return rows;
  } finally {
    await client.end();
  }
}

describe('the embedded store shared by a running agent with nine other clients at once', () => {
  it('answers every client, twice over, and stores every sample of the second agent', async () => {
    const dashboardPort = await freePort();
    const owner = start([
      'run',
      '--data-dir',
      dataDir,
      '--interval',
      '0.5',
      '--node-name',
      'owner',
      '--serve',
      '--serve-port',
      String(dashboardPort),
    ]);
    try {
      await until('the agent to serve its socket', async () =>
        existsSync(join(dataDir, 'agent.json')) ? true : undefined,
      );
      await until('the first samples', async () => {
        const r = await get(`http://127.0.0.1:${dashboardPort}/api/nodes`);
        return r.status === 200 && r.body.includes('owner') ? true : undefined;
      });
      for (const round of [1, 2]) {
        const servePort = await freePort();
        const serve = start(['serve', '--data-dir', dataDir, '--port', String(servePort)]);
        const clients = await Promise.all([
          run(['status', '--data-dir', dataDir, '--json']),
          run(['status', '--data-dir', dataDir, '--json']),
          run(['status', '--data-dir', dataDir]),
          run(['recent', '--data-dir', dataDir, '--json', '--limit', '5']),
          run(['recent', '--data-dir', dataDir, '--json', '--limit', '5', '--node', 'owner']),
          run(['recent', '--data-dir', dataDir, '--limit', '5']),
          run([
            'run',
            '--data-dir',
            dataDir,
            '--samples',
            '3',
            '--interval',
            '0.5',
            '--node-name',
            `second-${round}`,
          ]),
          until('the second dashboard', async () => {
            const nodes = await get(`http://127.0.0.1:${servePort}/api/nodes`);
            const metrics = await get(`http://127.0.0.1:${servePort}/metrics`);
            return nodes.status === 200 && metrics.status === 200 ? { nodes, metrics } : undefined;
          }),
          ownClient(),
        ]);
        const [statusA, statusB, statusTable, recentA, recentB, recentTable, second, dashboard, own] =
          clients;
        for (const exit of [statusA, statusB, statusTable, recentA, recentB, recentTable, second]) {
          expect(exit.stderr.match(/ringmon: .*/g) ?? []).toEqual([]);
          expect(exit.code).toBe(0);
        }
        const state = JSON.parse(statusA.stdout) as { writers: { node_name: string }[] };
        expect(state.writers.map((w) => w.node_name)).toContain('owner');
        expect(JSON.parse(statusB.stdout)).toHaveProperty('capacity');
        expect(statusTable.stdout).toMatch(/owner/);
        // At most 5; fewer only while the agent has not yet written 5 rows.
        const newest = JSON.parse(recentA.stdout) as unknown[];
        expect(newest.length).toBeGreaterThan(0);
        expect(newest.length).toBeLessThanOrEqual(5);
        const ownerRows = JSON.parse(recentB.stdout) as { node_name: string }[];
        expect(ownerRows.every((r) => r.node_name === 'owner')).toBe(true);
        expect(recentTable.stdout).toMatch(/owner/);
        expect(dashboard.nodes.body).toContain('owner');
        expect(dashboard.metrics.body).toMatch(/^ringmon_/m);
        expect(own).toBeGreaterThan(0);
        serve.child.kill('SIGTERM');
        expect((await serve.done).code).toBe(0);
        const stored = await run(['recent', '--data-dir', dataDir, '--json', '--node', `second-${round}`]);
        expect(JSON.parse(stored.stdout) as unknown[]).toHaveLength(3);
      }
    } finally {
      owner.child.kill('SIGTERM');
    }
    const stopped = await owner.done;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).not.toMatch(/database write failed/);
  }, 180_000);
});
