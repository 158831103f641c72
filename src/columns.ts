/**
 * The spec's table, once. Every other place that knows about columns (the DDL, the INSERT text,
 * the row type, the CLI's tables, the Prometheus families) derives from this list, in the spec's order.
 *
 * Units: sizes in MiB (2^20 bytes), rates per second, CPU in percent of the whole host (0–100),
 * temperature in °C, sample_time in UTC epoch seconds.
 */

/** Which rows fill a metric column: host rows, container rows, or both. */
export type ColumnScope = 'identity' | 'node' | 'container' | 'both';

/** The TypeScript type a column's values take in a row. */
type TsKind = 'number' | 'integer' | 'boolean' | 'text' | 'bigint-number';

export interface ColumnSpec {
  /** Column name, exactly as in the spec. */
  readonly name: string;
  /** SQL type and constraints, exactly as in the spec's CREATE TABLE. */
  readonly sql: string;
  /** Which rows fill it. */
  readonly scope: ColumnScope;
  /** Value type in a TypeScript row. */
  readonly ts: TsKind;
  /** Unit shown to people (CLI tables, Prometheus HELP); '' for identity columns. */
  readonly unit: string;
  /** One line: what it is and where it comes from. */
  readonly help: string;
}

const col = <N extends string, S extends ColumnScope, T extends TsKind>(
  name: N,
  sql: string,
  scope: S,
  ts: T,
  unit: string,
  help: string,
) => ({ name, sql, scope, ts, unit, help }) as const;

/** The spec's "Database Schema", column for column. */
/**
 * The longest node or container name, in characters, for the agent, the library and the dashboard
 * alike: a host name is at most 253 (DNS), and two names of this length fit in one btree index
 * entry (PostgreSQL's limit is 2,704 bytes) even at four bytes a character.
 */
export const MAX_NAME_LENGTH = 255;

export const COLUMNS = [
  col(
    'id',
    'BIGSERIAL PRIMARY KEY',
    'identity',
    'bigint-number',
    '',
    'sequence number of the write that last filled this slot',
  ),
  col('slot', 'INTEGER UNIQUE NOT NULL', 'identity', 'integer', '', 'circular buffer slot, 0 … capacity−1'),
  col(
    'sample_time',
    'BIGINT',
    'identity',
    'bigint-number',
    's',
    'UTC epoch seconds at the end of the sample window',
  ),
  col(
    'master_flag',
    'BOOLEAN NOT NULL DEFAULT FALSE',
    'identity',
    'boolean',
    '',
    'written by the master agent',
  ),
  col(
    'node_flag',
    'BOOLEAN NOT NULL',
    'identity',
    'boolean',
    '',
    'true for a host row, false for a container row',
  ),
  col('node_name', 'TEXT NOT NULL', 'identity', 'text', '', 'host name (or the configured node name)'),
  col('container_name', 'TEXT', 'identity', 'text', '', 'container display name; NULL on host rows'),

  col(
    'cpu_user_pct',
    'REAL',
    'both',
    'number',
    '%',
    'CPU in user mode, net of guest (host: /proc/stat; container: usage_in_usermode)',
  ),
  col(
    'cpu_nice_pct',
    'REAL',
    'node',
    'number',
    '%',
    'CPU in niced user mode, net of guest_nice (/proc/stat)',
  ),
  col(
    'cpu_system_pct',
    'REAL',
    'both',
    'number',
    '%',
    'CPU in kernel mode (host: /proc/stat; container: usage_in_kernelmode)',
  ),
  col('cpu_idle_pct', 'REAL', 'node', 'number', '%', 'CPU idle (/proc/stat)'),
  col('cpu_iowait_pct', 'REAL', 'node', 'number', '%', 'CPU idle waiting for I/O (/proc/stat)'),
  col('cpu_irq_pct', 'REAL', 'node', 'number', '%', 'CPU servicing hardware interrupts (/proc/stat)'),
  col('cpu_softirq_pct', 'REAL', 'node', 'number', '%', 'CPU servicing soft interrupts (/proc/stat)'),
  col('cpu_steal_pct', 'REAL', 'node', 'number', '%', 'CPU stolen by the hypervisor (/proc/stat)'),
  col('cpu_guest_pct', 'REAL', 'node', 'number', '%', 'CPU running guests (/proc/stat)'),
  col('cpu_guest_nice_pct', 'REAL', 'node', 'number', '%', 'CPU running niced guests (/proc/stat)'),
  col(
    'cpu_total_pct',
    'REAL',
    'both',
    'number',
    '%',
    'CPU busy: 100 − idle − iowait (host); Δusage ÷ Δsystem (container)',
  ),

  col('load_1m', 'REAL', 'node', 'number', '', 'load average over 1 minute (/proc/loadavg)'),
  col('load_5m', 'REAL', 'node', 'number', '', 'load average over 5 minutes (/proc/loadavg)'),
  col('load_15m', 'REAL', 'node', 'number', '', 'load average over 15 minutes (/proc/loadavg)'),
  col('ctx_switches_s', 'REAL', 'node', 'number', '/s', 'context switches per second (/proc/stat ctxt)'),
  col(
    'interrupts_s',
    'REAL',
    'node',
    'number',
    '/s',
    'interrupts per second (/proc/stat intr, first number)',
  ),
  col('procs_running', 'INTEGER', 'node', 'integer', '', 'runnable tasks (/proc/stat)'),
  col('procs_blocked', 'INTEGER', 'node', 'integer', '', 'tasks blocked on I/O (/proc/stat)'),

  col('mem_total_mb', 'INTEGER', 'node', 'integer', 'MiB', 'MemTotal (/proc/meminfo)'),
  col('mem_free_mb', 'INTEGER', 'node', 'integer', 'MiB', 'MemFree (/proc/meminfo)'),
  col(
    'mem_available_mb',
    'INTEGER',
    'node',
    'integer',
    'MiB',
    'MemAvailable (/proc/meminfo); NULL on kernels without it',
  ),
  col('mem_buffers_mb', 'INTEGER', 'node', 'integer', 'MiB', 'Buffers (/proc/meminfo)'),
  col(
    'mem_cached_mb',
    'INTEGER',
    'node',
    'integer',
    'MiB',
    'Cached + SReclaimable (/proc/meminfo), as free(1) and psutil',
  ),
  col('swap_total_mb', 'INTEGER', 'node', 'integer', 'MiB', 'SwapTotal (/proc/meminfo)'),
  col('swap_free_mb', 'INTEGER', 'node', 'integer', 'MiB', 'SwapFree (/proc/meminfo)'),
  col('swap_used_mb', 'INTEGER', 'node', 'integer', 'MiB', 'SwapTotal − SwapFree (/proc/meminfo)'),

  col(
    'c_rss_mb',
    'INTEGER',
    'container',
    'integer',
    'MiB',
    'container memory in use, as docker stats shows it',
  ),
  col(
    'c_vsz_mb',
    'INTEGER',
    'container',
    'integer',
    'MiB',
    'container memory limit (host memory when unlimited)',
  ),
  col('c_shared_mb', 'INTEGER', 'container', 'integer', 'MiB', 'container shared memory (shmem)'),

  col(
    'disk_read_mb_s',
    'REAL',
    'both',
    'number',
    'MiB/s',
    'bytes read per second (sectors × 512; whole physical disks)',
  ),
  col(
    'disk_write_mb_s',
    'REAL',
    'both',
    'number',
    'MiB/s',
    'bytes written per second (sectors × 512; whole physical disks)',
  ),
  col('disk_read_iops', 'REAL', 'both', 'number', '/s', 'reads completed per second'),
  col('disk_write_iops', 'REAL', 'both', 'number', '/s', 'writes completed per second'),
  col(
    'disk_util_pct',
    'REAL',
    'node',
    'number',
    '%',
    'time the busiest counted disk had I/O in flight (Δio_ticks ÷ Δwall)',
  ),

  col('net_rx_mb_s', 'REAL', 'both', 'number', 'MiB/s', 'bytes received per second (physical interfaces)'),
  col('net_tx_mb_s', 'REAL', 'both', 'number', 'MiB/s', 'bytes sent per second (physical interfaces)'),
  col('net_rx_pkts_s', 'REAL', 'both', 'number', '/s', 'packets received per second'),
  col('net_tx_pkts_s', 'REAL', 'both', 'number', '/s', 'packets sent per second'),
  col('net_rx_errs_s', 'REAL', 'both', 'number', '/s', 'receive errors per second'),
  col('net_tx_errs_s', 'REAL', 'both', 'number', '/s', 'transmit errors per second'),
  col('net_rx_drops_s', 'REAL', 'both', 'number', '/s', 'received packets dropped per second'),
  col('net_tx_drops_s', 'REAL', 'both', 'number', '/s', 'sent packets dropped per second'),

  col('temperature_c', 'REAL', 'node', 'number', '°C', 'CPU temperature (hwmon, else a CPU thermal zone)'),

  col(
    'source',
    "TEXT NOT NULL DEFAULT 'psutil'",
    'identity',
    'text',
    '',
    'what produced the row (procfs, docker-api, docker-cli)',
  ),
  col(
    'interval_seconds',
    'INTEGER',
    'identity',
    'integer',
    's',
    'nominal sampling interval in whole seconds, rounded up (a 0.2 s agent stores 1, never 0)',
  ),
] as const satisfies readonly ColumnSpec[];

