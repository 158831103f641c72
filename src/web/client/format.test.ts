import { describe, expect, it } from 'vitest';
import { formatAgo, formatNumber, formatPair, formatSpan, formatWhen, MISSING } from './format.js';

describe('formatNumber', () => {
  it('keeps about three significant digits', () => {
    expect(formatNumber(1234.5, 'MiB')).toBe('1235 MiB');
    expect(formatNumber(100)).toBe('100');
    expect(formatNumber(12.345, '%')).toBe('12.3 %');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0)).toBe('0.00');
    expect(formatNumber(-150.4, '°C')).toBe('-150 °C');
    expect(formatNumber(-0.5)).toBe('-0.50');
  });

  it('shows a missing or non-finite value as a dash, without its unit', () => {
    for (const v of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(formatNumber(v, 'MiB')).toBe(MISSING);
    }
  });
});

describe('formatPair', () => {
  it('joins two values and puts the unit once, at the end', () => {
    expect(formatPair(1.2, 0, 'MiB/s')).toBe('1.20 / 0.00 MiB/s');
    expect(formatPair(3100, 16000, 'MiB')).toBe('3100 / 16000 MiB');
    expect(formatPair(null, 3)).toBe(`${MISSING} / 3.00`);
  });
});

describe('formatAgo', () => {
  it('rounds to the largest unit that reads well', () => {
    expect(formatAgo(null)).toBe('never');
    expect(formatAgo(-5)).toBe('0 s ago');
    expect(formatAgo(2)).toBe('2 s ago');
    expect(formatAgo(89.4)).toBe('89 s ago');
    expect(formatAgo(90)).toBe('2 min ago');
    expect(formatAgo(600)).toBe('10 min ago');
    expect(formatAgo(3600)).toBe('60 min ago');
    expect(formatAgo(5400)).toBe('2 h ago');
    expect(formatAgo(129_599)).toBe('36 h ago');
    expect(formatAgo(129_600)).toBe('2 d ago');
  });
});

describe('formatSpan', () => {
  it('gives whole units down to minutes', () => {
    expect(formatSpan(45)).toBe('45 s');
    expect(formatSpan(3548)).toBe('59 min');
    expect(formatSpan(7500)).toBe('2 h 5 min');
    expect(formatSpan(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
  });
});

describe('formatWhen', () => {
  it('gives a date in the local zone, and a dash for none', () => {
    // 2027-01-15T08:00:00Z: the same year in every time zone.
    expect(formatWhen(1_800_000_000)).toContain('2027');
    expect(formatWhen(null)).toBe(MISSING);
  });
});
