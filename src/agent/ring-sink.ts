import type { SampleInput } from '../columns.js';
import { isPassing } from '../store/errors.js';
import type { RingStore } from '../store/ring/ring.js';
import type { RowSink } from './agent.js';

/**
 * The ring as the agent's sink. The ring may not be open yet: an agent that starts while the
 * database is down, full of connections or starting up samples into its buffer, and the sink opens
 * the ring on the first write that finds the database there. A failure to open that time cannot
 * mend (a refused login, a table of another shape) is fatal: the agent stops. After a write that
 * failed for a passing reason, `shouldReopen` may close the ring so that the next write opens it
 * afresh: an agent that is a client of another process's embedded store does, because reopening is
 * how it takes the directory over once that owner has gone.
 *
 * `contains` answers the one question a lost answer leaves open — did that batch commit? — by
 * looking for its last row, equal in every column (RingStore.holds).
 */
export class RingSink implements RowSink {
  #store: RingStore | null;
  readonly #open: () => Promise<RingStore>;
  readonly #fatal = new WeakSet<object>();
  readonly #shouldReopen: () => Promise<boolean>;

  /**
   * `store`: the ring when it is open already; `open`: opens it (again) when it is not;
   * `shouldReopen`: after a passing failure, closes the ring and says true when it should be opened
   * again.
   */
  constructor(
    store: RingStore | null,
    open: () => Promise<RingStore>,
    shouldReopen: () => Promise<boolean> = async () => false,
  ) {
    this.#store = store;
    this.#open = open;
    this.#shouldReopen = shouldReopen;
  }

  /** The open ring, or null while the database has not been reached. */
  get store(): RingStore | null {
    return this.#store;
  }

  async #ring(): Promise<RingStore> {
    if (this.#store) return this.#store;
    try {
      this.#store = await this.#open();
    } catch (error) {
      if (!isPassing(error) && typeof error === 'object' && error !== null) this.#fatal.add(error);
      throw error;
    }
    return this.#store;
  }

  /** Runs `fn` on the open ring; a passing failure may close it for the next call to reopen. */
  async #use<T>(fn: (store: RingStore) => Promise<T>): Promise<T> {
    const store = await this.#ring();
    try {
      return await fn(store);
    } catch (error) {
      await this.#failed(store, error);
      throw error;
    }
  }

  /** After `store` failed with `error`: a passing failure may close it for the next call to reopen. */
  async #failed(store: RingStore, error: unknown): Promise<void> {
    if (isPassing(error) && this.#store === store && (await this.#shouldReopen())) this.#store = null;
  }

  // #use written out: the write runs every tick, and a closure a call is garbage a tick.
  async write(rows: readonly SampleInput[]): Promise<unknown> {
    const store = this.#store ?? (await this.#ring());
    try {
      return await store.write(rows);
    } catch (error) {
      await this.#failed(store, error);
      throw error;
    }
  }

  contains(row: SampleInput): Promise<boolean> {
    return this.#use((store) => store.holds(row));
  }

  describe(): string {
    return this.#store?.backend.target ?? 'the database (not reached yet)';
  }

  isFatal(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.#fatal.has(error);
  }
}

/** A sink over a ring that is open already. */
export function ringSink(store: RingStore): RowSink {
  return new RingSink(store, async () => store);
}
