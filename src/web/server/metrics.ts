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
  // The shortest text that reads back as the value: when it has at most 12 characters (so at most
  // 12 significant digits) it is what rounding to 12 digits would print, and the slow path (three
  // conversions, most of the render's time at 11,000 series) is skipped.
  const text = String(value);
  if (text.length <= 12) return text;
  // REAL columns hold ~7 significant digits; ×0.01 would otherwise print 0.33299999999999996.
  return String(Number(value.toPrecision(12)));
}

/**
 * Ring value → its text. A percentage is first divided by 100: division is correctly rounded, so
 * 33.3 / 100 is the double nearest 0.333, which prints short, where 33.3 × 0.01 is
 * 0.33299999999999996 and needs formatValue's slow path. A short quotient is what that path would
 * print (both are within a few units of the last place of a decimal of at most 12 digits); any
 * other value takes the path as before, so the text is the same either way.
 */
function scaler(factor: number): (value: number) => string {
  const slow = (v: number) => formatValue(v * factor);
  if (factor === 1) return formatValue;
  const divisor = Math.round(1 / factor);
  if (factor >= 1 || divisor * factor !== 1) return slow;
  return (v) => {
    const text = String(v / divisor);
    return text.length <= 12 ? text : slow(v);
  };
}

/**
 * The exposition text for the newest rows (RingStore.latest()). Host rows get container="";
 * a NULL value leaves that series out of the scrape.
 */
export function renderMetrics(rows: readonly Partial<SampleRow>[]): string {
  return metricsBody(rows).toString('utf8');
}

/**
 * renderMetrics as the bytes /metrics sends. At 11,000 pairs the text is ~19 MB in ~370,000 lines:
 * each family's name and each series' labels are encoded once and copied into one growing buffer,
 * only the values are written per line. Joining the lines as strings and encoding the result took
 * ~180 ms on the development machine, this ~75 (bench/dashboard.ts).
 */
export function metricsBody(rows: readonly Partial<SampleRow>[]): Buffer {
  const seen = new Set<string>();
  const labelled: { labels: Buffer; row: Partial<SampleRow> }[] = [];
  let longest = 0;
  for (const row of rows) {
    const node = String(row.node_name ?? '');
    const container = row.node_flag === true ? '' : String(row.container_name ?? '');
    const labels = `{node="${escapeLabel(node)}",container="${escapeLabel(container)}"} `;
    // The exposition must not repeat a series; latest() gives one row per pair, this keeps it so.
    if (seen.has(labels)) continue;
    seen.add(labels);
    const bytes = Buffer.from(labels, 'utf8');
    longest = Math.max(longest, bytes.length);
    labelled.push({ labels: bytes, row });
  }
  const out = new Growing(64 * 1024);
  for (const f of METRIC_FAMILIES) {
    out.text(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} gauge\n`);
    const scale = scaler(f.factor);
    const column = f.column;
    const name = Buffer.from(f.name, 'utf8');
    // A value's text is at most 25 bytes (-1.2345678901234567e-100), and the newline.
    const line = name.length + longest + 26;
    for (const { labels, row } of labelled) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      out.reserve(line);
      out.bytes(name);
      out.bytes(labels);
      out.ascii(scale(typeof value === 'number' ? value : Number(value)));
      out.newline();
    }
  }
  return out.done();
}

/** A buffer that doubles when a write would not fit; `reserve` before the unchecked writes. */
class Growing {
  #buf: Buffer;
  #at = 0;
  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }
  reserve(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
  }
  text(s: string): void {
    this.reserve(Buffer.byteLength(s, 'utf8'));
    this.#at += this.#buf.write(s, this.#at, 'utf8');
  }
  bytes(b: Buffer): void {
    this.#at += b.copy(this.#buf, this.#at);
  }
  ascii(s: string): void {
    this.#at += this.#buf.write(s, this.#at, 'latin1');
  }
  newline(): void {
    this.#buf[this.#at++] = 10;
  }
  done(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }
}
