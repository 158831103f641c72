/**
 * Fills a ring server-side with a fleet whose figures look like a machine's (slow waves, not noise),
 * in one INSERT … SELECT generate_series: the dashboard tests and `npm run bench -- dashboard` use it.
 * Rows are laid out as the ring would have written them, oldest first: id n in slot n − 1.
 */
import { METRIC_COLUMNS, type MetricName } from '../../src/columns.js';
import type { RingStore } from '../../src/store/ring/ring.js';
import { quoteIdent } from '../../src/store/ring/schema.js';

export interface Series {
  node: string;
  /** A container's rows; a host's when absent. */
  container?: string;
  master?: boolean;
  /** Seconds between samples (default 1). */
  interval?: number;
  /** sample_time of the newest row. */
  end: number;
  /** Rows, `interval` seconds apart, ending at `end`. */
  rows: number;
}

const wave = (base: number, amp: number, period: number) =>
  `(${base} + ${amp} * sin(x.tf / ${period} + x.ord))`;
const pos = (expr: string) => `greatest(0, ${expr})`;

const CPU_PARTS = {
  cpu_user_pct: wave(18, 12, 600),
  cpu_nice_pct: wave(1, 0.5, 97),
  cpu_system_pct: wave(6, 3, 300),
  cpu_iowait_pct: pos(wave(1.5, 2, 450)),
  cpu_irq_pct: '0.3',
  cpu_softirq_pct: wave(0.8, 0.3, 60),
  cpu_steal_pct: pos(wave(0.1, 0.3, 1300)),
  cpu_guest_pct: '0',
  cpu_guest_nice_pct: '0',
} satisfies Partial<Record<MetricName, string>>;
const busy = Object.values(CPU_PARTS).join(' + ');

const HOST: Partial<Record<MetricName, string>> = {
  ...CPU_PARTS,
  cpu_idle_pct: `100 - (${busy})`,
  cpu_total_pct: `${busy} - ${CPU_PARTS.cpu_iowait_pct}`,
  load_1m: pos(wave(1.5, 1, 300)),
  load_5m: pos(wave(1.4, 0.6, 900)),
  load_15m: pos(wave(1.3, 0.3, 2700)),
  ctx_switches_s: wave(5000, 1500, 240),
  interrupts_s: wave(3000, 800, 240),
  procs_running: wave(2, 1, 120),
  procs_blocked: pos(wave(0, 1, 500)),
  mem_total_mb: '16000',
  mem_available_mb: wave(9000, 2000, 1800),
  mem_free_mb: wave(4000, 2000, 1800),
  mem_buffers_mb: '300',
  mem_cached_mb: wave(4200, 500, 3600),
  swap_total_mb: '2048',
  swap_used_mb: wave(150, 50, 2000),
  swap_free_mb: `2048 - ${wave(150, 50, 2000)}`,
  disk_read_mb_s: pos(wave(5, 6, 120)),
  disk_write_mb_s: pos(wave(3, 3, 200)),
  disk_read_iops: pos(wave(300, 350, 120)),
  disk_write_iops: pos(wave(150, 120, 200)),
  disk_util_pct: pos(wave(12, 10, 150)),
  net_rx_mb_s: pos(wave(2, 2, 200)),
  net_tx_mb_s: pos(wave(1, 0.8, 260)),
  net_rx_pkts_s: pos(wave(1500, 1400, 200)),
  net_tx_pkts_s: pos(wave(900, 700, 260)),
  net_rx_errs_s: pos(`(sin(x.tf / 50 + x.ord) - 0.95) * 40`),
  net_tx_errs_s: '0',
  net_rx_drops_s: pos(`(sin(x.tf / 70 + x.ord) - 0.9) * 30`),
  net_tx_drops_s: pos(`(sin(x.tf / 90 + x.ord) - 0.97) * 30`),
  temperature_c: wave(48, 6, 700),
};

