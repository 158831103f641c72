import { describe, expect, it } from 'vitest';
import { pickWindow, WINDOWS, windowStart } from './windows.js';

describe('time windows', () => {
  it('opens the window the URL names, else the hour', () => {
    expect(WINDOWS.map((w) => w.id)).toEqual(['15m', '1h', '6h', '24h', 'all']);
    expect(pickWindow('15m').seconds).toBe(900);
    expect(pickWindow('all').seconds).toBe(0);
    expect(pickWindow(null).id).toBe('1h');
    expect(pickWindow('2h').id).toBe('1h');
  });

  it('starts a window so that it holds its length of seconds up to the newest sample', () => {
    // 15 min up to 1000: seconds 101 … 1000, 900 of them.
    expect(windowStart(pickWindow('15m'), 1000)).toBe(101);
    expect(windowStart(pickWindow('1h'), 1_800_000_000)).toBe(1_800_000_000 - 3599);
    expect(windowStart(pickWindow('all'), 1000)).toBeNull();
    expect(windowStart(pickWindow('1h'), null)).toBeNull();
  });
});
