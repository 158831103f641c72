import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { NET_STAT, parseNetDev } from './net-dev.js';

describe('parseNetDev', () => {
  it('reads the four interfaces of the procfs fixture (net_dev_test.go)', () => {
    const interfaces = parseNetDev(fixtureText('procfs/proc/net/dev'));
    const summary = interfaces.map(({ name, counters }) => [
      name,
      counters[NET_STAT.rxBytes],
      counters[NET_STAT.rxPackets],
      counters[NET_STAT.txBytes],
      counters[NET_STAT.txPackets],
    ]);
    expect(summary).toEqual([
      ['vethf345468', 648, 8, 438, 5],
      ['lo', 1664039048, 1566805, 1664039048, 1566805],
      ['docker0', 2568, 38, 438, 5],
      ['eth0', 874354587, 1036395, 563352563, 732147],
    ]);
    const others = [2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15];
    for (const { counters } of interfaces) for (const i of others) expect(counters[i]).toBe(0);
  });

  it('splits an alias name on the last colon', () => {
    const header = 'Inter-|   Receive\n face |bytes\n';
    const [eth] = parseNetDev(`${header}  eth0:1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n`);
    expect(eth!.name).toBe('eth0:1');
    expect(eth!.counters).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('rejects a line with a missing counter', () => {
    expect(() => parseNetDev('h\nh\n  eth0: 1 2 3\n')).toThrow(/\/proc\/net\/dev/);
  });
});
