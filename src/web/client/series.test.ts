import { describe, expect, it } from 'vitest';
import type { ChartSpec } from './config.js';
import { chartData, emptyColumns, slide, toColumns, withoutFuture } from './series.js';

const series = (column: string) => ({ column, label: column, help: '' });
const lines: ChartSpec = { id: 'net', title: 'Net', unit: 'MiB/s', series: [series('rx'), series('tx')] };
const stacked: ChartSpec = { ...lines, id: 'cpu', stacked: true };

describe('toColumns', () => {
  it('turns rows into one array per field beside the times, missing values as null', () => {
    const columns = toColumns(
      [
        { sample_time: 10, rx: 1.5, tx: null },
        { sample_time: 11, rx: 2 },
      ],
      ['rx', 'tx'],
    );
    expect(columns).toEqual({ sample_time: [10, 11], rx: [1.5, 2], tx: [null, null] });
    expect(emptyColumns(['rx'])).toEqual({ sample_time: [], rx: [] });
  });
});

describe('withoutFuture', () => {
  it('drops samples stamped beyond the tolerance after the server clock', () => {
    const rows = [{ sample_time: 100 }, { sample_time: 160 }, { sample_time: 161 }, { sample_time: 3700 }];
    expect(withoutFuture(rows, 100, 60).map((r) => r.sample_time)).toEqual([100, 160]);
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
