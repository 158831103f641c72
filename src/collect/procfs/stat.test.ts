import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parseInterruptCounts, parseStat } from './stat.js';

describe('parseStat', () => {
  it('reads the 132 KB procfs fixture as procfs stat_test.go does', () => {
    const stat = parseStat(fixtureText('procfs/proc/stat'));
    expect(stat.cpu[0]).toBe(301854); // 3018.54 s at USER_HZ 100
    expect(stat.cpus.get('cpu7')?.[6]).toBe(31); // softirq 0.31 s
    expect(stat.intrTotal).toBe(73777505);
    expect(stat.ctxt).toBe(38014093);
    expect(stat.btime).toBe(1418183276);
    expect(stat.processes).toBe(26442);
    expect(stat.procsRunning).toBe(2);
    expect(stat.procsBlocked).toBe(1);
    expect(stat.softirqTotal).toBe(5057579);
  });

  it('reads the node_exporter fixture (cpu0 in seconds at USER_HZ 100)', () => {
    const stat = parseStat(fixtureText('node_exporter/proc/stat'));
    const seconds = stat.cpus.get('cpu0')!.map((jiffies) => Number(jiffies) / 100);
    expect(seconds.slice(0, 8)).toEqual([444.9, 0.19, 210.45, 10870.69, 2.2, 0.01, 34.1, 0]);
    expect(stat.btime).toBe(1418183276);
    expect(stat.ctxt).toBe(38014093);
    expect(stat.processes).toBe(26442);
    expect(stat.procsRunning).toBe(2);
    expect(stat.procsBlocked).toBe(0);
  });

  it('keeps counters beyond 2^53 exact as bigint', () => {
    const stat = parseStat('cpu  18446744073709551615 0 1 2\nctxt 9007199254740993\n');
    expect(stat.cpu[0]).toBe(18446744073709551615n);
    expect(stat.ctxt).toBe(9007199254740993n);
    expect(stat.cpu[3]).toBe(2);
    expect(stat.cpu[4]).toBeNull(); // a pre-2.6.33 kernel writes only some fields
  });

  it.each([
    ['no cpu line', 'ctxt 1\n'],
    ['too few cpu fields', 'cpu 1 2 3\n'],
    ['a cpu field that is not a number', 'cpu 1 2 x 4\n'],
    ['a ctxt that is not a number', 'cpu 1 2 3 4\nctxt abc\n'],
  ])('rejects %s, naming the file', (_, text) => {
    expect(() => parseStat(text)).toThrow(/\/proc\/stat/);
  });
});

describe('parseInterruptCounts', () => {
  it('reads the per-IRQ and per-softirq columns of the procfs fixture (stat_test.go)', () => {
    const counts = parseInterruptCounts(fixtureText('procfs/proc/stat'));
    expect(counts.intr[8]).toBe(1); // 9th number after the total
    expect(counts.softirq[9]).toBe(508444); // RCU, 10th number after the total
    expect(counts.softirq).toHaveLength(10);
    expect(counts.intr.length).toBeGreaterThan(1000);
  });

  it('gives empty lists where the lines are absent, and rejects a malformed line', () => {
    expect(parseInterruptCounts('cpu 1 2 3 4\n')).toEqual({ intr: [], softirq: [] });
    expect(parseInterruptCounts('intr 3 1 2\nsoftirq 18446744073709551615 5')).toEqual({
      intr: [1, 2],
      softirq: [5],
    });
    expect(() => parseInterruptCounts('intr x\n')).toThrow(/\/proc\/stat/);
  });
});
