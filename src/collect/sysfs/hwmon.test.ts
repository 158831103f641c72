import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/fixture-path.js';
import { cleanChipName, hwmonChipLabel, readHwmonSensors } from './hwmon.js';

describe('readHwmonSensors (node_exporter fixture, e2e-output.txt)', () => {
  const chips = readHwmonSensors(fixturePath('node_exporter/sys'));
  const byChip = new Map(chips.map((chip) => [chip.chip, chip]));
  const temps = (chip: string) =>
    byChip.get(chip)!.temperatures.map(({ sensor, label, celsius }) => [sensor, label, celsius]);

  it('labels every chip as node_exporter does', () => {
    expect(chips.map(({ entry, chip, name }) => [entry, chip, name])).toEqual([
      ['hwmon0', 'platform_coretemp_0', 'coretemp'],
      ['hwmon1', 'platform_coretemp_1', 'coretemp'],
      ['hwmon2', 'platform_applesmc_768', 'applesmc'],
      ['hwmon3', 'nct6779', 'nct6779'], // its device link dangles: the name file decides
      ['hwmon4', 'hwmon4', null], // a plain directory: no device link, no name
      ['hwmon5', 'bogus', 'bogus'],
      ['hwmon6', 'platform_asus_nb_wmi_asus', 'asus'],
      ['hwmon7', 'platform_asus_nb_wmi_asus_wmi_sensors', 'asus_wmi_sensors'],
      ['hwmon8', 'ieee80211_phy0_mt7996_phy0_0', 'mt7996_phy0_0'],
      ['hwmon9', 'ieee80211_phy0_mt7996_phy0_1', 'mt7996_phy0_1'],
      ['hwmon10', 'ieee80211_phy0_mt7996_phy0_2', 'mt7996_phy0_2'],
    ]);
  });

  it.each(['platform_coretemp_0', 'platform_coretemp_1'])('reads %s: labels, °C, max and crit', (chip) => {
    expect(temps(chip)).toEqual([
      ['temp1', 'Physical id 0', 55],
      ['temp2', 'Core 0', 54],
      ['temp3', 'Core 1', 52],
      ['temp4', 'Core 2', 53],
      ['temp5', 'Core 3', 50],
    ]);
    // temp1 (the package): max 84, crit 100; node_exporter reports the same for every core.
    for (const t of byChip.get(chip)!.temperatures)
      expect([t.sensor, t.maxCelsius, t.critCelsius]).toEqual([t.sensor, 84, 100]);
  });

  it('reads hwmon4 (foosensor 55 / 54 °C) and ignores its freq* files', () => {
    expect(temps('hwmon4')).toEqual([
      ['temp1', 'foosensor', 55],
      ['temp2', 'foosensor', 54],
    ]);
    expect(byChip.get('hwmon4')!.temperatures.map((t) => [t.maxCelsius, t.critCelsius])).toEqual([
      [100, 100],
      [100, 100],
    ]);
    expect(byChip.get('hwmon4')!.fans).toEqual([]);
  });

  it('reads the three wifi radios without labels, and no sensors from bogus*_input', () => {
    expect(temps('ieee80211_phy0_mt7996_phy0_0')).toEqual([['temp1', null, 55]]);
    expect(byChip.get('ieee80211_phy0_mt7996_phy0_0')!.temperatures[0]).toMatchObject({
      maxCelsius: null,
      critCelsius: null,
    });
    expect(temps('ieee80211_phy0_mt7996_phy0_1')).toEqual([['temp1', null, 56]]);
    expect(temps('ieee80211_phy0_mt7996_phy0_2')).toEqual([['temp1', null, 57]]);
    expect(byChip.get('bogus')!.temperatures).toEqual([]);
    expect(byChip.get('bogus')!.fans).toEqual([]);
  });

  it('reads the applesmc fans from its device directory ("Left side", "Right side")', () => {
    expect(byChip.get('platform_applesmc_768')!.fans).toEqual([
      { sensor: 'fan1', label: 'Left side', rpm: 0 },
      { sensor: 'fan2', label: 'Right side', rpm: 1998 },
    ]);
    expect(byChip.get('nct6779')!.fans).toEqual([{ sensor: 'fan2', label: null, rpm: 1098 }]);
  });
});

describe('hwmonChipLabel', () => {
  it.each([
    ['hwmon0', '/sys/devices/platform/coretemp.0', 'coretemp', 'platform_coretemp_0'],
    ['hwmon2', '/sys/devices/platform/applesmc.768', null, 'platform_applesmc_768'],
    ['hwmon8', '/sys/devices/platform/soc/18000000.wifi/ieee80211/phy0', 'mt7996_phy0_0', 'ieee80211_phy0'],
    ['hwmon3', null, 'nct6779', 'nct6779'],
    ['hwmon4', null, null, 'hwmon4'],
    ['hwmon9', 'phy0', null, 'phy0'],
  ])('%s → %s … → %s', (entry, target, name, label) => {
    expect(hwmonChipLabel(entry, target, name)).toBe(label);
  });

  it('cleans names as node_exporter does', () => {
    expect(cleanChipName('asus-nb-wmi')).toBe('asus_nb_wmi');
    expect(cleanChipName('_Foo.Bar_')).toBe('foo_bar');
  });
});
