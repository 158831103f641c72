import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/fixture-path.js';
import {
  chooseCpuSensors,
  discoverCpuTemperature,
  type HwmonChip,
  parseMillidegrees,
  readHwmonChips,
  readThermalZones,
} from './temperature.js';

const nodeExporterSys = fixturePath('node_exporter/sys');
const procfsSys = fixturePath('procfs/sys');

describe('hwmon (node_exporter fixture)', () => {
  const chips = readHwmonChips(nodeExporterSys);
  const byEntry = new Map(chips.map((chip) => [chip.entry, chip]));
  const temps = (entry: string) => byEntry.get(entry)!.sensors.map((s) => [s.label, s.celsius]);

  it('reads both coretemp packages with their labels, in °C', () => {
    const expected = [
      ['Physical id 0', 55],
      ['Core 0', 54],
      ['Core 1', 52],
      ['Core 2', 53],
      ['Core 3', 50],
    ];
    expect(byEntry.get('hwmon0')!.name).toBe('coretemp');
    expect(temps('hwmon0')).toEqual(expected);
    expect(byEntry.get('hwmon1')!.name).toBe('coretemp');
    expect(temps('hwmon1')).toEqual([
      ['Physical id 0', 55],
      ['Core 0', 54],
      ['Core 1', 52],
      ['Core 2', 53],
      ['Core 3', 50],
    ]);
  });

  it('reads a chip without a device link or name file (hwmon4)', () => {
    expect(byEntry.get('hwmon4')!.name).toBeNull();
    expect(temps('hwmon4')).toEqual([
      ['foosensor', 55],
      ['foosensor', 54],
    ]);
  });

  it('reads the wifi chips and ignores non-temperature files (bogus*_input)', () => {
    expect(temps('hwmon8')).toEqual([[null, 55]]);
    expect(temps('hwmon9')).toEqual([[null, 56]]);
    expect(temps('hwmon10')).toEqual([[null, 57]]);
    expect(byEntry.get('hwmon5')!.sensors).toEqual([]);
  });

  it('finds the name of a chip on its parent device (applesmc)', () => {
    expect(byEntry.get('hwmon2')!.name).toBe('applesmc');
  });

  it('chooses the coretemp package sensors, so temperature_c is 55 °C', () => {
    const source = discoverCpuTemperature(nodeExporterSys)!;
    expect(source.inputs.map((path) => path.split('/').slice(-2).join('/'))).toEqual([
      'hwmon0/temp1_input',
      'hwmon1/temp1_input',
    ]);
    expect(source.description).toContain('coretemp "Physical id 0"');
  });
});

describe('thermal zones (procfs fixture)', () => {
  it('reads both zones, the negative one included', () => {
    expect(readThermalZones(procfsSys).map(({ entry, type, celsius }) => [entry, type, celsius])).toEqual([
      ['thermal_zone0', 'bcm2835_thermal', 49.925],
      ['thermal_zone1', 'acpitz', -44],
    ]);
  });

  it('reads policy, mode and passive where the zone has them (class_thermal_test.go)', () => {
    const zones = readThermalZones(procfsSys);
    expect(zones.map(({ entry, policy, mode, passive }) => ({ entry, policy, mode, passive }))).toEqual([
      { entry: 'thermal_zone0', policy: 'step_wise', mode: undefined, passive: undefined },
      { entry: 'thermal_zone1', policy: 'step_wise', mode: 'enabled', passive: 0 },
    ]);
    expect('mode' in zones[0]!).toBe(false); // absent, not null
    expect(zones[1]!.celsius! * 1000).toBe(-44000);
    expect(zones[0]!.celsius! * 1000).toBe(49925);
  });

  it('chooses the SoC zone and never acpitz (the board, not the CPU)', () => {
    const source = discoverCpuTemperature(procfsSys)!;
    expect(source.inputs).toHaveLength(1);
    expect(source.inputs[0]).toMatch(/thermal_zone0\/temp$/);
  });
});

describe('chooseCpuSensors', () => {
  const chip = (name: string, sensors: [string | null, number][]): HwmonChip => ({
    entry: name,
    name,
    sensors: sensors.map(([label, celsius], i) => ({ input: `${name}/temp${i + 1}_input`, label, celsius })),
  });

  it('prefers Tdie to Tctl on AMD (Tctl carries an offset)', () => {
    const source = chooseCpuSensors(
      [
        chip('k10temp', [
          ['Tctl', 70],
          ['Tdie', 43],
          ['Tccd1', 41],
        ]),
      ],
      [],
    );
    expect(source!.inputs).toEqual(['k10temp/temp2_input']);
  });

  it('takes every sensor of a CPU chip without labels (the hottest is read each time)', () => {
    const source = chooseCpuSensors(
      [chip('cpu_thermal', [[null, 40]]), chip('nvme', [['Composite', 60]])],
      [],
    );
    expect(source!.inputs).toEqual(['cpu_thermal/temp1_input']);
  });

  it('falls back to x86_pkg_temp before other zones, and gives null when nothing fits', () => {
    const zones = [
      { entry: 'thermal_zone0', type: 'acpitz', input: 'z0', celsius: 30 },
      { entry: 'thermal_zone1', type: 'x86_pkg_temp', input: 'z1', celsius: 50 },
    ];
    expect(chooseCpuSensors([chip('nvme', [['Composite', 60]])], zones)!.inputs).toEqual(['z1']);
    expect(chooseCpuSensors([], [zones[0]!])).toBeNull();
  });
});

describe('parseMillidegrees', () => {
  it.each([
    ['49925\n', 49.925],
    ['-44000', -44],
    ['0', 0],
    ['', null],
    ['N/A', null],
  ])('%j → %j', (text, celsius) => {
    expect(parseMillidegrees(text)).toBe(celsius);
  });
});

describe('a host without sensors', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has no CPU temperature source', () => {
    dir = mkdtempSync(join(tmpdir(), 'ringmon-sys-'));
    mkdirSync(join(dir, 'class', 'thermal', 'thermal_zone0'), { recursive: true });
    writeFileSync(join(dir, 'class', 'thermal', 'thermal_zone0', 'type'), 'acpitz\n');
    writeFileSync(join(dir, 'class', 'thermal', 'thermal_zone0', 'temp'), '27800\n');
    expect(discoverCpuTemperature(dir)).toBeNull();
  });
});
