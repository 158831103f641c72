/**
 * The embedded default: a PGlite data directory the store creates (initdb in a child process, so
 * that its memory peak never lands in the agent) and reopens with its rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RingStore } from '../../src/store/ring/ring.js';
import { hostRow } from './backends.js';

describe('RingStore on a PGlite data directory', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'ringmon-pglite-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the directory and the ring, then reopens both with the rows', async () => {
    const dir = path.join(root, 'data', 'ring');
    const first = await RingStore.open({ db: dir, capacity: 5 });
    expect(first.opened).toBe('created');
    await first.write([hostRow('n', 1), hostRow('n', 2)]);
    expect((await first.state()).target).toBe(`pglite:${dir}`);
    await first.close();

    const again = await RingStore.open({ db: dir });
    expect(again.opened).toBe('existing');
    expect(again.capacity).toBe(5);
    expect((await again.recent()).map((r) => r.sample_time)).toEqual([2, 1]);
    expect((await again.write([hostRow('n', 3)])).ids).toEqual([3]);
    await again.close();
  });

  it('refuses a directory that holds something other than a database', async () => {
    writeFileSync(path.join(root, 'placeholder'), '');
    const err = await RingStore.open({ db: root, capacity: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad-input' });
    expect((err as Error).message).toContain('is neither empty nor a PGlite data directory');
  });

  it('keeps a ring in memory for memory://', async () => {
    const store = await RingStore.open({ db: 'memory://', capacity: 3 });
    await store.write([hostRow('n', 1)]);
    expect((await store.state()).target).toBe('pglite:memory');
    await store.close();
  });
});
