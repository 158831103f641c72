/**
 * What `ringmon recent` and `ringmon status` print for people and for scripts: times as UTC dates
 * with how long ago, numbers by the dashboard's rules (src/web/client/format.ts), one meaning per
 * column, and JSON ages to the millisecond.
 */
import { expect, it } from 'vitest';
import { formatUtc } from '../src/web/client/format.js';
import { runCli } from './cli-helpers.js';
import { containerRow, forEachBackend, hostRow, PG_URL, uniqueTable } from './store/backends.js';

/** The cells of a text table's lines: columns are two or more spaces apart. */
const cells = (line: string) => line.split(/ {2,}/);

forEachBackend(
  'recent and status as text',
  (backend) => {
    it('prints UTC times with their age, dashboard numbers and separate memory columns', async () => {
      const table = uniqueTable('textout');
      // 23 min ago, give or take the seconds this test takes (formatAgo rounds to the minute).
      const t = Math.floor(Date.now() / 1000) - 23 * 60;
      const store = await backend.open({ tableName: table, capacity: 100 });
      try {
        await store.write([
          hostRow('alpha', t, {
            cpu_total_pct: 12.3456,
            mem_available_mb: 23_132,
            disk_read_mb_s: 1.2,
            disk_write_mb_s: 0,
            net_rx_mb_s: 0.123456,
            net_tx_mb_s: 15.55,
            temperature_c: 49.925,
          }),
          containerRow('alpha', 'web', t, { c_rss_mb: 100 }),
        ]);
      } finally {
        await store.close();
      }
      try {
        const db = ['--database-url', PG_URL, '--table', table];
        const recent = runCli(['recent', ...db], { DATABASE_URL: '' });
        expect(recent.stderr).toBe('');
        const [header, ...rows] = recent.stdout.trimEnd().split('\n').map(cells);
        expect(header).toEqual([
          'time',
          'node',
          'container',
          'cpu %',
          'mem available MiB',
          'mem used MiB',
          'disk read / write MiB/s',
          'net rx / tx MiB/s',
          'temp °C',
        ]);
        // Host row: available memory only; container row: memory in use only. Three significant
        // digits, '–' for none, as on the dashboard. Sorted by id, newest first: the container last written.
        const when = formatUtc(t);
        expect(rows.find((r) => r[2] === '–')).toEqual([
          when,
          'alpha',
          '–',
          '12.3',
          '23132',
          '–',
          '1.20 / 0.00',
          '0.12 / 15.6',
          '49.9',
        ]);
        expect(rows.find((r) => r[2] === 'web')?.slice(0, 6)).toEqual([
          when,
          'alpha',
          'web',
          '3.25',
          '–',
          '100',
        ]);

        const status = runCli(['status', ...db], { DATABASE_URL: '' });
        expect(status.stderr).toBe('');
        expect(status.stdout).toMatch(new RegExp(`^newestSampleTime +${when} \\(23 min ago\\)$`, 'm'));
        expect(status.stdout).toMatch(/^lastVacuum +–$/m);
        expect(status.stdout).toMatch(new RegExp(`^alpha +– +${when} +23 min ago +1 s +QUIET$`, 'm'));

        const json = JSON.parse(runCli(['status', ...db, '--json'], { DATABASE_URL: '' }).stdout) as {
          newestSampleTime: number;
          writers: { age_seconds: number }[];
        };
        expect(json.newestSampleTime).toBe(t); // scripts keep epoch seconds
        for (const w of json.writers) {
          // To the millisecond: no float noise such as 1385.3929998874664.
          expect(Math.round(w.age_seconds * 1000) / 1000).toBe(w.age_seconds);
          expect(w.age_seconds).toBeGreaterThanOrEqual(23 * 60);
        }
      } finally {
        await backend.drop(table);
      }
    }, 60_000);
  },
  'postgres',
);
