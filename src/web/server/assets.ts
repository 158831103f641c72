/**
 * What the server sends that is not data: the HTML shell of every page, its script and style, and
 * uPlot from the installed package (node_modules/uplot/dist), so the pages need no internet.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLOCK_AHEAD_TOLERANCE_SECONDS } from '../../defaults.js';
import { RingmonError } from '../../errors.js';
import { STALE_INTERVALS } from '../../reads/staleness.js';
import { CONTAINER_CHARTS, NODE_CHARTS } from '../charts.js';
import { PAGE_SCRIPT } from '../page-script.js';

/** Points a chart draws at most; a window holding more rows is averaged into this many steps. */
export const MAX_CHART_POINTS = 1_500;

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const STYLE = `
:root { color-scheme: light; --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f9fafb; }
header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1.2rem; background: #111827; color: #f9fafb; }
header a { color: #f9fafb; font-weight: 600; text-decoration: none; }
header span { color: #9ca3af; font-size: 12px; }
main { padding: 1rem 1.2rem 3rem; }
h1 { font-size: 20px; margin: .2rem 0 .6rem; }
h1 small { font-weight: 400; color: var(--muted); }
h2 { font-size: 15px; margin: 1rem 0 .3rem; }
a { color: var(--accent); }
nav { font-size: 13px; margin-bottom: .3rem; }
#error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: .5rem .8rem; margin: .6rem 1.2rem 0; border-radius: 4px; }
table.overview { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
table.overview th, table.overview td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
table.overview thead th { font-size: 12px; color: var(--muted); font-weight: 600; background: #f3f4f6; }
table.overview td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.node th { font-weight: 600; }
tr.container th { font-weight: 400; padding-left: 1.4rem; }
.indent { color: var(--muted); }
.stale { display: inline-block; font-size: 11px; font-weight: 600; color: #92400e; background: #fef3c7; border: 1px solid #fcd34d; border-radius: 3px; padding: 0 .35rem; vertical-align: 1px; }
.summary, .status { color: var(--muted); margin: .2rem 0 .6rem; }
.windows { display: flex; gap: .3rem; align-items: center; margin: .4rem 0 .8rem; }
.windows button { font: inherit; padding: .2rem .7rem; border: 1px solid #d1d5db; background: #fff; border-radius: 4px; cursor: pointer; }
.windows button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.containers ul { margin: .2rem 0 .8rem; padding-left: 1.2rem; columns: 3 14rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: .8rem; }
figure.chart { margin: 0; padding: .5rem .6rem; background: #fff; border: 1px solid var(--line); border-radius: 4px; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: .2rem; }
figcaption .unit { font-weight: 400; color: var(--muted); }
.plot { width: 100%; min-height: 200px; }
.uplot .legend { font-size: 12px; }
`;

export function shellHtml(): string {
  const config = {
    nodeCharts: NODE_CHARTS,
    containerCharts: CONTAINER_CHARTS,
    maxPoints: MAX_CHART_POINTS,
    staleIntervals: STALE_INTERVALS,
    clockAheadToleranceSeconds: CLOCK_AHEAD_TOLERANCE_SECONDS,
  };
  // Inside <script>, "</script" would end the block: no "<" may appear in the JSON as written.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c');
  // Relative URLs throughout, so the dashboard also works behind a proxy under a path prefix.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ringmon</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/uPlot.min.css">
<link rel="stylesheet" href="assets/dashboard.css">
<script id="ringmon-config" type="application/json">${json}</script>
<script src="assets/uPlot.iife.min.js" defer></script>
<script src="assets/dashboard.js" defer></script>
</head>
<body data-state="loading">
<header><a href="./">ringmon</a><span>host and container monitor</span></header>
<div id="error" role="alert" hidden></div>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;
}

function asset(body: string | Buffer, type: string): Asset {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { body: buf, type, etag: `"${createHash('sha256').update(buf).digest('base64url').slice(0, 22)}"` };
}

function uplotFile(file: string): Buffer {
  try {
    const require = createRequire(import.meta.url);
    return readFileSync(require.resolve(`uplot/dist/${file}`));
  } catch (err) {
    throw new RingmonError(
      `cannot read uPlot's ${file} from the uplot package (${(err as NodeJS.ErrnoException).code ?? 'not found'}): reinstall ringmon's dependencies (npm ci)`,
      'runtime',
      { cause: err },
    );
  }
}

/** Everything under /assets/, read once when the server starts. */
export function loadAssets(): Map<string, Asset> {
  return new Map([
    ['dashboard.js', asset(PAGE_SCRIPT, 'text/javascript; charset=utf-8')],
    ['dashboard.css', asset(STYLE, 'text/css; charset=utf-8')],
    ['uPlot.iife.min.js', asset(uplotFile('uPlot.iife.min.js'), 'text/javascript; charset=utf-8')],
    ['uPlot.min.css', asset(uplotFile('uPlot.min.css'), 'text/css; charset=utf-8')],
  ]);
}
