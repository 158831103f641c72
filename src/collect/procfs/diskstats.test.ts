import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { DISK_STAT, parseDiskstats } from './diskstats.js';

describe('parseDiskstats', () => {
  const disks = parseDiskstats(fixtureText('procfs/proc/diskstats'));

  it('reads the 14-, 18- and 20-field lines of the procfs fixture (blockdevice/stats_test.go)', () => {
    expect(disks).toHaveLength(52);
    expect(disks[0]!.name).toBe('ram0');
    expect(disks[1]!.stats).toHaveLength(11); // 14 fields: major, minor, name and 11 counters
    expect(disks[24]!.name).toBe('sda');
    expect(disks[24]!.stats[DISK_STAT.writesCompleted]).toBe(28444756);
    expect(disks[48]!.name).toBe('sdb2');
    expect(disks[48]!.stats).toHaveLength(15); // 18 fields
    expect(disks[48]!.stats[DISK_STAT.discardMs]).toBe(11130);
    expect(disks[49]!.name).toBe('sdc');
    expect(disks[49]!.stats).toHaveLength(17); // 20 fields
    expect(disks[49]!.stats[DISK_STAT.flushesCompleted]).toBe(127);
    expect(disks[49]!.stats[DISK_STAT.flushMs]).toBe(182);
  });

  it('keeps major and minor numbers', () => {
    expect([disks[24]!.major, disks[24]!.minor]).toEqual([8, 0]);
  });

  it('reads the node_exporter fixture', () => {
    expect(parseDiskstats(fixtureText('node_exporter/proc/diskstats')).length).toBeGreaterThan(0);
  });

  it.each([
    ['too few counters', '   8       0 sda 1 2 3 4 5 6 7 8 9 10\n'],
    ['a counter that is not a number', '   8       0 sda 1 2 3 4 5 6 7 8 9 10 x\n'],
    ['too many counters', `   8       0 sda ${Array.from({ length: 18 }, (_, i) => i).join(' ')}\n`],
  ])('rejects %s', (_, text) => {
    expect(() => parseDiskstats(text)).toThrow(/\/proc\/diskstats/);
  });
});
