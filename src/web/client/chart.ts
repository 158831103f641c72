/**
 * One chart of a node's or container's page: a uPlot plot in a figure. uPlot comes as the classic
 * script /assets/uPlot.iife.min.js, which the shell loads before the modules and which defines the
 * global `uPlot`. Its types are the ones the uplot package ships, which declare that global too
 * (`export as namespace uPlot`; tsconfig.json allows it in modules).
 */
import type UPlot from 'uplot';
import type { ChartSpec } from './config.js';
import { formatNumber, MISSING } from './format.js';
import { type ChartData, type Columns, chartData } from './series.js';

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
const HEIGHT = 200;
const MIN_WIDTH = 200;

/** A chart of the page, drawn on the first render and updated in place after. */
export class Chart {
  readonly #spec: ChartSpec;
  readonly #figure: HTMLElement;
  #plot: UPlot | null = null;
  /** The values the legend shows: a stacked chart draws sums, but its legend gives each part. */
  #raw: ChartData['raw'] = [];

  /** `figure` holds a `.plot` element the plot fills. */
  constructor(spec: ChartSpec, figure: HTMLElement) {
    this.#spec = spec;
    this.#figure = figure;
  }

  /** Draws the columns; `step` (seconds per point, null for stored rows) goes on the figure. */
  render(columns: Columns, step: number | null): void {
    const data = chartData(this.#spec, columns);
    this.#raw = data.raw;
    this.#figure.dataset.points = String(data.draw[0].length);
    this.#figure.dataset.step = step === null ? '' : String(step);
    if (this.#plot) {
      this.#plot.setData(data.draw);
      return;
    }
    const holder = this.#holder();
    this.#plot = new uPlot(this.#options(holder.clientWidth), data.draw, holder);
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
    const series: UPlot.Series[] = spec.series.map((s, i) => {
      const color = COLORS[i % COLORS.length] as string;
      return {
        label: s.label,
        stroke: color,
        width: 1.5,
        fill: spec.stacked ? `${color}55` : undefined,
        dash: s.dashed ? [6, 4] : undefined,
        // Away from the cursor the legend shows the newest value, which is what people look for.
        value: (_u, _v, seriesIdx, idx) => {
          const values = this.#raw[seriesIdx - 1];
          if (!values || values.length === 0) return MISSING;
          return formatNumber(values[idx ?? values.length - 1], spec.unit);
        },
      };
    });
    const bands: UPlot.Band[] = [];
    if (spec.stacked) for (let i = 2; i <= spec.series.length; i++) bands.push({ series: [i, i - 1] });
    return {
      width: Math.max(MIN_WIDTH, width),
      height: HEIGHT,
      series: [{}, ...series],
      bands,
      scales: { x: { time: true } },
      cursor: { sync: { key: 'ringmon' } },
      axes: [{}, { size: 60, values: (_u, splits) => splits.map((v) => formatNumber(v)) }],
    };
  }
}
