import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fake-clock.js';
import type { SampleInput } from '../columns.js';
import { Agent, type AgentLog, type RowSink, type SampleSource } from './agent.js';
import { sleep } from './clock.js';

/*
 * Every agent here runs on a FakeClock: time moves only when every tick, write and retry is
 * waiting for it, so the timings the tests assert are exact rather than the machine's.
 */

/** Logs kept for assertions. */
function memoryLog() {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({
        level,
        msg: typeof obj === 'string' ? obj : (msg ?? ''),
        obj: typeof obj === 'string' ? {} : obj,
      });
    };
  const log: AgentLog = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** A source that numbers its rows, so order and completeness can be checked. */
function countingSource(intervalSeconds: number): SampleSource & { taken: number } {
  return {
    name: 'counter',
    intervalSeconds,
    countsAsSample: true,
    taken: 0,
    async prime() {},
    async collect() {
      this.taken++;
      return [{ sample_time: this.taken, node_flag: true, node_name: 'n', load_1m: this.taken }];
    },
  };
}

/**
 * An in-process store that can be made unreachable, and can fail *after* committing (the answer lost
 * on the way back), the case that would write a batch twice.
 */
class FlakySink implements RowSink {
  stored: SampleInput[] = [];
  down = false;
  loseNextAnswer = false;
  async write(rows: readonly SampleInput[]) {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    this.stored.push(...rows);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new Error('Connection terminated unexpectedly');
    }
  }
  async contains(row: SampleInput) {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return this.stored.some((r) => r.sample_time === row.sample_time && r.node_name === row.node_name);
  }
}

