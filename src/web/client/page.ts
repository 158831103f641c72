/** What every page is given by dashboard.ts, and the state it reports on `<body>` for tests and styles. */
import type { Api } from './api.js';
import type { PageConfig } from './config.js';

/** The page's config, its API and its place in the document. */
export interface PageContext {
  readonly config: PageConfig;
  readonly api: Api;
  /** The page's own query string. */
  readonly query: URLSearchParams;
  /** The element the page draws into. */
  readonly app: HTMLElement;
}

/** `body[data-state]`: loading until the page shows its data, error when it could not. */
export function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
}

/**
 * Runs `refresh` now and again after the seconds each run returns; a failed run shows its error
 * and retries after `retrySeconds`. The first run's error is the caller's.
 */
export async function keepRefreshing(
  refresh: () => Promise<number>,
  onError: (err: unknown) => void,
  retrySeconds: number,
): Promise<void> {
  const loop = (seconds: number): void => {
    setTimeout(() => {
      refresh().then(loop, (err: unknown) => {
        onError(err);
        loop(retrySeconds);
      });
    }, seconds * 1000);
  };
  loop(await refresh());
}
