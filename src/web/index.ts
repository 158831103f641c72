/**
 * The dashboard as a library: `startDashboard({ store })` serves the pages, the JSON API and
 * /metrics over a RingStore; `ringmon serve` and `ringmon run --serve` call it.
 */

export { STALE_INTERVALS } from '../reads/staleness.js';
export {
  type ChartMode,
  PEAK_MAX_ROWS,
  type WindowQuery,
  type WindowResult,
  type WindowRow,
} from '../store/ring/window.js';
export { type ChartSpec, CONTAINER_CHARTS, NODE_CHARTS } from './charts.js';
export {
  HttpError,
  MAX_ROWS,
  type NodeEntry,
  type NodesResponse,
  type SamplesResponse,
  type SeriesState,
} from './server/api.js';
export { MAX_CHART_POINTS } from './server/assets.js';
export { isLoopback, MIN_TOKEN_LENGTH } from './server/auth.js';
export {
  type Dashboard,
  type DashboardLog,
  type DashboardOptions,
  DEFAULT_BIND,
  DEFAULT_PORT,
  startDashboard,
} from './server/dashboard.js';
export { METRIC_FAMILIES, type MetricFamily, metricsBody, renderMetrics } from './server/metrics.js';
