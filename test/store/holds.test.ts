/**
 * RingStore.holds: did a batch whose answer was lost commit? Asked of its last row, it must not
 * take another row of the same writer for it: at sub-second intervals two rows of one node share a
 * second and often a CPU figure (the check used to compare only those, and an agent counted a
 * sample stored that never was: a real run stored 7 of 8).
 */
import { expect, it } from 'vitest';
import { forEachBackend, hostRow, uniqueTable } from './backends.js';

forEachBackend('RingStore.holds', (backend) => {
  it('finds a row equal in every column, and not its neighbour of the same second and CPU figure', async () => {
    const table = uniqueTable('holds');
    const store = await backend.open({ tableName: table, capacity: 10 });
    try {
      const first = hostRow('n', 1_800_000_000, {
        cpu_total_pct: 3,
        mem_free_mb: 100,
        interval_seconds: 0,
        source: undefined, // stored as the spec's default, 'psutil'
      });
      const second = { ...first, mem_free_mb: 101 };
      await store.write([first]);
      expect(await store.holds(first)).toBe(true);
      expect(await store.holds(second)).toBe(false); // same node, second and CPU: not stored
      await store.write([second]);
      expect(await store.holds(second)).toBe(true);
      // Columns left out compare with what the ring stored for them (NULL, or the spec's default).
      expect(await store.holds({ ...first, source: 'psutil' })).toBe(true);
      expect(await store.holds({ ...first, source: 'other' })).toBe(false);
      expect(await store.holds({ ...first, cpu_total_pct: 3.0000001 })).toBe(true); // REAL, as stored
      expect(await store.holds({ ...first, node_name: 'm' })).toBe(false);
    } finally {
      await store.close();
      await backend.drop(table);
    }
  });
});
