import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parseMeminfo } from './meminfo.js';

describe('parseMeminfo', () => {
  it('reads every value of the procfs fixture (meminfo_test.go)', () => {
    const m = parseMeminfo(fixtureText('procfs/proc/meminfo'));
    const expectedBytes: Record<string, number> = {
      MemTotal: 16042172416,
      MemFree: 450891776,
      Buffers: 1044611072,
      Cached: 12295823360,
      SwapCached: 0,
      Active: 6923546624,
      Inactive: 6689492992,
      'Active(anon)': 273670144,
      'Inactive(anon)': 274432,
      'Active(file)': 6649876480,
      'Inactive(file)': 6689218560,
      SwapTotal: 0,
      SwapFree: 0,
      Zswap: 22951936,
      Zswapped: 10754048,
      Dirty: 786432,
      AnonPages: 272605184,
      Mapped: 45264896,
      Shmem: 1339392,
      Slab: 1850638336,
      SReclaimable: 1779838976,
      SUnreclaim: 70799360,
      KernelStack: 1654784,
      PageTables: 5414912,
      CommitLimit: 8021086208,
      Committed_AS: 543584256,
      VmallocTotal: 35184372087808,
      VmallocUsed: 37474304,
      VmallocChunk: 35184269148160,
      Percpu: 26804224,
      AnonHugePages: 12582912,
      Hugepagesize: 2097152,
      DirectMap4k: 93323264,
      DirectMap2M: 16424894464,
    };
    for (const [key, bytes] of Object.entries(expectedBytes)) expect([key, m.get(key)]).toEqual([key, bytes]);
    for (const key of ['HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp']) {
      expect(m.get(key)).toBe(0); // counts, no unit
    }
    expect(m.has('MemAvailable')).toBe(false); // an old kernel: the line is absent, not an error
  });

  it('reads the node_exporter fixture', () => {
    const m = parseMeminfo(fixtureText('node_exporter/proc/meminfo'));
    expect(m.get('MemTotal')).toBe(3831959552);
    expect(m.get('MemFree')).toBe(225472 * 1024);
    expect(m.get('SwapCached')).toBe(192504 * 1024);
    // Its README says it has MemAvailable; the file has no such line.
    expect(m.has('MemAvailable')).toBe(false);
  });

  it('reads MemAvailable where the kernel writes it', () => {
    expect(parseMeminfo('MemAvailable:    1536 kB\n').get('MemAvailable')).toBe(1536 * 1024);
  });

  it.each([
    ['a line without a colon', 'MemTotal 1 kB\n'],
    ['a value that is not a number', 'MemTotal: lots kB\n'],
    ['an unknown unit', 'MemTotal: 1 MB\n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseMeminfo(text)).toThrow(/\/proc\/meminfo/);
  });
});
