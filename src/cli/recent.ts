import type { Command } from 'commander';
import type { SettingsFlags } from '../config/settings.js';
import { formatSummary } from '../format/text.js';
import { addDatabaseOptions, settingsFrom } from './database-options.js';
import { openRing } from './open-ring.js';
import { wholeNumber } from './options.js';

interface RecentFlags extends Omit<SettingsFlags, 'container'> {
  config?: string;
  limit: number;
  node?: string;
  container?: string;
  json?: boolean;
}

export function registerRecent(program: Command): void {
  addDatabaseOptions(
    program
      .command('recent')
      .description('print the newest samples of the ring, newest first')
      .option(
        '--limit <n>',
        'at most this many rows',
        wholeNumber('a whole number of rows', 1, 1_000_000, 'the newest rows to print'),
        20,
      )
      .option('--node <name>', "only this node's rows (its host and its containers)")
      .option('--container <name>', 'only rows of containers with this name')
      .option('--json', 'print a JSON array of complete rows'),
  ).action(async (flags: RecentFlags) => {
    const { node, container, limit, json } = flags;
    const ring = await openRing(await settingsFrom({ ...flags, container: undefined }), { readOnly: true });
    try {
      const rows = await ring.store.recent({ limit, node, container });
      process.stdout.write(`${json ? JSON.stringify(rows) : formatSummary(rows)}\n`);
    } finally {
      await ring.close();
    }
  });
}