const CONTAINER: Partial<Record<MetricName, string>> = {
  cpu_user_pct: pos(wave(3, 2, 180)),
  cpu_system_pct: pos(wave(1, 0.5, 180)),
  cpu_total_pct: `${pos(wave(3, 2, 180))} + ${pos(wave(1, 0.5, 180))}`,
  c_rss_mb: wave(300, 100, 900),
  c_vsz_mb: '1024',
  c_shared_mb: '20',
  disk_read_mb_s: pos(wave(0.5, 0.6, 130)),
  disk_write_mb_s: pos(wave(0.3, 0.3, 210)),
  disk_read_iops: pos(wave(30, 35, 130)),
  disk_write_iops: pos(wave(15, 12, 210)),
  net_rx_mb_s: pos(wave(0.2, 0.2, 170)),
  net_tx_mb_s: pos(wave(0.1, 0.08, 230)),
  net_rx_pkts_s: pos(wave(150, 140, 170)),
  net_tx_pkts_s: pos(wave(90, 70, 230)),
  net_rx_errs_s: '0',
  net_tx_errs_s: '0',
  net_rx_drops_s: '0',
  net_tx_drops_s: '0',
};

/** The statement and its parameters; ids start at `firstId`. */
export function fleetInsert(
  table: string,
  fleet: readonly Series[],
  firstId = 1,
): { sql: string; params: unknown[] } {
  const cast = (name: string) =>
    METRIC_COLUMNS.find((c) => c.name === name)?.ts === 'integer' ? '::integer' : '::real';
  const metrics = METRIC_COLUMNS.map((c) => {
    const host = HOST[c.name as MetricName];
    const container = CONTAINER[c.name as MetricName];
    return `CASE WHEN x.container IS NULL THEN ${host ?? 'NULL'} ELSE ${container ?? 'NULL'} END${cast(c.name)}`;
  });
  const sql = `INSERT INTO ${quoteIdent(table)} (id, slot, sample_time, master_flag, node_flag, node_name, container_name,
      source, interval_seconds, ${METRIC_COLUMNS.map((c) => quoteIdent(c.name)).join(', ')})
    SELECT x.n, x.n - 1, x.t, x.master, x.container IS NULL, x.node, x.container, 'fleet', x.step,
           ${metrics.join(',\n           ')}
      FROM (SELECT row_number() OVER (ORDER BY s.end_t - (s.rows - 1 - k) * s.step, s.ord) + $7::bigint - 1 AS n,
                   s.end_t - (s.rows - 1 - k) * s.step AS t, (s.end_t - (s.rows - 1 - k) * s.step)::float8 AS tf,
                   s.ord::float8 AS ord,
                   s.node, nullif(s.container, '') AS container, s.master, s.step
              FROM unnest($1::text[], $2::text[], $3::boolean[], $4::integer[], $5::bigint[], $6::integer[])
                   WITH ORDINALITY AS s(node, container, master, step, end_t, rows, ord)
             CROSS JOIN LATERAL generate_series(0, s.rows - 1) AS k) x`;
  const params = [
    fleet.map((s) => s.node),
    fleet.map((s) => s.container ?? ''),
    fleet.map((s) => s.master ?? false),
    fleet.map((s) => s.interval ?? 1),
    fleet.map((s) => s.end),
    fleet.map((s) => s.rows),
    firstId,
  ];
  return { sql, params };
}

/** Runs one statement outside the store and returns its rows (a test backend's `sql`, a client's query). */
export type RunSql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Fills an empty ring (capacity ≥ the rows) through `sql`, a connection of the caller's (the store
 * keeps its own to itself), and makes the ring know its new rows and pairs.
 */
export async function fillFleet(sql: RunSql, store: RingStore, fleet: readonly Series[]): Promise<number> {
  const { sql: insert, params } = fleetInsert(store.table, fleet);
  const inserted = await sql(
    `WITH ins AS (${insert} RETURNING 1) SELECT count(*)::integer AS n FROM ins`,
    params,
  );
  const count = Number(inserted[0]?.n);
  const t = quoteIdent(store.table);
  await sql(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2::bigint)`, [t, count]);
  await store.refreshPairs();
  await sql(`ANALYZE ${t}`);
  return count;
}
