/**
 * What the server tells the page besides data: the charts to draw and the limits it keeps. The
 * server writes it as JSON into the HTML shell (server/assets.ts) and the page reads it back
 * (dashboard.ts), so both sides build and read one shape, declared here. Pure: no DOM, no Node.
 */

/** One line of a chart: a ring column. */
export interface SeriesSpec<Column extends string = string> {
  readonly column: Column;
  readonly label: string;
  /** Drawn dashed: a ceiling (total memory, a container's limit), not a measured load. */
  readonly dashed?: boolean;
  /** The column's help text (columns.ts). */
  readonly help: string;
}

/** One chart of a node's or a container's page (src/web/charts.ts defines them). */
export interface ChartSpec<Column extends string = string> {
  /** Stable id; the page sets it as `data-chart` on the chart's element. */
  readonly id: string;
  readonly title: string;
  /** CPU parts are shares of one whole: stacked, they show where the busy time went. */
  readonly stacked?: boolean;
  /**
   * A stacked chart's line at the top of the stack, labelled so: the sum of its parts. Without
   * it, the top of the stack would be the last part's outline, read as a total it is not.
   */
  readonly total?: string;
  /** What the chart says instead of empty axes when the window has no value for it. */
  readonly empty?: string;
  /** The unit all its series share (columns.ts). */
  readonly unit: string;
  readonly series: readonly SeriesSpec<Column>[];
}

/** The JSON in the shell's `<script id="ringmon-config" type="application/json">`. */
export interface PageConfig {
  readonly nodeCharts: readonly ChartSpec[];
  readonly containerCharts: readonly ChartSpec[];
  /** Points a chart draws at most; /api/samples gives a longer window as this many steps (their maxima). */
  readonly maxPoints: number;
  /** A writer is stale after this many of its intervals without a sample. */
  readonly staleIntervals: number;
  /** Samples stamped more than this many seconds after the server's clock are not drawn. */
  readonly clockAheadToleranceSeconds: number;
}

/** The id of the element that carries the {@link PageConfig}. */
export const CONFIG_ELEMENT_ID = 'ringmon-config';

/** The columns a page's charts read, each once, in chart order: what it asks /api/samples for (`fields`). */
export function chartColumns<Column extends string>(charts: readonly ChartSpec<Column>[]): Column[] {
  return [...new Set(charts.flatMap((c) => c.series.map((x) => x.column)))];
}
