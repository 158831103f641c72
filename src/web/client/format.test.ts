import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatAxisTime,
  formatNumber,
  formatPair,
  formatSpan,
  formatTick,
  formatUtc,
  formatWhen,
  MISSING,
  valueRange,
} from './format.js';

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
  it('gives at most two units, seconds only under 10 min, each counted down', () => {
    expect(formatSpan(45)).toBe('45 s');
    expect(formatSpan(59.6)).toBe('1 min 0 s');
    expect(formatSpan(100)).toBe('1 min 40 s');
    expect(formatSpan(599)).toBe('9 min 59 s');
    expect(formatSpan(600)).toBe('10 min');
    expect(formatSpan(3548)).toBe('59 min');
    expect(formatSpan(7500)).toBe('2 h 5 min');
    expect(formatSpan(3 * 86_400 + 4 * 3600 + 59)).toBe('3 d 4 h');
  });
});

describe('formatWhen', () => {
  it('gives the local time to the second, date first, and a dash for none', () => {
    const local = new Date(2027, 0, 5, 9, 3, 7).getTime() / 1000;
    expect(formatWhen(local)).toBe('2027-01-05 09:03:07');
    expect(formatWhen(new Date(2027, 11, 31, 23, 59, 59).getTime() / 1000)).toBe('2027-12-31 23:59:59');
    expect(formatWhen(null)).toBe(MISSING);
    expect(formatWhen(Number.NaN)).toBe(MISSING);
  });
});

describe('formatUtc', () => {
  it('gives UTC to the second, date first, saying UTC, and a dash for none', () => {
    expect(formatUtc(Date.UTC(2026, 11, 2, 1, 38, 9) / 1000)).toBe('2026-12-02 01:38:09 UTC');
    expect(formatUtc(Date.UTC(2026, 11, 2, 1, 38, 9, 999) / 1000)).toBe('2026-12-02 01:38:09 UTC');
    expect(formatUtc(null)).toBe(MISSING);
    expect(formatUtc(Number.POSITIVE_INFINITY)).toBe(MISSING);
  });
});

describe('formatAxisTime', () => {
  it('shows the part of the time that changes between ticks, in the same format', () => {
    const t = new Date(2027, 0, 5, 9, 3, 7).getTime() / 1000;
    expect(formatAxisTime(t, 10)).toBe('09:03:07');
    expect(formatAxisTime(t, 60)).toBe('09:03');
    expect(formatAxisTime(t, 3600)).toBe('09:03');
    expect(formatAxisTime(t, 86_400)).toBe('2027-01-05');
    // Each label is a piece of the full time the legend and the header print.
    expect(formatWhen(t)).toContain(formatAxisTime(t, 10));
  });
});

describe('formatTick', () => {
  it('gives as many decimals as the tick increment needs', () => {
    expect([0, 50, 100].map((v) => formatTick(v, 50))).toEqual(['0', '50', '100']);
    expect([0, 0.25, 0.5].map((v) => formatTick(v, 0.25))).toEqual(['0.00', '0.25', '0.50']);
    expect([0, 0.2, 0.4].map((v) => formatTick(v, 0.2))).toEqual(['0.0', '0.2', '0.4']);
    expect(formatTick(16000, 2000)).toBe('16000');
    expect(formatTick(-0, 1)).toBe('0');
    // Floating-point increments (0.1 + 0.2) do not grow decimals.
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
  });
});

describe('valueRange', () => {
  it('starts at 0 and ends a little above the highest value', () => {
    expect(valueRange(40, 60)).toEqual([0, 63]);
    expect(valueRange(-10, 30)).toEqual([-10, 32]);
    expect(valueRange(-10, -5)).toEqual([-10, 0.5]);
    expect(valueRange(0, 0)).toEqual([0, 1]);
    expect(valueRange(null, null)).toEqual([0, 1]);
  });
});
