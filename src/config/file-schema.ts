import { z } from 'zod';
import { MAX_CAPACITY, MAX_PORT, TABLE_NAME_PATTERN, TABLE_NAME_RULE } from '../limits.js';
import { TARGET_SESSION_ATTRS } from '../store/client/host-list.js';

/**
 * The YAML configuration file: the spec's example, key for key (`database`, `monitoring`, `logging`),
 * plus a few keys of ringmon's own (marked below). Unknown keys are errors: a typo must not be
 * silently ignored.
 */

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'critical'] as const;

const seconds = z
  .number({ error: 'must be a number of seconds' })
  .positive({ error: 'must be above 0' })
  .max(86_400, { error: 'must be at most 86400' });

/** Device names or globs (`*`, `?`), as the --disk-include … flags take them. */
const deviceNames = z.array(
  z.string({ error: 'must be a device name or glob' }).min(1, { error: 'must not be empty' }),
  { error: 'must be a list of device names (globs * and ? allowed)' },
);

export const configFileSchema = z.strictObject({
  database: z
    .strictObject({
      /** A host, or a list of them for failover (libpq's multi-host rule, target_session_attrs). */
      host: z
        .union([
          z.string({ error: 'must be a host name or address, or a list of them' }).min(1),
          z.array(z.string().min(1), { error: 'must be a host name or address, or a list of them' }).min(1),
        ])
        .optional(),
      /** ringmon: which of several hosts to use (libpq's target_session_attrs); default any. */
      target_session_attrs: z
        .enum(TARGET_SESSION_ATTRS, { error: `must be one of ${TARGET_SESSION_ATTRS.join(', ')}` })
        .optional(),
      port: z
        .number({ error: 'must be a port number' })
        .int({ error: 'must be a whole number' })
        .min(1, { error: `must be 1 to ${MAX_PORT}` })
        .max(MAX_PORT, { error: `must be 1 to ${MAX_PORT}` })
        .optional(),
      database: z.string({ error: 'must be a database name' }).min(1).optional(),
      user: z.string({ error: 'must be a user name' }).min(1).optional(),
      /** Name of the environment variable that holds the password (never the password itself). */
      password_env: z
        .string({ error: 'must be the name of an environment variable' })
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be the name of an environment variable' })
        .optional(),
      /** ringmon: the embedded PGlite data directory, used when no server is named. */
      data_dir: z.string({ error: 'must be a directory path' }).min(1).optional(),
    })
    .optional(),
  monitoring: z
    .strictObject({
      table_name: z
        .string({ error: 'must be a table name' })
        .regex(TABLE_NAME_PATTERN, { error: `must be ${TABLE_NAME_RULE}` })
        .optional(),
      capacity: z
        .number({ error: 'must be a whole number of rows' })
        .int({ error: 'must be a whole number of rows' })
        .min(1, { error: 'must be at least 1' })
        .max(MAX_CAPACITY, { error: `must be at most ${MAX_CAPACITY}` })
        .optional(),
      /** ringmon: rows each node keeps in a ring shared out per node; `off` (or null): one pool. */
      node_share: z
        .union(
          [
            z.literal('off'),
            z.null(),
            z
              .number({ error: "must be a whole number of rows or 'off'" })
              .int({ error: "must be a whole number of rows or 'off'" })
              .min(1, { error: 'must be at least 1' })
              .max(MAX_CAPACITY, { error: `must be at most ${MAX_CAPACITY}` }),
          ],
          { error: "must be a whole number of rows or 'off'" },
        )
        .optional(),
      node_name: z.string({ error: 'must be a name' }).min(1, { error: 'must not be empty' }).optional(),
      master: z.boolean({ error: 'must be true or false' }).optional(),
      intervals: z
        .strictObject({
          node_seconds: seconds.optional(),
          container_seconds: seconds.optional(),
        })
        .optional(),
      containers: z
        .array(z.string({ error: 'must be a container name or ID' }).min(1), {
          error: 'must be a list of container names or IDs',
        })
        .optional(),
      /** ringmon: sample every running container. */
      all_containers: z.boolean({ error: 'must be true or false' }).optional(),
      /** ringmon: where the proc filesystem is mounted (`--proc`), e.g. /host/proc in a container. */
      proc_root: z
        .string({ error: 'must be a directory path' })
        .min(1, { error: 'must not be empty' })
        .optional(),
      /** ringmon: where the sys filesystem is mounted (`--sys`). */
      sys_root: z
        .string({ error: 'must be a directory path' })
        .min(1, { error: 'must not be empty' })
        .optional(),
      /** ringmon: the block devices that count (`--disk-include`); replaces the automatic choice. */
      disk_include: deviceNames.optional(),
      /** ringmon: block devices never counted (`--disk-exclude`). */
      disk_exclude: deviceNames.optional(),
      /** ringmon: the network interfaces that count (`--net-include`); replaces the automatic choice. */
      net_include: deviceNames.optional(),
      /** ringmon: network interfaces never counted (`--net-exclude`). */
      net_exclude: deviceNames.optional(),
      /** ringmon: rows kept in memory while the database is unreachable (Telegraf's metric_buffer_limit). */
      buffer_rows: z
        .number({ error: 'must be a whole number of rows' })
        .int({ error: 'must be a whole number of rows' })
        .min(1, { error: 'must be at least 1' })
        .optional(),
    })
    .optional(),
  logging: z
    .strictObject({
      level: z
        .string({ error: `must be one of ${LOG_LEVELS.join(', ')}` })
        .transform((level) => level.toLowerCase())
        .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
        .optional(),
      file: z.string({ error: 'must be a file path' }).min(1).optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
