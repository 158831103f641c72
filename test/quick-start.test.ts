import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CompleteResourceMonitor } from '../src/monitor.js';
import { ringNames } from '../src/store/ring/schema.js';
import {
  acquireEngine,
  type LiveEngine,
  removeTestContainers,
  startTestContainer,
} from './docker/live-engine.js';
import { PG_URL, pgUnavailable } from './store/backends.js';

const CI = process.env.CI === 'true';
const found = await acquireEngine();
if (!found.engine) console.warn(`quick start test skipped: no Docker engine (${found.reason})`);

/**
 * The spec's Quick Start, translated to TypeScript: a master monitor with a 1000-sample ring,
 * a node sample over 2 s, a container sample of "my-app" shown as "web-server", the recent samples.
 */
describe.skipIf(!found.engine || (pgUnavailable !== null && !CI))("the spec's Quick Start", () => {
  const engine = found.engine as LiveEngine;
  const table = `performance_metrics_qs_${process.pid}`;
  const conn = new pg.Client(PG_URL);

  beforeAll(async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await conn.connect();
    await removeTestContainers(engine.docker);
    await startTestContainer(engine, 'my-app', ['--network', 'none'], 'while :; do sleep 0.01; done');
  });
  afterAll(async () => {
    const names = ringNames(table);
    await conn.query(`DROP TABLE IF EXISTS ${names.table}, ${names.meta}, ${names.pairs}`);
    await conn.end();
    await removeTestContainers(engine.docker);
    await engine.release();
  });

  it('works as the spec shows it', async () => {
    const printed: string[] = [];
    {
      await using monitor = await CompleteResourceMonitor.open({
        db: conn,
        tableName: table,
        capacity: 1000,
        master: true,
        nodeName: 'server-01',
        docker: { env: engine.env },
      });
      const nodeRow = await monitor.sampleNode({ intervalSeconds: 2.0 });
      expect(nodeRow).toMatchObject({
        node_flag: true,
        node_name: 'server-01',
        master_flag: true,
        interval_seconds: 2,
      });
      const containerRow = await monitor.sampleContainer({
        containerId: 'my-app',
        containerName: 'web-server',
        intervalSeconds: 1.0,
      });
      expect(containerRow).toMatchObject({
        node_flag: false,
        container_name: 'web-server',
        source: 'docker-api',
      });
      expect(containerRow.cpu_total_pct).toBeGreaterThanOrEqual(0);
      const recent = await monitor.getRecentSamples({ limit: 10 });
      expect(recent.map((r) => r.container_name)).toEqual(['web-server', null]);
      const write = vi
        .spyOn(process.stdout, 'write')
        .mockImplementation((text) => printed.push(String(text)) > 0);
      try {
        monitor.printSampleSummary(recent);
      } finally {
        write.mockRestore();
      }
    }
    expect(printed.join('')).toMatch(/server-01\s+web-server/);
    // `await using` closed the monitor, not the caller's connection.
    expect((await conn.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });
});
