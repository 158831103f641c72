/**
 * A writer whose clock ran an hour ahead, then came back (or died). Before, its sample from the
 * future stood for it for an hour: status showed an age of −3553 s, --fail-on-stale passed for a
 * dead agent, /api/nodes said stale: false. Now reads of the newest samples pass over samples
 * stamped more than a minute after the reader's clock, judge the writer by its newest sane sample,
 * and flag the clock: in the store, in status and in /api/nodes.
 */
import { expect, it } from 'vitest';
import { CLOCK_AHEAD_TOLERANCE_SECONDS } from '../src/defaults.js';
import { nodes } from '../src/web/server/api.js';
import { runCli } from './cli-helpers.js';
import { containerRow, forEachBackend, hostRow, PG_URL, uniqueTable } from './store/backends.js';

const NOW = 1_800_000_000;

forEachBackend('samples from the future', (backend) => {
  it('latest() passes over them, aheadOfClock() and state() name their writer, /api/nodes flags it', async () => {
    const table = uniqueTable('ahead');
    const store = await backend.open({ tableName: table, capacity: 100, now: () => NOW * 1000 });
    try {
      await store.write([
        hostRow('sane', NOW - 10),
        hostRow('jumped', NOW - 600),
        containerRow('jumped', 'web', NOW - 600),
      ]);
      // The clock an hour ahead for one tick, then the agent died.
      await store.write([hostRow('jumped', NOW + 3550), containerRow('jumped', 'web', NOW + 3550)]);
      // Within the tolerance: a clock a few seconds off is not ahead.
      await store.write([hostRow('sane', NOW + CLOCK_AHEAD_TOLERANCE_SECONDS)]);
      const latest = await store.latest();
      expect(latest.map((r) => [r.node_name, r.container_name, r.sample_time])).toEqual([
        ['jumped', null, NOW - 600],
        ['jumped', 'web', NOW - 600],
        ['sane', null, NOW + CLOCK_AHEAD_TOLERANCE_SECONDS],
      ]);
      const ahead = [
        { node_name: 'jumped', container_name: null, newest: NOW + 3550, ahead_seconds: 3550 },
        { node_name: 'jumped', container_name: 'web', newest: NOW + 3550, ahead_seconds: 3550 },
      ];
      expect(await store.aheadOfClock()).toEqual(ahead);
      const state = await store.state();
      expect(state.ahead).toEqual(ahead);
      expect(state.latest.map((r) => r.sample_time)).toEqual([
        NOW - 600,
        NOW - 600,
        NOW + CLOCK_AHEAD_TOLERANCE_SECONDS,
      ]);

      const answer = await nodes(store, new URLSearchParams(), NOW * 1000);
      const jumped = answer.nodes.find((n) => n.node === 'jumped')!;
      expect(jumped).toMatchObject({ age_seconds: 600, stale: true, clock_ahead_seconds: 3550 });
      expect(jumped.containers[0]).toMatchObject({
        container: 'web',
        age_seconds: 600,
        stale: true,
        clock_ahead_seconds: 3550,
      });
      expect(answer.nodes.find((n) => n.node === 'sane')).toMatchObject({ clock_ahead_seconds: null });
      expect(answer.ahead).toEqual(ahead);
    } finally {
      await store.close();
      await backend.drop(table);
    }
  });
});

forEachBackend(
  'status and a clock ahead',
  (backend) => {
    it('judges a dead writer by its newest sane sample (QUIET, --fail-on-stale 3) and says the clock was ahead', async () => {
      const table = uniqueTable('aheadcli');
      const now = Math.floor(Date.now() / 1000);
      const store = await backend.open({ tableName: table, capacity: 100 });
      try {
        await store.write([hostRow('alive', now - 1, { interval_seconds: 1 })]);
        await store.write([hostRow('dead', now - 600, { interval_seconds: 1 })]);
        await store.write([hostRow('dead', now + 3550, { interval_seconds: 1 })]);
        await store.write([hostRow('future-only', now + 7200, { interval_seconds: 1 })]);
      } finally {
        await store.close();
      }
      try {
        const db = ['--database-url', PG_URL, '--table', table];
        const text = runCli(['status', ...db], { DATABASE_URL: '' });
        expect(text.status).toBe(0);
        // The writers table is the last one: a node's last line.
        const line = (node: string) =>
          text.stdout
            .split('\n')
            .filter((l) => l.startsWith(`${node} `))
            .at(-1) ?? '';
        // 600 s (and the seconds this test takes) ago; 3550 s ahead: 59 min, seconds dropped past 10 min.
        expect(line('dead')).toMatch(/\s10 min ago\s+1 s\s+QUIET, clock ahead by 59 min$/);
        expect(line('future-only')).toMatch(/QUIET, clock ahead by (1 h 59 min|2 h 0 min)$/);
        expect(line('alive')).toMatch(/\sok$/);
        const json = JSON.parse(runCli(['status', ...db, '--json'], { DATABASE_URL: '' }).stdout);
        expect(json.writers.find((w: { node_name: string }) => w.node_name === 'dead')).toMatchObject({
          stale: true,
          last_sample_time: now - 600,
          clock_ahead_seconds: expect.any(Number),
        });
        expect(runCli(['status', ...db, '--fail-on-stale'], { DATABASE_URL: '' }).status).toBe(3);
      } finally {
        await backend.drop(table);
      }
    }, 60_000);
  },
  'postgres',
);
