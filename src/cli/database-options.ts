import type { Command } from 'commander';
import { resolveSettings, type Settings, type SettingsFlags } from '../config/settings.js';
import { DEFAULTS } from '../defaults.js';
import { parsePort, parseTableName, parseTargetSessionAttrs } from './options.js';

/**
 * The flags that say where the ring is; every command that reads or writes it takes them.
 * `serve` gives `--port` to the dashboard, so its PostgreSQL port is `--db-port`.
 */
export function addDatabaseOptions(command: Command, portFlag: '--port' | '--db-port' = '--port'): Command {
  return command
    .option('--config <file>', 'YAML configuration file (flags override it)')
    .option(
      '--host <hosts>',
      'PostgreSQL server host, or several for failover: db1,db2:5433 (or PGHOST); without a server: the embedded store',
    )
    .option(`${portFlag} <port>`, 'PostgreSQL server port (or PGPORT; default 5432)', parsePort)
    .option('--database <name>', 'database name (or PGDATABASE)')
    .option('--user <name>', 'user name (or PGUSER)')
    .option('--password <password>', 'password (better: POSTGRES_PASSWORD or PGPASSWORD)')
    .option(
      '--database-url <url>',
      'postgresql://USER[:PASSWORD]@HOST[:PORT][,HOST2[:PORT]]/DATABASE[?target_session_attrs=read-write] (or DATABASE_URL)',
    )
    .option(
      '--target-session-attrs <kind>',
      'which server of several hosts to use: any, read-write, read-only, primary, standby, prefer-standby (or PGTARGETSESSIONATTRS)',
      parseTargetSessionAttrs,
    )
    .option(
      '--data-dir <dir>',
      'embedded PGlite store (default ~/.local/share/ringmon) when no server is named',
    )
    .option('--table <name>', `ring table name (default ${DEFAULTS.tableName})`, parseTableName);
}

/** Settings from a command's flags, its --config file and the environment. */
export async function settingsFrom(
  flags: SettingsFlags & { config?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Settings> {
  // yaml and zod load only when there is a file to read.
  const file = flags.config ? (await import('../config/load-file.js')).loadConfigFile(flags.config) : {};
  return resolveSettings(flags, file, env);
}
