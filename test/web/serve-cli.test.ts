/** `ringmon serve` end to end: a child process over an embedded store, stopped by SIGTERM. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RingStore } from '../../src/store/ring/ring.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('./serve-main.ts', import.meta.url));
const args = (...rest: string[]) => ['--import', 'tsx', entry, 'serve', ...rest];

describe('ringmon serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringmon-serve-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a public address without a token in one line, before opening the ring', () => {
    const res = spawnSync(process.execPath, args('--bind', '0.0.0.0', '--data-dir', join(dir, 'unused')), {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RINGMON_DASHBOARD_TOKEN: '' },
    });
    expect(res.stderr).toBe(
      'ringmon: binding the dashboard to 0.0.0.0 exposes it beyond this machine: give a token (--token) or accept that with --insecure\n',
    );
    expect(res.status).toBe(2);
    const port = spawnSync(process.execPath, args('--port', '99999'), { cwd: root, encoding: 'utf8' });
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(
      /^ringmon: --port .*: must be a TCP port number from 0 to 65,535 \(0: any free port\)/,
    );
  });

  it('serves the ring until SIGTERM, then exits 0', async () => {
    const token = 'serve-cli-token-0123456789';
    // Only the agent creates rings (serve on a missing one says so): an empty ring, made here.
    const empty = await RingStore.open({ db: join(dir, 'ring', 'pgdata') });
    await empty.close();
    child = spawn(process.execPath, args('--data-dir', join(dir, 'ring'), '--port', '0'), {
      cwd: root,
      env: { ...process.env, RINGMON_DASHBOARD_TOKEN: token },
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
        if (found) resolve(found[0]);
      };
      child?.stdout?.on('data', onData);
      child?.stderr?.on('data', onData);
      child?.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
    expect(output).not.toContain(token);
    expect((await fetch(`${url}api/nodes`)).status).toBe(401);
    const res = await fetch(`${url}api/nodes`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { nodes: unknown[] }).nodes).toEqual([]);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
