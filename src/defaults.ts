/** Every default in one place; the CLI, the agent and the dashboard read this object. */
export const DEFAULTS = {
  /** Root of the proc filesystem; point it at a fixture tree to read another machine. */
  procRoot: '/proc',
  /** Root of the sys filesystem. */
  sysRoot: '/sys',
  /** Seconds between the two snapshots of a one-off sample, and between agent ticks. */
  intervalSeconds: 1,
  /** The spec's default table name. */
  tableName: 'monitor_samples_ring',
  /** The spec's default ring capacity (rows). */
  capacity: 10_000,
  /** Rows kept in memory while the database is unreachable (Telegraf's metric_buffer_limit default). */
  bufferRows: 10_000,
  /** The dashboard's TCP port. */
  dashboardPort: 8080,
  /** The dashboard's address: loopback, so nothing is exposed unless asked for (with a token). */
  dashboardBind: '127.0.0.1',
} as const;

/**
 * The longest cleanup window: a thousand years. Past it a cutoff stops being a real epoch second
 * (1e300 hours overflows sample_time's BIGINT), so a larger value is a mistake, not a wish.
 */
export const MAX_KEEP_HOURS = 24 * 365 * 1000;

/**
 * A sample stamped more than this far after the reader's clock is from the future: its writer's
 * clock is ahead. Reads of the newest samples pass over it, and status and the dashboard flag the
 * writer; clocks a few seconds apart (NTP on every host) stay well inside.
 */
export const CLOCK_AHEAD_TOLERANCE_SECONDS = 60;
