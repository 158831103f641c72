import { describe, expect, it } from 'vitest';
import type { ChartSpec } from './config.js';
import { chartData, emptyColumns, hasValues, slide, toColumns, withGaps, withoutFuture } from './series.js';

const series = (column: string) => ({ column, label: column, help: '' });
const lines: ChartSpec = { id: 'net', title: 'Net', unit: 'MiB/s', series: [series('rx'), series('tx')] };
const stacked: ChartSpec = { ...lines, id: 'cpu', stacked: true };

describe('toColumns', () => {
  it('turns rows into one array per field beside the times, missing values as null', () => {
    const columns = toColumns(
      [
        { sample_time: 10, rx: 1.5, tx: null, interval_seconds: 1 },
        { sample_time: 11, rx: 2 },
      ],
      ['rx', 'tx'],
    );
    // The interval comes along: it says where the writer fell silent (withGaps).
    expect(columns).toEqual({
      sample_time: [10, 11],
      rx: [1.5, 2],
      tx: [null, null],
      interval_seconds: [1, null],
    });
    expect(emptyColumns(['rx'])).toEqual({ sample_time: [], rx: [] });
  });
});

describe('withoutFuture', () => {
  it('drops samples stamped beyond the tolerance after the server clock', () => {
    const rows = [{ sample_time: 100 }, { sample_time: 160 }, { sample_time: 161 }, { sample_time: 3700 }];
    expect(withoutFuture(rows, 100, 60).map((r) => r.sample_time)).toEqual([100, 160]);
  });
});

describe('withGaps', () => {
  it('breaks the lines where the next row comes more than two intervals later', () => {
    // Every 5 s, then silent for five minutes (an agent stopped), then every 5 s again.
    const columns = {
      sample_time: [0, 5, 10, 310, 315],
      rx: [1, 2, 3, 4, 5],
      interval_seconds: [5, 5, 5, 5, 5],
    };
    const { columns: out, gaps } = withGaps(columns, null);
    expect(gaps).toBe(1);
    expect(out).toEqual({
      sample_time: [0, 5, 10, 15, 310, 315],
      rx: [1, 2, 3, null, 4, 5],
      interval_seconds: [5, 5, 5, null, 5, 5],
    });
    // uPlot breaks its line at the null; the chart of the stacked parts keeps it missing too.
    expect(chartData(stacked, out).draw[1]).toEqual([1, 2, 3, null, 4, 5]);
  });

  it('joins rows up to two intervals apart, and measures in steps when the rows are steps', () => {
    const late = { sample_time: [0, 1, 3, 6], rx: [1, 2, 3, 4], interval_seconds: [1, 1, 1, 1] };
    // 2 s after a 1-s row is one missed sample: joined; 3 s is a gap.
    expect(withGaps(late, null).gaps).toBe(1);
    expect(withGaps(late, null).columns.sample_time).toEqual([0, 1, 3, 4, 6]);
    // Averaged 60-s steps of 1-s rows: steps 60 s apart are joined, a missing step or two is not a gap…
    const steps = { sample_time: [0, 60, 180, 420], rx: [1, 2, 3, 4], interval_seconds: [1, 1, 1, 1] };
    const { columns, gaps } = withGaps(steps, 60);
    expect(gaps).toBe(1);
    // …four missing steps are.
    expect(columns.sample_time).toEqual([0, 60, 180, 240, 420]);
    // Rows with no interval and no step: nothing to measure a silence against.
    expect(withGaps({ sample_time: [0, 100], rx: [1, 2] }, null).gaps).toBe(0);
    // The columns it was given stay as they were.
    expect(late.sample_time).toEqual([0, 1, 3, 6]);
  });

  it('leaves columns without a gap as they are', () => {
    const even = { sample_time: [0, 1, 2], rx: [1, 2, 3], interval_seconds: [1, 1, 1] };
    expect(withGaps(even, null)).toEqual({ columns: even, gaps: 0 });
    expect(withGaps(emptyColumns(['rx']), 5).gaps).toBe(0);
  });
});

describe('hasValues', () => {
  it('says whether any series of the chart has a value in the window', () => {
    expect(hasValues(lines, { sample_time: [1, 2], rx: [null, null], tx: [null, 0] })).toBe(true);
    expect(hasValues(lines, { sample_time: [1, 2], rx: [null, null], tx: [null, null] })).toBe(false);
    expect(hasValues(lines, { sample_time: [1], other: [3] })).toBe(false);
    expect(hasValues(lines, emptyColumns(['rx', 'tx']))).toBe(false);
  });
});

describe('chartData', () => {
  const columns = { sample_time: [1, 2, 3], rx: [1, null, 3], tx: [10, 20, null] };

  it('draws lines as they are', () => {
    const data = chartData(lines, columns);
    expect(data.draw).toEqual([
      [1, 2, 3],
      [1, null, 3],
      [10, 20, null],
    ]);
    expect(data.raw).toEqual([columns.rx, columns.tx]);
  });

  it('draws a stacked series at the sum of those below it; its legend keeps the parts', () => {
    const data = chartData(stacked, columns);
    // A missing part adds nothing; a point where every part so far is missing stays missing.
    expect(data.draw).toEqual([
      [1, 2, 3],
      [1, null, 3],
      [11, 20, 3],
    ]);
    expect(data.raw).toEqual([columns.rx, columns.tx]);
  });

  it("draws a stacked chart's total at the top of the stack, labelled, with its value in the legend", () => {
    const data = chartData({ ...stacked, total: 'busy' }, columns);
    expect(data.draw).toEqual([
      [1, 2, 3],
      [1, null, 3],
      [11, 20, 3],
      [11, 20, 3],
    ]);
    expect(data.raw).toEqual([columns.rx, columns.tx, [11, 20, 3]]);
    // Only a stacked chart has one.
    expect(chartData({ ...lines, total: 'busy' }, columns).draw).toHaveLength(3);
  });

  it('gives a column the rows lack as an empty series', () => {
    expect(chartData(lines, { sample_time: [1], rx: [5] }).raw).toEqual([[5], []]);
  });
});

describe('slide', () => {
  it('appends the new rows and drops those before the window start', () => {
    const old = { sample_time: [1, 2, 3], rx: [1, 2, 3] };
    const more = { sample_time: [4, 5], rx: [4, null] };
    expect(slide(old, more, 3)).toEqual({ sample_time: [3, 4, 5], rx: [3, 4, null] });
    expect(slide(old, more, null)).toEqual({ sample_time: [1, 2, 3, 4, 5], rx: [1, 2, 3, 4, null] });
    expect(slide(old, more, 10)).toEqual({ sample_time: [4, 5], rx: [4, null] });
    // The arrays it was given stay as they were: the chart drew them.
    expect(old).toEqual({ sample_time: [1, 2, 3], rx: [1, 2, 3] });
  });
});
