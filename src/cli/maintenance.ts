import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { openRing } from './open-ring.js';
import { parseCapacity, parseHours, parseNodeShare } from './options.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `capacity 1000` or `capacity 1000 in shares of 250 per node (4 shares)`. */
function layoutText(capacity: number, nodeShare: number | null): string {
  return nodeShare === null
    ? `capacity ${capacity}`
    : `capacity ${capacity} in shares of ${nodeShare} per node (${plural(Math.floor(capacity / nodeShare), 'share')})`;
}

interface MaintenanceFlags extends SettingsFlags {
  config?: string;
  keepHours?: number;
}

/** `ringmon resize N` and `ringmon cleanup --keep-hours H`. */
export function registerMaintenance(program: Command): void {
  addDatabaseOptions(
    program
      .command('resize')
      .description("change the ring's capacity, keeping the newest rows (safe while agents write)")
      .argument('<capacity>', 'required: rows the ring holds from now on (1 to 2,147,483,647)', parseCapacity)
      .option(
        '--node-share <rows>',
        "give every node a share of this many rows of its own ('off': one pool for all; default: keep the ring's)",
        parseNodeShare,
      ),
  ).action(async (capacity: number, flags: MaintenanceFlags) => {
    const settings = await settingsFrom({ ...flags, nodeShare: undefined });
    const ring = await openRing(settings);
    try {
      const before = layoutText(ring.store.capacity, ring.store.nodeShare);
      const { dropped } = await ring.store.setCapacity(capacity, {
        nodeShare: flags.nodeShare === 'off' ? null : flags.nodeShare,
      });
      const after = layoutText(ring.store.capacity, ring.store.nodeShare);
      process.stdout.write(
        `${ring.store.table}: ${before} → ${after}${dropped > 0 ? `; dropped ${plural(dropped, 'row')} the new layout had no room for` : ''}\n`,
      );
    } finally {
      await ring.close();
    }
  });

  addDatabaseOptions(
    program
      .command('cleanup')
      .description('delete samples older than --keep-hours; the ring keeps working')
      .requiredOption(
        '--keep-hours <hours>',
        'required: keep the samples of the last H hours, delete the older ones',
        parseHours,
      ),
  ).action(async (flags: MaintenanceFlags) => {
    const ring = await openRing(await settingsFrom(flags));
    try {
      const deleted = await ring.store.cleanupOldSamples(flags.keepHours!);
      process.stdout.write(
        `${ring.store.table}: deleted ${deleted} samples older than ${flags.keepHours} h\n`,
      );
    } finally {
      await ring.close();
    }
  });
}
