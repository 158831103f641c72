/**
 * Rows waiting to be written, oldest first, at most `limit` of them. While the database is down the
 * agent keeps sampling into this buffer; when it is full the oldest rows give way to the newest,
 * as a ring does, and the buffer counts how many it dropped.
 */
export class OutageBuffer<T> {
  readonly limit: number;
  #items: (T | undefined)[] = [];
  #head = 0;
  #dropped = 0;
  /** Rows that ever left the front (written or dropped): the position of the oldest row. */
  #removed = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`buffer limit must be a whole number ≥ 1, got ${limit}`);
    this.limit = limit;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Position of the oldest row among all rows ever pushed; `peek` starts there. */
  get position(): number {
    return this.#removed;
  }

  /** Rows dropped to make room since the last call; resets the count. */
  takeDropped(): number {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }

  /** Appends rows; when over the limit, drops the oldest. */
  push(rows: readonly T[]): void {
    for (const row of rows) this.#items.push(row);
    const excess = this.size - this.limit;
    if (excess > 0) {
      for (let i = this.#head; i < this.#head + excess; i++) this.#items[i] = undefined;
      this.#head += excess;
      this.#removed += excess;
      this.#dropped += excess;
    }
    this.#compact();
  }

  /** The oldest `count` rows, without removing them. */
  peek(count: number): T[] {
    return this.#items.slice(this.#head, this.#head + count) as T[];
  }

  /** Removes the oldest `count` rows (after they were written). */
  shift(count: number): void {
    const n = Math.min(count, this.size);
    for (let i = this.#head; i < this.#head + n; i++) this.#items[i] = undefined;
    this.#head += n;
    this.#removed += n;
    this.#compact();
  }

  /**
   * The `count` rows that were oldest at `start` (a `position` taken before `peek`) are stored.
   * Rows pushed meanwhile may have pushed some of them out as dropped: those were stored after all,
   * so they no longer count as dropped, and only what is still in the buffer is removed.
   */
  written(start: number, count: number): void {
    const end = start + count;
    const gone = Math.min(end, this.#removed) - start;
    if (gone > 0) this.#dropped -= gone;
    if (end > this.#removed) this.shift(end - this.#removed);
  }

  #compact(): void {
    // Slide the live rows to the front once the dead prefix is as long as them: O(1) amortised.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
