/**
 * The page's requests to the JSON API, and its links to other pages: both carry the dashboard's
 * token when the page was opened with one.
 */
import type { NodesAnswer, SamplesAnswer } from './answers.js';

/** Requests and links of one page; `token` is the page's own `?token=`, null without one. */
export class Api {
  readonly #token: string | null;

  constructor(token: string | null) {
    this.#token = token;
  }

  /** A link to another page, carrying the token along. */
  link(page: string, params: Record<string, string> = {}): string {
    const query = new URLSearchParams(params);
    if (this.#token) query.set('token', this.#token);
    const text = query.toString();
    return text ? `${page}?${text}` : page;
  }

  /** GET /api/nodes. */
  nodes(): Promise<NodesAnswer> {
    return this.#get('api/nodes', {});
  }

  /** GET /api/samples with these parameters. */
  samples(params: Record<string, string>): Promise<SamplesAnswer> {
    return this.#get('api/samples', params);
  }

  /** The answer's JSON; an error status throws with the server's one-line message. */
  async #get<T>(path: string, params: Record<string, string>): Promise<T> {
    // A header rather than ?token= keeps the token out of the API's request lines.
    const headers: Record<string, string> = this.#token ? { Authorization: `Bearer ${this.#token}` } : {};
    const res = await fetch(`${path}?${new URLSearchParams(params).toString()}`, {
      headers,
      cache: 'no-store',
    });
    let data: unknown = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const error = (data as { error?: unknown } | null)?.error;
      throw new Error(typeof error === 'string' && error ? error : `HTTP ${res.status}`);
    }
    return data as T;
  }
}
