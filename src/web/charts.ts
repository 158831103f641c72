/**
 * What the node and container pages chart. The pages receive these definitions as JSON in the HTML
 * shell (client/config.ts declares its shape), so a chart's series, units and help texts come from
 * columns.ts and nowhere else.
 */
import { COLUMN_BY_NAME, type MetricName } from '../columns.js';
import type { ChartSpec as PageChart, SeriesSpec } from './client/config.js';

export { chartColumns } from './client/config.js';

/** A chart of the pages, its series ring columns. */
export type ChartSpec = PageChart<MetricName>;

/** A chart as written below; its unit and its series' help texts come from columns.ts. */
interface ChartDef extends Omit<ChartSpec, 'unit' | 'series'> {
  readonly series: readonly SeriesDef[];
}

type SeriesDef = Omit<SeriesSpec<MetricName>, 'help'>;

const s = (column: MetricName, label: string, dashed?: 'dashed'): SeriesDef =>
  dashed ? { column, label, dashed: true } : { column, label };

/** Charts hosts and containers share: the same columns and the same meaning for both. */
const DISK: readonly ChartDef[] = [
  {
    id: 'disk',
    title: 'Disk throughput',
    series: [s('disk_read_mb_s', 'read'), s('disk_write_mb_s', 'write')],
  },
  { id: 'iops', title: 'Disk IOPS', series: [s('disk_read_iops', 'reads'), s('disk_write_iops', 'writes')] },
];
const NETWORK: readonly ChartDef[] = [
  {
    id: 'net',
    title: 'Network throughput',
    series: [s('net_rx_mb_s', 'received'), s('net_tx_mb_s', 'sent')],
  },
  {
    id: 'packets',
    title: 'Network packets',
    series: [s('net_rx_pkts_s', 'received'), s('net_tx_pkts_s', 'sent')],
  },
];

const NODE: readonly ChartDef[] = [
  {
    id: 'cpu',
    title: 'CPU breakdown',
    stacked: true,
    // The sum of the parts: busy time, iowait included (idle is what is left up to 100 %).
    total: 'total busy',
    series: [
      s('cpu_user_pct', 'user'),
      s('cpu_nice_pct', 'nice'),
      s('cpu_system_pct', 'system'),
      s('cpu_iowait_pct', 'iowait'),
      s('cpu_irq_pct', 'irq'),
      s('cpu_softirq_pct', 'softirq'),
      s('cpu_steal_pct', 'steal'),
      s('cpu_guest_pct', 'guest'),
      s('cpu_guest_nice_pct', 'guest nice'),
    ],
  },
  {
    id: 'load',
    title: 'Load average',
    series: [s('load_1m', '1 min'), s('load_5m', '5 min'), s('load_15m', '15 min')],
  },
  {
    id: 'memory',
    title: 'Memory and swap',
    series: [
      s('mem_total_mb', 'total', 'dashed'),
      s('mem_available_mb', 'available'),
      s('mem_cached_mb', 'cached'),
      s('mem_buffers_mb', 'buffers'),
      s('mem_free_mb', 'free'),
      s('swap_used_mb', 'swap used'),
    ],
  },
  ...DISK,
  { id: 'util', title: 'Disk utilisation', series: [s('disk_util_pct', 'busiest disk')] },
  ...NETWORK,
  {
    id: 'errors',
    title: 'Network errors and drops',
    series: [
      s('net_rx_errs_s', 'rx errors'),
      s('net_tx_errs_s', 'tx errors'),
      s('net_rx_drops_s', 'rx drops'),
      s('net_tx_drops_s', 'tx drops'),
    ],
  },
  {
    id: 'temperature',
    title: 'CPU temperature',
    series: [s('temperature_c', 'CPU')],
    // The agent finds neither hwmon nor a CPU thermal zone on VMs and many containers' hosts.
    empty: 'No temperature sensor on this host',
  },
];

const CONTAINER: readonly ChartDef[] = [
  {
    id: 'cpu',
    title: 'CPU',
    series: [s('cpu_total_pct', 'total'), s('cpu_user_pct', 'user'), s('cpu_system_pct', 'system')],
  },
  {
    id: 'memory',
    title: 'Memory and its limit',
    series: [s('c_rss_mb', 'in use'), s('c_shared_mb', 'shared'), s('c_vsz_mb', 'limit', 'dashed')],
  },
  ...DISK,
  ...NETWORK,
];

function resolve(defs: readonly ChartDef[], scope: 'node' | 'container'): ChartSpec[] {
  return defs.map((def) => {
    const series = def.series.map((x) => {
      const col = COLUMN_BY_NAME.get(x.column);
      if (col === undefined || (col.scope !== scope && col.scope !== 'both')) {
        throw new Error(`charts.ts: ${x.column} is not a ${scope} column`);
      }
      return { ...x, help: col.help, unit: col.unit };
    });
    const units = new Set(series.map((x) => x.unit));
    if (units.size !== 1) throw new Error(`charts.ts: chart ${def.id} mixes units ${[...units].join(', ')}`);
    return { ...def, unit: series[0]?.unit ?? '', series: series.map(({ unit: _, ...rest }) => rest) };
  });
}

/** The charts of a node's page (`/node?name=N`), in page order. */
export const NODE_CHARTS: readonly ChartSpec[] = resolve(NODE, 'node');
/** The charts of a container's page (`/container?node=N&name=C`), in page order. */
export const CONTAINER_CHARTS: readonly ChartSpec[] = resolve(CONTAINER, 'container');
