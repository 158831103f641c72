import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { PG_URL, pgUnavailable } from './store/backends.js';
import { TcpProxy } from './tcp-proxy.js';

const CI = process.env.CI === 'true';
const bin = fileURLToPath(new URL('../bin/ringmon.js', import.meta.url));
const server = new URL(PG_URL);

/**
 * A 1 Hz agent writes through a proxy to the real PostgreSQL server; the test cuts the proxy for
 * 18 s (connections reset, new ones refused), then restores it. Every sample must end up in the
 * ring exactly once, and the outage must be logged once when it starts and once when it ends.
 */
describe.skipIf(pgUnavailable !== null && !CI)(
  'agent through a database outage (real server, real cut)',
  () => {
    const table = `ringmon_outage_${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-outage-'));
    const admin = new pg.Client(PG_URL);
    afterAll(async () => {
      const names = ringNames(table);
      await admin
        .query(`DROP TABLE IF EXISTS ${names.table}, ${names.meta}, ${names.pairs}`)
        .catch(() => undefined);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps every sample, in order, exactly once', async () => {
      if (pgUnavailable !== null)
        throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
      await admin.connect();
      const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
      const logFile = join(dir, 'agent.log');
      const samples = 32;
      const url = new URL(PG_URL);
      url.port = String(proxy.port);
      url.hostname = '127.0.0.1';
      const agent = spawn(
        process.execPath,
        [
          bin,
          'run',
          '--database-url',
          url.toString(),
          '--table',
          table,
          '--interval',
          '1',
          '--samples',
          String(samples),
          '--node-name',
          'outage-test',
          '--log-file',
          logFile,
          '--capacity',
          '1000',
          '--master',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      agent.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => agent.on('exit', resolve));

      await new Promise((resolve) => setTimeout(resolve, 6000));
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 18_000));
      await proxy.restore();
      const code = await exited;
      await proxy.stop();

      expect(stderr).toBe('');
      expect(code).toBe(0);
      const rows = (
        await admin.query<{ sample_time: string; id: string }>(
          `SELECT sample_time, id FROM ${table} WHERE node_name = 'outage-test' ORDER BY id`,
        )
      ).rows;
      expect(rows).toHaveLength(samples);
      const times = rows.map((r) => Number(r.sample_time));
      // Written in the order they were taken: ids and sample times rise together.
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(samples - 2);

      const log = readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string });
      expect(log.filter((l) => l.msg.startsWith('database write failed'))).toHaveLength(1);
      expect(log.filter((l) => l.msg.startsWith('database is back'))).toHaveLength(1);
      expect(readFileSync(logFile, 'utf8')).not.toMatch(/postgres(ql)?:\/\/[^@\s]*:[^*@\s]+@/);
    }, 120_000);
  },
);
