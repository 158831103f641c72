/**
 * GET /metrics: the newest row of every node and container in the Prometheus text exposition format
 * 0.0.4, one gauge family per metric column of columns.ts.
 *
 * Prometheus names carry base units (its naming guide; `promtool check metrics` rejects `_mb` and
 * `_s` as abbreviated units), so a family is the column's name with its unit suffix replaced, and
 * its values are converted once here: % → ratio 0–1, MiB → bytes, MiB/s → bytes per second,
 * /s → per second, °C → celsius. HELP names the ring column it comes from.
 */
import { type ColumnSpec, METRIC_COLUMNS, type MetricName, type SampleRow } from '../../columns.js';
import { MIB } from '../../units.js';

export interface MetricFamily {
  /** Prometheus metric name. */
  readonly name: string;
  /** The ring column it reads. */
  readonly column: MetricName | 'sample_time' | 'interval_seconds';
  readonly help: string;
  /** Ring value × factor = exposed value. */
  readonly factor: number;
}

/** Unit in columns.ts → the column-name suffix that spells it, the Prometheus suffix, the factor. */
const UNITS: Record<string, { strip: RegExp; suffix: string; factor: number; say: string }> = {
  '%': { strip: /_pct$/, suffix: '_ratio', factor: 0.01, say: 'as a ratio 0–1' },
  MiB: { strip: /_mb$/, suffix: '_bytes', factor: MIB, say: 'in bytes' },
  'MiB/s': { strip: /_mb_s$/, suffix: '_bytes_per_second', factor: MIB, say: 'in bytes per second' },
  // disk_*_iops already say "per second"; ctx_switches_s and the net rates spell it `_s`.
  '/s': { strip: /_s$/, suffix: '_per_second', factor: 1, say: 'per second' },
  '°C': { strip: /_c$/, suffix: '_celsius', factor: 1, say: 'in °C' },
  '': { strip: /$^/, suffix: '', factor: 1, say: '' },
};

function family(c: ColumnSpec): MetricFamily {
  const unit = UNITS[c.unit];
  if (unit === undefined) throw new Error(`metrics.ts: no Prometheus unit for ${c.name} (unit ${c.unit})`);
  const stem = unit.strip.test(c.name) ? c.name.replace(unit.strip, '') : null;
  const name = stem === null ? c.name : `${stem}${unit.suffix}`;
  const how = unit.say === '' ? '' : `, ${unit.say}`;
  return {
    name: `ringmon_${name}`,
    column: c.name as MetricName,
    help: `${c.help} (ring column ${c.name}${how})`,
    factor: unit.factor,
  };
}

/** Every family /metrics exposes, in the spec's column order, then the sample's own time and interval. */
export const METRIC_FAMILIES: readonly MetricFamily[] = [
  ...METRIC_COLUMNS.map(family),
  {
    name: 'ringmon_sample_timestamp_seconds',
    column: 'sample_time',
    help: 'UTC epoch seconds at the end of the newest sample window (ring column sample_time)',
    factor: 1,
  },
  {
    name: 'ringmon_sample_interval_seconds',
    column: 'interval_seconds',
    help: 'nominal sampling interval of the newest sample (ring column interval_seconds)',
    factor: 1,
  },
];

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
const escapeLabel = (text: string) =>
  text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  // REAL columns hold ~7 significant digits; ×0.01 would otherwise print 0.33299999999999996.
  return String(Number(value.toPrecision(12)));
}

/**
 * The exposition text for the newest rows (RingStore.latest()). Host rows get container="";
 * a NULL value leaves that series out of the scrape.
 */
export function renderMetrics(rows: readonly Partial<SampleRow>[]): string {
  const seen = new Set<string>();
  const labelled: { labels: string; row: Partial<SampleRow> }[] = [];
  for (const row of rows) {
    const node = String(row.node_name ?? '');
    const container = row.node_flag === true ? '' : String(row.container_name ?? '');
    const labels = `{node="${escapeLabel(node)}",container="${escapeLabel(container)}"}`;
    // The exposition must not repeat a series; latest() gives one row per pair, this keeps it so.
    if (seen.has(labels)) continue;
    seen.add(labels);
    labelled.push({ labels, row });
  }
  const lines: string[] = [];
  for (const f of METRIC_FAMILIES) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`);
    for (const { labels, row } of labelled) {
      const value = row[f.column];
      if (value === null || value === undefined) continue;
      const n = Number(value);
      lines.push(`${f.name}${labels} ${formatValue(n * f.factor)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
