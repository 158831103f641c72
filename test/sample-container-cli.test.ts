import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import {
  acquireEngine,
  type LiveEngine,
  removeTestContainers,
  startTestContainer,
} from './docker/live-engine.js';

const found = await acquireEngine();
if (!found.engine)
  console.warn(`ringmon sample --container tests skipped: no Docker engine (${found.reason})`);

describe.skipIf(!found.engine)('ringmon sample --container against a real engine', () => {
  const engine = found.engine as LiveEngine;
  beforeAll(async () => {
    await removeTestContainers(engine.docker);
    await startTestContainer(engine, 'ringmon-sample-cli', ['--network', 'none'], 'while :; do :; done');
  });
  afterAll(async () => {
    await removeTestContainers(engine.docker);
    await engine.release();
  });

  it("prints that container's row as JSON", () => {
    const result = runCli(
      ['sample', '--container', 'ringmon-sample-cli', '--json', '--node-name', 'n1'],
      engine.env,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const row = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(row).toMatchObject({
      node_flag: false,
      node_name: 'n1',
      container_name: 'ringmon-sample-cli',
      source: 'docker-api',
    });
    // A busy loop in the container: a visible share of the host's CPU (2 shared cores, so a range).
    expect(row.cpu_total_pct).toBeGreaterThan(10);
    expect(row.c_vsz_mb).toBeGreaterThan(0);
    expect(row.net_rx_mb_s).toBeNull(); // --network none
  });

  it('reads through the docker CLI with --docker-cli', () => {
    const result = runCli(
      ['sample', '--container', 'ringmon-sample-cli', '--json', '--docker-cli'],
      engine.env,
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      container_name: 'ringmon-sample-cli',
      source: 'docker-cli',
    });
  });

  it('fails with one line and exit code 1 for a container that does not exist', () => {
    const result = runCli(['sample', '--container', 'no-such-container'], engine.env);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('ringmon: no such container: no-such-container\n');
  });
});

describe('ringmon sample --container without Docker', () => {
  it('fails with one line and exit code 1', () => {
    const result = runCli(['sample', '--container', 'web'], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      PATH: '/usr/bin:/bin',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^ringmon: no Docker: /);
  });
});
