/** `ringmon containers` (src/cli/containers.ts) against the stand-in engine on a unix socket. */
import { afterEach, describe, expect, it } from 'vitest';
import { runContainers } from '../../src/cli/containers.js';
import { FakeEngine } from './fake-engine.js';

let engine: FakeEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function withContainers(): Promise<FakeEngine> {
  engine = new FakeEngine();
  engine.add({
    id: `4caf84c005f9${'0'.repeat(52)}`,
    name: 'websrv',
    image: 'ringmon-test/busybox:1',
    running: true,
    startedAt: '2026-11-28T02:07:30Z',
    frame: () => ({}),
  });
  engine.add({
    id: `c2282aa8baa9${'1'.repeat(52)}`,
    name: 'stopped',
    image: 'ringmon-test/busybox:1',
    running: false,
    startedAt: '2026-11-28T02:07:30Z',
    frame: () => ({}),
  });
  return engine.listenUnix();
}

describe('ringmon containers', () => {
  it('a table of the running containers: name, short ID, image, status', async () => {
    const e = await withContainers();
    let out = '';
    await runContainers({}, { env: { DOCKER_HOST: e.dockerHost }, write: (t) => (out += t) });
    expect(out).toBe(
      [
        'NAME    CONTAINER ID  IMAGE                   STATUS',
        'websrv  4caf84c005f9  ringmon-test/busybox:1  Up 2 seconds',
        '',
      ].join('\n'),
    );
  });

  it('--json', async () => {
    const e = await withContainers();
    let out = '';
    await runContainers({ json: true }, { env: { DOCKER_HOST: e.dockerHost }, write: (t) => (out += t) });
    expect(JSON.parse(out)).toEqual([
      {
        name: 'websrv',
        id: `4caf84c005f9${'0'.repeat(52)}`,
        image: 'ringmon-test/busybox:1',
        status: 'Up 2 seconds',
        state: 'running',
      },
    ]);
  });
});
