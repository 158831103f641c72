/**
 * The pages' entry module, /assets/dashboard.js: reads the shell's config and draws the page the
 * URL names (/, /node, /container). The server sends one HTML shell for all three.
 */
import { Api } from './api.js';
import { CONFIG_ELEMENT_ID, type PageConfig } from './config.js';
import { errorMessage, showError } from './dom.js';
import { overview } from './overview.js';
import { type PageContext, setState } from './page.js';
import { seriesPage } from './series-page.js';

function start(): Promise<void> {
  const configText = document.getElementById(CONFIG_ELEMENT_ID)?.textContent;
  const app = document.getElementById('app');
  if (!configText || app === null)
    throw new Error('this page lacks the dashboard shell (its config or #app)');
  const query = new URLSearchParams(location.search);
  const ctx: PageContext = {
    config: JSON.parse(configText) as PageConfig,
    api: new Api(query.get('token')),
    query,
    app,
  };
  // The last path segment, so the pages also work behind a proxy under a path prefix.
  const page = location.pathname.replace(/\/+$/, '').split('/').pop();
  return page === 'node' || page === 'container' ? seriesPage(ctx, page) : overview(ctx);
}

// A rejection from start's synchronous part and from the page alike end here.
Promise.resolve()
  .then(start)
  .catch((err: unknown) => {
    setState('error');
    showError(errorMessage(err));
  });
