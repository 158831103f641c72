import { describe, expect, it } from 'vitest';
import { OutageBuffer } from './outage-buffer.js';

describe('OutageBuffer', () => {
  it('keeps rows in order and removes them once written', () => {
    const buffer = new OutageBuffer<number>(10);
    buffer.push([1, 2, 3]);
    buffer.push([4]);
    expect(buffer.peek(3)).toEqual([1, 2, 3]);
    buffer.shift(3);
    expect(buffer.peek(10)).toEqual([4]);
    expect(buffer.size).toBe(1);
  });

  it('drops the oldest rows when full and counts them', () => {
    const buffer = new OutageBuffer<number>(5);
    buffer.push([1, 2, 3, 4]);
    buffer.push([5, 6, 7]);
    expect(buffer.peek(10)).toEqual([3, 4, 5, 6, 7]);
    expect(buffer.takeDropped()).toBe(2);
    expect(buffer.takeDropped()).toBe(0);
  });

  it('stays exact over many pushes and shifts (compaction)', () => {
    const buffer = new OutageBuffer<number>(10_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 500; round++) {
      buffer.push(Array.from({ length: 11 }, () => next++));
      const take = round % 3 === 0 ? 30 : 5;
      const batch = buffer.peek(take);
      expect(batch).toEqual(Array.from({ length: batch.length }, (_, i) => expected + i));
      buffer.shift(batch.length);
      expected += batch.length;
    }
    expect(buffer.size).toBe(next - expected);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects a limit of %s', (limit) => {
    expect(() => new OutageBuffer(limit)).toThrow(RangeError);
  });

  it('a batch written while newer rows pushed it out of a full buffer: stored, not dropped, and nothing else removed', () => {
    const buffer = new OutageBuffer<number>(5);
    buffer.push([0, 1, 2, 3, 4]);
    const start = buffer.position;
    const batch = buffer.peek(3);
    expect(batch).toEqual([0, 1, 2]);
    // While the batch is being written, four ticks arrive: rows 0–3 are pushed out.
    buffer.push([5, 6, 7, 8]);
    buffer.written(start, batch.length);
    // 0–2 were stored after all; only 3 was really dropped, and 4–8 still wait.
    expect(buffer.takeDropped()).toBe(1);
    expect(buffer.peek(10)).toEqual([4, 5, 6, 7, 8]);
    expect(buffer.position).toBe(4);
  });

  it('a batch written with nothing pushed meanwhile removes exactly its rows', () => {
    const buffer = new OutageBuffer<number>(10);
    buffer.push([0, 1, 2, 3]);
    const start = buffer.position;
    buffer.written(start, buffer.peek(2).length);
    expect(buffer.peek(10)).toEqual([2, 3]);
    expect(buffer.takeDropped()).toBe(0);
  });
});
