import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guessPhysicalInterface, guessWholeDisk, physicalDeviceClassifier } from './devices.js';
import { makeDeviceFilter } from './patterns.js';

describe('physicalDeviceClassifier', () => {
  const sys = mkdtempSync(join(tmpdir(), 'ringmon-sys-'));
  afterAll(() => rmSync(sys, { recursive: true, force: true }));
  mkdirSync(join(sys, 'block'));
  // The links as the kernel makes them (taken from this project's CI machine and a laptop).
  symlinkSync('../devices/pci0000:00/0000:00:02.0/virtio1/block/vda', join(sys, 'block', 'vda'));
  symlinkSync('../devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1', join(sys, 'block', 'nvme0n1'));
  symlinkSync('../devices/virtual/block/loop0', join(sys, 'block', 'loop0'));
  symlinkSync('../devices/virtual/block/zram0', join(sys, 'block', 'zram0'));
  symlinkSync('../devices/virtual/block/dm-0', join(sys, 'block', 'dm-0'));

  it('counts disks whose sysfs device is not under /sys/devices/virtual', () => {
    const isPhysical = physicalDeviceClassifier(join(sys, 'block'), () => true);
    expect(['vda', 'nvme0n1', 'loop0', 'zram0', 'dm-0', 'vda1', 'nvme0n1p2'].map(isPhysical)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false, // partitions have no /sys/block entry
      false,
    ]);
  });

  it('falls back to names when the sysfs class directory is missing', () => {
    const isPhysical = physicalDeviceClassifier(join(sys, 'no-such-dir'), guessWholeDisk);
    expect(
      ['sda', 'sda1', 'nvme0n1', 'nvme0n1p1', 'mmcblk0', 'mmcblk0p1', 'loop3', 'dm-1', 'md0'].map(isPhysical),
    ).toEqual([true, false, true, false, true, false, false, false, false]);
  });
});

describe('guessPhysicalInterface', () => {
  it.each([
    ['eth0', true],
    ['enp3s0', true],
    ['wlan0', true],
    ['lo', false],
    ['veth1a2b', false],
    ['docker0', false],
    ['br-5d1e', false],
    ['virbr0', false],
  ])('%s → %s', (name, physical) => expect(guessPhysicalInterface(name)).toBe(physical));
});

describe('makeDeviceFilter', () => {
  const physical = (name: string) => name.startsWith('sd');

  it('counts physical devices by default', () => {
    const counts = makeDeviceFilter({}, physical);
    expect(['sda', 'loop0'].map(counts)).toEqual([true, false]);
  });

  it('lets an include list replace the automatic choice, globs allowed', () => {
    const counts = makeDeviceFilter({ include: ['loop*', 'sdb'] }, physical);
    expect(['sda', 'sdb', 'loop0', 'loop12'].map(counts)).toEqual([false, true, true, true]);
  });

  it('applies the exclude list last', () => {
    const counts = makeDeviceFilter({ include: ['sd?'], exclude: ['sdc'] }, physical);
    expect(['sda', 'sdc', 'sdaa'].map(counts)).toEqual([true, false, false]);
  });
});
