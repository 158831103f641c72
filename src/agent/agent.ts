import type { SampleInput } from '../columns.js';
import { DEFAULTS } from '../defaults.js';
import { oneLine } from '../errors.js';
import { type Clock, type ClockTimer, realClock, sleep, Waiter } from './clock.js';
import { OutageBuffer } from './outage-buffer.js';
import { firstDueMs, Schedule } from './schedule.js';

/** Where the agent's rows go: the ring, in practice. */
export interface RowSink {
  /** Writes the rows in order, atomically (all or none). */
  write(rows: readonly SampleInput[]): Promise<unknown>;
  /**
   * Whether `row` is already stored. Asked after a write failed without an answer (the connection
   * broke mid-statement), so a batch that did commit is not written twice.
   */
  contains?(row: SampleInput): Promise<boolean>;
  /**
   * Whether a failure needs a person rather than time (a refused login, a table of another shape):
   * the agent then stops instead of buffering. Absent: every failure is an outage.
   */
  isFatal?(error: unknown): boolean;
  /** Where the rows go now (a server of several may change in a failover), for the log. */
  describe?(): string;
}

/** Something sampled on a schedule: the host, or the containers. */
export interface SampleSource {
  readonly name: string;
  readonly intervalSeconds: number;
  /** Whether its rows count towards `--samples` (node rows do, container rows do not). */
  readonly countsAsSample: boolean;
  /** Takes the first reading, so the first tick already has rates. */
  prime(): Promise<void>;
  /** Rows for the time since the previous reading. */
  collect(): Promise<SampleInput[]>;
  close?(): Promise<void> | void;
}

/** The part of a pino logger the agent uses. */
export interface AgentLog {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface AgentOptions {
  sources: SampleSource[];
  sink: RowSink;
  log: AgentLog;
  /** Rows kept while the database is unreachable; the oldest go first when full (default 10,000). */
  bufferRows?: number;
  /** Stop after this many node samples (the spec's --samples); unlimited when absent. */
  samples?: number;
  /** Rows per statement when catching up after an outage. */
  maxBatchRows?: number;
  /** Reconnect backoff: first wait and cap, ms. */
  retryMs?: { first: number; max: number };
  /** How long a stop may spend writing what is buffered, ms. */
  stopFlushMs?: number;
  /** The time and timers the schedule, the retries and the stop run on (default: the real ones). */
  clock?: Clock;
}

export interface AgentSummary {
  ticks: number;
  samples: number;
  rowsWritten: number;
  rowsDropped: number;
  rowsUnwritten: number;
  /** Why the database did not take them, when the run ended in an outage. */
  outageError?: string;
  /** Set when the agent stopped because the sink failed in a way that retrying cannot mend. */
  fatalError?: unknown;
}

/** Rows kept in memory while the database is unreachable (DEFAULTS.bufferRows). */
export const DEFAULT_BUFFER_ROWS = DEFAULTS.bufferRows;

/**
 * The long-running agent: samples each source on its own drift-free schedule, queues each tick's
 * rows as one batch and writes them with at most one write in flight, so a slow or unreachable
 * database never delays sampling. While writes fail, rows wait in a bounded buffer and are written
 * in order when the database is back; the outage is logged once when it starts and once when it ends.
 */
export class Agent {
  readonly #options: Required<Omit<AgentOptions, 'samples'>> & { samples: number | undefined };
  readonly #buffer: OutageBuffer<SampleInput>;
  #writing: Promise<void> | null = null;
  #retryAtMs = 0;
  #backoffMs: number;
  #outage: { sinceMs: number; error: string } | null = null;
  /** The batch whose write failed without an answer: it may have committed. */
  #unconfirmed: { last: SampleInput; size: number; start: number } | null = null;
  #droppedTotal = 0;
  #written = 0;
  #fatal: { error: unknown } | null = null;
  /** Wakes the sampling loop when a fatal failure ends the run. */
  readonly #stop = new AbortController();
  readonly #clock: Clock;
  /** The timer that retries a failed write; cancelled when the run ends, so it holds nothing open. */
  #retryTimer: ClockTimer | null = null;
  /** Set once the run has ended: no more retry timers. */
  #finished = false;

