/**
 * Many real agent processes, one small PostgreSQL: a private server started with max_connections
 * 20, and more agents than that, through a private pgbouncer in transaction pooling (a pool of 3
 * server connections), and straight to the server. Every sample of every agent must be stored
 * exactly once, and an agent the server turns away keeps sampling, says why once and gets in when
 * connections free up.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-helpers.js';
import {
  type PrivateBouncer,
  type PrivateServer,
  serversUnavailable,
  startPgbouncer,
  startPostgres,
} from './support/servers.js';

const CI = process.env.CI === 'true';
const AGENTS = 24;
const DEPLOY_INI = fileURLToPath(new URL('../deploy/pgbouncer.ini', import.meta.url));

/** The [pgbouncer] settings of deploy/pgbouncer.ini that are about pooling, not about this host. */
function deploySettings(): Record<string, string> {
  const text = readFileSync(DEPLOY_INI, 'utf8');
  const section = text.slice(text.search(/^\[pgbouncer\]$/m));
  const local = new Set(['listen_addr', 'listen_port', 'auth_type', 'auth_file']);
  const settings: Record<string, string> = {};
  for (const line of section.split('\n')) {
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line.trim());
    if (m && !local.has(m[1]!)) settings[m[1]!] = m[2]!;
  }
  return settings;
}
const MAX_CONNECTIONS = 20;

interface AgentExit {
  node: string;
  code: number | null;
  stderr: string;
}

function agent(node: string, url: string, args: string[]): Promise<AgentExit> {
  return startAgent(node, url, args).done;
}

function startAgent(node: string, url: string, args: string[]) {
  const cli = startCli(['run', '--database-url', url, '--table', 'fleet', '--node-name', node, ...args], {
    DATABASE_URL: '',
    PGHOST: '',
  });
  return { done: cli.done.then(({ code, stderr }) => ({ node, code, stderr })), stderr: cli.stderr };
}

/**
 * Rows per node, and how many rows repeat another row of their node (a sample stored twice). At
 * 0.5 s intervals two samples can share a sample_time (whole seconds), so rows are compared on
 * figures that differ from sample to sample as well.
 */
async function stored(url: string): Promise<{ perNode: Map<string, number>; duplicates: number }> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const rows = await client.query<{ node_name: string; n: number; times: number }>(
      `SELECT node_name, count(*)::integer AS n, count(DISTINCT (sample_time, cpu_total_pct, ctx_switches_s, mem_free_mb))::integer AS times
         FROM fleet GROUP BY node_name`,
    );
    return {
      perNode: new Map(rows.rows.map((r) => [r.node_name, r.n])),
      duplicates: rows.rows.reduce((sum, r) => sum + r.n - r.times, 0),
    };
  } finally {
    await client.end();
  }
}

if (serversUnavailable !== null && CI) {
  throw new Error(`the fleet tests need PostgreSQL's binaries and pgbouncer under CI: ${serversUnavailable}`);
}

describe.skipIf(serversUnavailable !== null)(
  `${AGENTS} agents and a server with max_connections ${MAX_CONNECTIONS}`,
  () => {
    let server: PrivateServer;
    beforeAll(async () => {
      server = await startPostgres({ maxConnections: MAX_CONNECTIONS });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('through pgbouncer (transaction pooling, 3 server connections): every sample of every agent stored once', async () => {
      const bouncer: PrivateBouncer = await startPgbouncer({
        target: { host: server.host, port: server.port },
        poolSize: 3,
      });
      try {
        const url = bouncer.url('postgres');
        const exits = await Promise.all(
          Array.from({ length: AGENTS }, (_, i) =>
            agent(`bouncer-${i}`, url, [
              '--samples',
              '10',
              '--interval',
              '0.5',
              ...(i === 0 ? ['--master'] : []),
            ]),
          ),
        );
        for (const exit of exits) {
          expect({ node: exit.node, code: exit.code, errors: exit.stderr.match(/ringmon: .*/g) }).toEqual({
            node: exit.node,
            code: 0,
            errors: null,
          });
          expect(exit.stderr).not.toMatch(/prepared statement|database write failed/);
        }
        const { perNode, duplicates } = await stored(server.url);
        expect(duplicates).toBe(0);
        expect([...perNode.entries()].filter(([node]) => node.startsWith('bouncer-')).sort()).toEqual(
          Array.from({ length: AGENTS }, (_, i) => [`bouncer-${i}`, 10] as [string, number]).sort(),
        );
      } finally {
        await bouncer.stop();
      }
    }, 180_000);

    it('through the settings of deploy/pgbouncer.ini: every sample stored once', async () => {
      const settings = deploySettings();
      expect(settings.pool_mode).toBe('transaction');
      const bouncer = await startPgbouncer({
        target: { host: server.host, port: server.port },
        poolSize: Number(settings.default_pool_size),
        settings,
      });
      try {
        const exits = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            agent(`deploy-${i}`, bouncer.url('postgres'), ['--samples', '6', '--interval', '0.5']),
          ),
        );
        expect(exits.map((e) => e.code)).toEqual(exits.map(() => 0));
        const { perNode, duplicates } = await stored(server.url);
        expect(duplicates).toBe(0);
        expect([...perNode.entries()].filter(([node]) => node.startsWith('deploy-')).sort()).toEqual(
          Array.from({ length: 12 }, (_, i) => [`deploy-${i}`, 6] as [string, number]).sort(),
        );
      } finally {
        await bouncer.stop();
      }
    }, 120_000);

    it('straight to the server: agents turned away keep sampling, say why once, and get in when connections free up', async () => {
      // Hold most of the server's connections, so that some agents are surely turned away.
      const hogs: pg.Client[] = [];
      for (let i = 0; i < MAX_CONNECTIONS - 2; i++) {
        const hog = new pg.Client(server.url);
        await hog.connect();
        hogs.push(hog);
      }
      const agents = Array.from({ length: AGENTS }, (_, i) =>
        startAgent(`direct-${i}`, server.url, ['--samples', '20', '--interval', '0.5']),
      );
      // The held connections go once 8 agents have met the full server (or after 60 s): how fast
      // 24 processes start depends on what else this machine is doing.
      const waitUntil = Date.now() + 60_000;
      const refused = () => agents.filter((a) => /no connection slot left/.test(a.stderr())).length;
      while (refused() < 8 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 200));
      await Promise.all(hogs.map((h) => h.end()));
      const exits = await Promise.all(agents.map((a) => a.done));
      const turnedAway = exits.filter((e) => /no connection slot left/.test(e.stderr));
      expect(turnedAway.length).toBeGreaterThanOrEqual(8);
      for (const exit of turnedAway) {
        // Said once, with the fix, then the outage ends when the agent gets its connection.
        expect(exit.stderr.match(/no connection slot left/g)).toHaveLength(1);
        expect(exit.stderr).toMatch(/put pgbouncer in transaction pooling in front of it/);
        expect(exit.stderr).toMatch(/database reached; ring opened/);
      }
      for (const exit of exits) {
        expect({ node: exit.node, code: exit.code, errors: exit.stderr.match(/ringmon: .*/g) }).toEqual({
          node: exit.node,
          code: 0,
          errors: null,
        });
      }
      const { perNode, duplicates } = await stored(server.url);
      expect(duplicates).toBe(0);
      expect([...perNode.entries()].filter(([node]) => node.startsWith('direct-')).sort()).toEqual(
        Array.from({ length: AGENTS }, (_, i) => [`direct-${i}`, 20] as [string, number]).sort(),
      );
    }, 180_000);
  },
);
