/**
 * One chart of a node's or container's page: a uPlot plot in a figure. uPlot comes as the classic
 * script /assets/uPlot.iife.min.js, which the shell loads before the modules and which defines the
 * global `uPlot`. Its types are the ones the uplot package ships, which declare that global too
 * (`export as namespace uPlot`; tsconfig.json allows it in modules).
 */
import type UPlot from 'uplot';
import type { ChartSpec } from './config.js';
import { formatAxisTime, formatNumber, formatTick, formatWhen, MISSING, valueRange } from './format.js';
import { type ChartData, type Columns, chartData, hasValues, withGaps } from './series.js';

const COLORS = [
  '#2563eb',
  '#16a34a',
  '#dc2626',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#475569',
];
/** The stacked chart's total: darker than every part, so the top of the stack reads as the total. */
const TOTAL_COLOR = '#111827';
const HEIGHT = 200;
/** Narrow enough for a 420-px phone screen, less the page's margins. */
const MIN_WIDTH = 160;
/** What a chart without a message of its own says when the window has no value for it. */
export const NO_VALUES = 'No values in this window';
export const LOADING = 'Loading…';

/** A chart of the page, drawn on the first render and updated in place after. */
export class Chart {
  readonly #spec: ChartSpec;
  readonly #figure: HTMLElement;
  #plot: UPlot | null = null;
  /** The values the legend shows: a stacked chart draws sums, but its legend gives each part. */
  #raw: ChartData['raw'] = [];

  /** `figure` holds a `.plot` element the plot fills and a `.note` for what shows instead of it. */
  constructor(spec: ChartSpec, figure: HTMLElement) {
    this.#spec = spec;
    this.#figure = figure;
    // Until the first answer: a blank frame would read as "no data".
    figure.dataset.state = 'loading';
    this.#message(LOADING);
  }

  /**
   * Draws the columns, with a break wherever the writer was silent (series.ts, withGaps); `step`
   * (seconds per point, null for stored rows) goes on the figure. A window without any value for
   * the chart shows its message instead of empty axes.
   */
  render(columns: Columns, step: number | null): void {
    const { columns: gapped, gaps } = withGaps(columns, step);
    const data = chartData(this.#spec, gapped);
    this.#raw = data.raw;
    const figure = this.#figure.dataset;
    figure.points = String(columns.sample_time.length);
    figure.gaps = String(gaps);
    figure.step = step === null ? '' : String(step);
    // The highest value drawn, which the value axis reaches (a spike included): for tests and styles.
    let top: number | null = null;
    for (const values of data.draw.slice(1))
      for (const v of values) if (v !== null && (top === null || v > top)) top = v;
    figure.max = top === null ? '' : String(top);
    const empty = !hasValues(this.#spec, columns);
    figure.state = empty ? 'empty' : 'drawn';
    this.#message(empty ? (this.#spec.empty ?? NO_VALUES) : null);
    if (this.#plot) {
      this.#plot.setData(data.draw);
      return;
    }
    if (empty) return;
    const holder = this.#holder();
    this.#plot = new uPlot(this.#options(holder.clientWidth), data.draw, holder);
  }

  /** Shows `text` in place of the plot (loading, no values); null shows the plot. */
  #message(text: string | null): void {
    const note = this.#figure.querySelector<HTMLElement>('.note');
    if (note !== null) {
      note.hidden = text === null;
      note.textContent = text ?? '';
    }
    this.#holder().hidden = text !== null;
  }

  /** Fits the plot to its holder's width again (the window was resized). */
  resize(): void {
    this.#plot?.setSize({ width: Math.max(MIN_WIDTH, this.#holder().clientWidth), height: HEIGHT });
  }

  #holder(): HTMLElement {
    const holder = this.#figure.querySelector<HTMLElement>('.plot');
    if (holder === null) throw new Error(`chart ${this.#spec.id} has no .plot element`);
    return holder;
  }

  #options(width: number): UPlot.Options {
    const spec = this.#spec;
    // Legend values: away from the cursor (idx null) the newest one, which is what people look for.
    const legend =
      (format: (v: number | null | undefined) => string) =>
      (_u: UPlot, _v: unknown, seriesIdx: number, idx: number | null): string => {
        const values = this.#raw[seriesIdx - 1];
        if (!values || values.length === 0) return MISSING;
        return format(values[idx ?? values.length - 1]);
      };
    const series: UPlot.Series[] = spec.series.map((s, i) => {
      const color = COLORS[i % COLORS.length] as string;
      return {
        label: s.label,
        stroke: color,
        // Stacked parts are areas without an outline: the last part's outline would be the top of
        // the stack, read as a total (an always-0 "guest nice" drawn there looked like one).
        width: spec.stacked ? 0 : 1.5,
        fill: spec.stacked ? `${color}66` : undefined,
        dash: s.dashed ? [6, 4] : undefined,
        value: legend((v) => formatNumber(v, spec.unit)),
      };
    });
    if (spec.stacked && spec.total !== undefined) {
      series.push({
        label: spec.total,
        stroke: TOTAL_COLOR,
        width: 2,
        value: legend((v) => formatNumber(v, spec.unit)),
      });
    }
    const bands: UPlot.Band[] = [];
    if (spec.stacked) for (let i = 2; i <= spec.series.length; i++) bands.push({ series: [i, i - 1] });
    const newest = (u: UPlot) => u.data[0][u.data[0].length - 1];
    return {
      width: Math.max(MIN_WIDTH, width),
      height: HEIGHT,
      series: [
        // The time of the point under the cursor, or of the newest sample when it is away.
        { value: (u, v) => formatWhen(v ?? newest(u)) },
        ...series,
      ],
      bands,
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => valueRange(min, max) },
      },
      cursor: { sync: { key: 'ringmon' } },
      axes: [
        { values: (_u, splits, _axis, _space, incr) => splits.map((v) => formatAxisTime(v, incr)) },
        { size: 60, values: (_u, splits, _axis, _space, incr) => splits.map((v) => formatTick(v, incr)) },
      ],
    };
  }
}
