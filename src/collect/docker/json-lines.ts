/**
 * A stream of newline-delimited JSON objects as the engine sends them (`/containers/{id}/stats?stream=true`
 * sends one object a second, `/events` one per event), kept as its latest complete line. Lines are not
 * parsed here: a stats frame is parsed only when a tick uses it.
 */
import type { Readable } from 'node:stream';

export class JsonLines {
  /** The latest complete line, or `null` before the first. */
  latest: string | null = null;
  /** How many lines have arrived. */
  seq = 0;
  /** The stream ended, failed or was closed: no more lines will come. */
  ended = false;
  readonly #stream: Readable;
  readonly #onLine: ((line: string) => void) | undefined;
  readonly #waiters = new Set<() => void>();
  #partial = '';

  constructor(stream: Readable, onLine?: (line: string) => void) {
    this.#stream = stream;
    this.#onLine = onLine;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.#push(chunk));
    const end = () => this.#end();
    stream.on('end', end);
    stream.on('error', end);
    stream.on('close', end);
  }

  /**
   * Resolves `true` once a line newer than `afterSeq` is there (at once if it already is), `false` when the
   * stream ends or `timeoutMs` passes first.
   */
  next(afterSeq: number, timeoutMs: number): Promise<boolean> {
    if (this.seq > afterSeq) return Promise.resolve(true);
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        if (this.seq <= afterSeq && !this.ended) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(this.seq > afterSeq);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(this.seq > afterSeq);
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Stops the stream (its socket is closed). */
  close(): void {
    this.#stream.destroy();
    this.#end();
  }

  #push(chunk: string): void {
    this.#partial += chunk;
    let newline = this.#partial.indexOf('\n');
    if (newline < 0) return;
    while (newline >= 0) {
      const line = this.#partial.slice(0, newline).trim();
      this.#partial = this.#partial.slice(newline + 1);
      if (line !== '') {
        this.latest = line;
        this.seq++;
        this.#onLine?.(line);
      }
      newline = this.#partial.indexOf('\n');
    }
    for (const wake of [...this.#waiters]) wake();
  }

  #end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const wake of [...this.#waiters]) wake();
  }
}
