/**
 * What the server sends that is not data: the HTML shell of every page, the page's modules and
 * style (src/web/client, compiled into dist/web/client by `npm run build`), and uPlot from the
 * installed package (node_modules/uplot/dist), so the pages need no internet.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CLOCK_AHEAD_TOLERANCE_SECONDS } from '../../defaults.js';
import { RingmonError } from '../../errors.js';
import { STALE_INTERVALS } from '../../reads/staleness.js';
import { CONTAINER_CHARTS, NODE_CHARTS } from '../charts.js';
import { CONFIG_ELEMENT_ID, type PageConfig } from '../client/config.js';

/** Points a chart draws at most; a window holding more rows is shown as this many steps (their maxima). */
export const MAX_CHART_POINTS = 1_500;

/**
 * The compiled page. This module runs from dist/web/server in the package and from src/web/server
 * under vitest: three levels up is the package root either way, and the page is only ever compiled.
 */
const CLIENT_DIR = fileURLToPath(new URL('../../../dist/web/client/', import.meta.url));

/** The module the shell loads; it imports the others. */
const ENTRY_MODULE = 'dashboard.js';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export function shellHtml(): string {
  const config: PageConfig = {
    nodeCharts: NODE_CHARTS,
    containerCharts: CONTAINER_CHARTS,
    maxPoints: MAX_CHART_POINTS,
    staleIntervals: STALE_INTERVALS,
    clockAheadToleranceSeconds: CLOCK_AHEAD_TOLERANCE_SECONDS,
  };
  // Inside <script>, "</script" would end the block: no "<" may appear in the JSON as written.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c');
  // Relative URLs throughout, so the dashboard also works behind a proxy under a path prefix.
  // uPlot is a classic script that defines the global uPlot; deferred, it runs before the module.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ringmon</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/uPlot.min.css">
<link rel="stylesheet" href="assets/dashboard.css">
<script id="${CONFIG_ELEMENT_ID}" type="application/json">${json}</script>
<script src="assets/uPlot.iife.min.js" defer></script>
<script type="module" src="assets/${ENTRY_MODULE}"></script>
</head>
<body data-state="loading">
<header><a href="./">ringmon</a><span>host and container monitor</span></header>
<div id="error" role="alert" hidden></div>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
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

/** The compiled page: every module of dist/web/client and its style. */
function clientFiles(): [string, Asset][] {
  let names: string[];
  try {
    names = readdirSync(CLIENT_DIR);
  } catch (err) {
    names = [];
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!names.includes(ENTRY_MODULE) || !names.includes('dashboard.css')) {
    throw new RingmonError(
      `the dashboard's page is not built (no ${ENTRY_MODULE} and dashboard.css in ${CLIENT_DIR}): run npm run build`,
      'runtime',
    );
  }
  return names
    .filter((name) => name.endsWith('.js') || name === 'dashboard.css')
    .map((name) => [
      name,
      asset(
        readFileSync(`${CLIENT_DIR}${name}`),
        name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      ),
    ]);
}

/** Everything under /assets/, read once when the server starts. */
export function loadAssets(): Map<string, Asset> {
  return new Map([
    ...clientFiles(),
    ['uPlot.iife.min.js', asset(uplotFile('uPlot.iife.min.js'), 'text/javascript; charset=utf-8')],
    ['uPlot.min.css', asset(uplotFile('uPlot.min.css'), 'text/css; charset=utf-8')],
  ]);
}