describe('Agent', () => {
  it('stops after --samples node samples and writes each once, in order', async () => {
    const sink = new FlakySink();
    const { log } = memoryLog();
    const clock = new FakeClock();
    const agent = new Agent({ sources: [countingSource(0.02)], sink, log, samples: 5, clock });
    const summary = await clock.run(() => agent.run());
    expect(summary).toMatchObject({ samples: 5, rowsWritten: 5, rowsDropped: 0, rowsUnwritten: 0 });
    expect(sink.stored.map((r) => r.sample_time)).toEqual([1, 2, 3, 4, 5]);
  });

  it('buffers through an outage, logs it once each way, and writes everything exactly once', async () => {
    const sink = new FlakySink();
    const { log, lines } = memoryLog();
    const source = countingSource(0.02);
    const controller = new AbortController();
    const clock = new FakeClock();
    const agent = new Agent({ sources: [source], sink, log, retryMs: { first: 20, max: 40 }, clock });
    // Up for 100 ms, down for 300 ms, up again for 200 ms.
    clock.setTimeout(() => {
      sink.down = true;
    }, 100);
    clock.setTimeout(() => {
      sink.down = false;
    }, 400);
    clock.setTimeout(() => controller.abort(), 600);
    const summary = await clock.run(() => agent.run(controller.signal));
    const times = sink.stored.map((r) => r.sample_time);
    expect(times).toEqual(Array.from({ length: source.taken }, (_, i) => i + 1));
    expect(summary.rowsWritten).toBe(source.taken);
    // A tick every 20 ms from 20 ms until the stop at 600 ms.
    expect(summary).toMatchObject({ samples: 29, rowsWritten: 29, rowsDropped: 0, rowsUnwritten: 0 });
    expect(lines.filter((l) => l.msg.startsWith('database write failed'))).toHaveLength(1);
    const back = lines.filter((l) => l.msg.startsWith('database is back'));
    expect(back).toHaveLength(1);
    // Down from the tick at 100 ms to the one at 400 ms.
    expect(back[0]!.obj).toEqual({ outageSeconds: 0.3, droppedRows: 0, backlogRows: 0 });
  });

  it('does not write a batch twice when the answer to a committed write was lost', async () => {
    const sink = new FlakySink();
    const { log } = memoryLog();
    const source = countingSource(0.02);
    sink.loseNextAnswer = true;
    const clock = new FakeClock();
    const agent = new Agent({
      sources: [source],
      sink,
      log,
      samples: 6,
      retryMs: { first: 10, max: 10 },
      clock,
    });
    await clock.run(() => agent.run());
    expect(sink.stored.map((r) => r.sample_time)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('drops the oldest rows when the buffer is full, and says how many', async () => {
    const sink = new FlakySink();
    sink.down = true;
    const { log, lines } = memoryLog();
    const clock = new FakeClock();
    const agent = new Agent({
      sources: [countingSource(0.01)],
      sink,
      log,
      samples: 30,
      bufferRows: 10,
      retryMs: { first: 5000, max: 5000 },
      stopFlushMs: 50,
      clock,
    });
    const summary = await clock.run(() => agent.run());
    expect(summary.rowsDropped).toBe(20);
    expect(summary.rowsUnwritten).toBe(10);
    // 30 ticks 10 ms apart, then the stop tries for stopFlushMs, and no longer.
    expect(clock.monotonicMs()).toBe(300 + 50);
    // The retry due 5 s later is cancelled: a stopped agent leaves no timer behind.
    expect(clock.pendingTimers).toBe(0);
    expect(
      lines.some(
        (l) => l.msg.startsWith('buffer full') && (l.obj as { droppedRows: number }).droppedRows === 20,
      ),
    ).toBe(true);
  });

  it('keeps ticks on schedule while a write is slow', async () => {
    const clock = new FakeClock();
    const stamps: number[] = [];
    const source: SampleSource = {
      ...countingSource(0.05),
      async collect() {
        stamps.push(clock.monotonicMs());
        return [{ sample_time: stamps.length, node_flag: true, node_name: 'n' }];
      },
    };
    const slowSink: RowSink = { write: () => sleep(clock, 180) };
    const { log } = memoryLog();
    await clock.run(() => new Agent({ sources: [source], sink: slowSink, log, samples: 6, clock }).run());
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
    // 50 ms apart although each write takes 180 ms: sampling never waits for the database.
    expect(gaps).toEqual([50, 50, 50, 50, 50]);
  });

  it('starts in an outage when the database is not there yet: one log line, every sample written once it answers', async () => {
    const sink = new FlakySink();
    sink.down = true;
    const { log, lines } = memoryLog();
    const clock = new FakeClock();
    const agent = new Agent({
      sources: [countingSource(0.02)],
      sink,
      log,
      samples: 30,
      retryMs: { first: 10, max: 20 },
      clock,
    });
    agent.reportOutage(
      new Error('PostgreSQL at db:5432 turned away user agent: it has no connection slot left'),
    );
    clock.setTimeout(() => {
      sink.down = false;
    }, 150);
    const summary = await clock.run(() => agent.run());
    expect(summary).toMatchObject({ rowsWritten: 30, rowsDropped: 0, rowsUnwritten: 0 });
    expect(sink.stored.map((r) => r.sample_time)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.msg)).toEqual([
      'database not reachable yet; sampling into the buffer until it answers',
    ]);
    expect(lines.filter((l) => l.msg.startsWith('database is back'))).toHaveLength(1);
  });

  it('stops at once when the sink calls a failure fatal, and reports it with the rows it never wrote', async () => {
    const refused = new Error('PostgreSQL refused login for user agent: password authentication failed');
    const sink: RowSink = {
      write: async () => {
        throw refused;
      },
      isFatal: (error) => error === refused,
    };
    const { log, lines } = memoryLog();
    const clock = new FakeClock();
    const agent = new Agent({ sources: [countingSource(0.02)], sink, log, stopFlushMs: 5_000, clock });
    const summary = await clock.run(() => agent.run());
    expect(summary.fatalError).toBe(refused);
    expect(summary.rowsWritten).toBe(0);
    expect(summary.rowsUnwritten).toBe(1); // the first tick's row
    // At once: at the first tick (20 ms), not after the 5 s a stop may spend flushing.
    expect(clock.monotonicMs()).toBe(20);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'database refused the samples; stopping')).toBe(
      true,
    );
    expect(lines.some((l) => l.msg.startsWith('database write failed'))).toBe(false);
  });
});