  constructor(options: AgentOptions) {
    this.#options = {
      bufferRows: DEFAULT_BUFFER_ROWS,
      maxBatchRows: 500,
      retryMs: { first: 500, max: 10_000 },
      stopFlushMs: 10_000,
      clock: realClock,
      ...options,
      samples: options.samples,
    };
    this.#clock = this.#options.clock;
    this.#buffer = new OutageBuffer(this.#options.bufferRows);
    this.#backoffMs = this.#options.retryMs.first;
  }

  /** Runs until `signal` aborts or `samples` node samples are taken; then writes what it can and returns. */
  async run(signal?: AbortSignal): Promise<AgentSummary> {
    const { sources, log } = this.#options;
    const clock = this.#clock;
    const startMs = clock.monotonicMs();
    await Promise.all(sources.map((source) => source.prime()));
    const wallOffsetMs = clock.wallMs() - clock.monotonicMs();
    const schedules = sources.map((source) => {
      const intervalMs = source.intervalSeconds * 1000;
      return new Schedule(intervalMs, firstDueMs(startMs, intervalMs, wallOffsetMs));
    });
    let ticks = 0;
    let samples = 0;
    const limit = this.#options.samples;
    const stopped = signal ? AbortSignal.any([signal, this.#stop.signal]) : this.#stop.signal;
    // The loop below runs once a tick for the agent's whole life: plain loops, no spreads or
    // iterators, one promise and one timer a wait (at 1 Hz this code stays cold and unoptimised,
    // so what it allocates and calls is what it costs).
    const waiter = new Waiter(clock, stopped);
    try {
      while (!stopped.aborted && (limit === undefined || samples < limit)) {
        let dueMs = Number.POSITIVE_INFINITY;
        for (const schedule of schedules) if (schedule.dueMs < dueMs) dueMs = schedule.dueMs;
        const waitMs = dueMs - clock.monotonicMs();
        // Aborted: stop between ticks.
        if (waitMs > 0 && (await waiter.wait(waitMs))) break;
        const nowMs = clock.monotonicMs();
        const batch: SampleInput[] = [];
        for (let i = 0; i < sources.length; i++) {
          const source = sources[i]!;
          const schedule = schedules[i]!;
          if (schedule.dueMs > nowMs + 1) continue;
          let skipped = schedule.advance(nowMs);
          try {
            const rows = await source.collect();
            let newest = Number.NEGATIVE_INFINITY;
            for (const row of rows) {
              batch.push(row);
              if (row.sample_time > newest) newest = row.sample_time;
            }
            if (source.countsAsSample && rows.length > 0) samples++;
            // sample_time is whole seconds: at an interval of a second or more, the next tick goes
            // to a later second than these rows, however late they were taken (a stop between the
            // tick and its snapshot would otherwise put two rows in one second).
            if (rows.length > 0 && schedule.intervalMs >= 1000) {
              skipped += schedule.notBefore((newest + 1) * 1000 - wallOffsetMs);
            }
          } catch (error) {
            log.error({ source: source.name, err: oneLine(errorMessage(error)) }, 'sampling failed');
          }
          if (skipped > 0)
            log.warn({ source: source.name, skipped }, 'sampling fell behind; skipped late ticks');
        }
        ticks++;
        if (batch.length > 0) {
          this.#buffer.push(batch);
          this.#kickWriter();
        }
      }
    } finally {
      waiter.close();
    }
    await this.#finish();
    return {
      ticks,
      samples,
      rowsWritten: this.#written,
      rowsDropped: this.#droppedTotal,
      rowsUnwritten: this.#buffer.size,
      ...(this.#outage ? { outageError: this.#outage.error } : {}),
      ...(this.#fatal ? { fatalError: this.#fatal.error } : {}),
    };
  }

  /**
   * Starts the run in an outage: the database could not be reached before the first sample
   * (down, full of connections, starting up). Logged once, as an outage that begins later is.
   */
  reportOutage(error: unknown): void {
    this.#enterOutage(error, 'database not reachable yet; sampling into the buffer until it answers');
  }

  /** Starts a write of the buffered rows unless one is in flight or the database is in backoff. */
  #kickWriter(): void {
    if (
      this.#fatal ||
      this.#writing ||
      this.#buffer.size === 0 ||
      this.#clock.monotonicMs() < this.#retryAtMs
    )
      return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = null;
    });
  }

  async #drain(): Promise<void> {
    const { sink, maxBatchRows } = this.#options;
    while (this.#buffer.size > 0) {
      // A tick's rows go as one batch; a backlog after an outage goes in batches of maxBatchRows.
      // Rows pushed while the write is in flight can push the batch's rows out of a full buffer:
      // the batch is identified by its position, not by what is at the front when it returns.
      const start = this.#buffer.position;
      const batch = this.#buffer.peek(maxBatchRows);
      try {
        if (this.#unconfirmed && sink.contains) {
          const { last, size, start: at } = this.#unconfirmed;
          const committed = await sink.contains(last);
          this.#unconfirmed = null;
          if (committed) {
            this.#wrote(at, size);
            continue;
          }
        }
        await sink.write(batch);
      } catch (error) {
        this.#unconfirmed ??= { last: batch[batch.length - 1]!, size: batch.length, start };
        if (sink.isFatal?.(error)) {
          this.#fatal = { error };
          this.#options.log.error(
            { err: oneLine(errorMessage(error)) },
            'database refused the samples; stopping',
          );
          this.#stop.abort();
          return;
        }
        this.#enterOutage(error);
        return;
      }
      this.#wrote(start, batch.length);
    }
    this.#countDropped();
  }

  #wrote(start: number, rows: number): void {
    this.#buffer.written(start, rows);
    this.#written += rows;
    if (this.#outage) this.#endOutage();
  }

  #enterOutage(
    error: unknown,
    message = 'database write failed; buffering samples in memory until it is back',
  ): void {
    const { log, retryMs } = this.#options;
    const nowMs = this.#clock.monotonicMs();
    if (!this.#outage) {
      this.#outage = { sinceMs: nowMs, error: oneLine(errorMessage(error)) };
      log.warn({ err: this.#outage.error, bufferRows: this.#options.bufferRows }, message);
      this.#backoffMs = retryMs.first;
    } else {
      this.#backoffMs = Math.min(this.#backoffMs * 2, retryMs.max);
    }
    this.#retryAtMs = nowMs + this.#backoffMs;
    // Retry on a timer as well as on ticks, so a long interval does not lengthen the outage.
    this.#cancelRetry();
    if (!this.#finished) {
      this.#retryTimer = this.#clock.setTimeout(() => {
        this.#retryTimer = null;
        this.#kickWriter();
      }, this.#backoffMs);
    }
  }

  #cancelRetry(): void {
    if (this.#retryTimer !== null) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #endOutage(): void {
    const outage = this.#outage!;
    const seconds = (this.#clock.monotonicMs() - outage.sinceMs) / 1000;
    const dropped = this.#countDropped(false);
    const at = this.#options.sink.describe?.();
    this.#options.log.info(
      {
        outageSeconds: Math.round(seconds * 10) / 10,
        droppedRows: dropped,
        backlogRows: this.#buffer.size,
        ...(at === undefined ? {} : { at }),
      },
      at === undefined
        ? 'database is back; writing the buffered samples'
        : `database is back at ${at}; writing the buffered samples`,
    );
    this.#outage = null;
    this.#backoffMs = this.#options.retryMs.first;
    this.#retryAtMs = 0;
  }

  /** Adds the rows the buffer dropped to the total; logs them unless the caller reports them itself. */
  #countDropped(log = true): number {
    const dropped = this.#buffer.takeDropped();
    this.#droppedTotal += dropped;
    if (log && dropped > 0)
      this.#options.log.warn({ droppedRows: dropped }, 'buffer full: dropped the oldest samples');
    return dropped;
  }

  /** On stop: wait for the write in flight, then try to write what is left within stopFlushMs. */
  async #finish(): Promise<void> {
    const clock = this.#clock;
    const deadline = clock.monotonicMs() + this.#options.stopFlushMs;
    await this.#writing;
    while (!this.#fatal && this.#buffer.size > 0 && clock.monotonicMs() < deadline) {
      this.#retryAtMs = Math.min(this.#retryAtMs, clock.monotonicMs());
      this.#kickWriter();
      await this.#writing;
      if (this.#buffer.size > 0)
        await sleep(clock, Math.min(this.#backoffMs, Math.max(0, deadline - clock.monotonicMs())));
    }
    this.#finished = true;
    this.#cancelRetry();
    this.#countDropped();
    if (this.#buffer.size > 0) {
      this.#options.log.error(
        { unwrittenRows: this.#buffer.size },
        'stopping with samples the database never took',
      );
    }
    await Promise.all(this.#options.sources.map((source) => source.close?.()));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