export type ColumnName = (typeof COLUMNS)[number]['name'];

type TsOf<K extends TsKind> = K extends 'boolean' ? boolean : K extends 'text' ? string : number;

/** A stored row: every column of the spec, NULL as `null`. */
export type SampleRow = {
  [C in (typeof COLUMNS)[number] as C['name']]: TsOf<C['ts']> | null;
};

/** The metric columns (everything a collector measures), in the spec's order. */
export const METRIC_COLUMNS = COLUMNS.filter((c) => c.scope !== 'identity');

export type MetricName = Exclude<
  ColumnName,
  Extract<(typeof COLUMNS)[number], { scope: 'identity' }>['name']
>;

/** The metric columns host rows fill, and those container rows fill. */
export type NodeMetricName = Extract<(typeof COLUMNS)[number], { scope: 'node' | 'both' }>['name'];
export type ContainerMetricName = Extract<(typeof COLUMNS)[number], { scope: 'container' | 'both' }>['name'];

/** The metrics of one sample: each measured value, or `null` where it is unknown this time. */
export type Metrics = { [M in MetricName]: number | null };

/** Columns of host rows and of container rows. */
export const NODE_METRIC_COLUMNS = METRIC_COLUMNS.filter((c) => c.scope === 'node' || c.scope === 'both');
export const CONTAINER_METRIC_COLUMNS = METRIC_COLUMNS.filter(
  (c) => c.scope === 'container' || c.scope === 'both',
);

/** A row as a writer hands it to the store: identity plus whichever metrics it has; the rest are NULL. */
export type SampleInput = {
  sample_time: number;
  node_flag: boolean;
  node_name: string;
  master_flag?: boolean;
  container_name?: string | null;
  source?: string;
  interval_seconds?: number | null;
} & Partial<Metrics>;

export const COLUMN_BY_NAME: ReadonlyMap<string, ColumnSpec> = new Map(COLUMNS.map((c) => [c.name, c]));
