import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { openRing } from './open-ring.js';
import { parseCapacity, parseHours } from './options.js';

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
      .argument('<capacity>', 'rows the ring holds from now on', parseCapacity),
  ).action(async (capacity: number, flags: MaintenanceFlags) => {
    const ring = await openRing(await settingsFrom(flags));
    try {
      const before = ring.store.capacity;
      await ring.store.setCapacity(capacity);
      process.stdout.write(`${ring.store.table}: capacity ${before} → ${capacity}\n`);
    } finally {
      await ring.close();
    }
  });

  addDatabaseOptions(
    program
      .command('cleanup')
      .description('delete samples older than --keep-hours; the ring keeps working')
      .requiredOption('--keep-hours <hours>', 'keep the samples of the last H hours', parseHours),
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
