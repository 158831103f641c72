import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { listSysDir, readSysText } from './read.js';
import { parseMillidegrees } from './temperature.js';

/** One temp* sensor of a hwmon chip, in °C (sysfs writes millidegrees). */
export interface HwmonTemperature {
  /** `temp1`, `temp2`, … */
  sensor: string;
  /** temp*_label, or null where the chip gives none. */
  label: string | null;
  /** temp*_input; null where unreadable. */
  celsius: number | null;
  /** temp*_max (the alarm threshold); null where absent. */
  maxCelsius: number | null;
  /** temp*_crit (the shutdown threshold); null where absent. */
  critCelsius: number | null;
}

/** One fan* sensor of a hwmon chip. */
export interface HwmonFan {
  /** `fan1`, `fan2`, … */
  sensor: string;
  /** fan*_label, or null where the chip gives none. */
  label: string | null;
  /** fan*_input, revolutions per minute; null where unreadable. */
  rpm: number | null;
}

/** A hwmon chip with its temperature and fan sensors, named as node_exporter names it. */
export interface HwmonChipSensors {
  /** The class entry (`hwmon0`); its number changes with module load order. */
  entry: string;
  /** The stable chip label node_exporter uses (`platform_coretemp_0`, `hwmon4`). */
  chip: string;
  /** The driver's chip name (`coretemp`, `applesmc`); null where neither name file exists. */
  name: string | null;
  temperatures: HwmonTemperature[];
  fans: HwmonFan[];
}

/** Lower case, every character outside [a-z0-9:_] replaced by `_`, outer `_` trimmed (node_exporter). */
export function cleanChipName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9:_]/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The chip label node_exporter builds (pure): `<bus>_<device>` from the last two parts of where the
 * `device` link resolves (`…/platform/coretemp.0` → `platform_coretemp_0`), else the chip's name
 * file, else the class entry (`hwmon4`). `deviceLinkTarget` is the resolved target (null where there
 * is no link or it dangles). Labels stay stable across reboots, unlike the entry number.
 */
export function hwmonChipLabel(entry: string, deviceLinkTarget: string | null, name: string | null): string {
  if (deviceLinkTarget !== null) {
    const parts = deviceLinkTarget.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
    const device = cleanChipName(parts.at(-1) ?? '');
    const bus = cleanChipName(parts.at(-2) ?? '');
    if (bus !== '' && device !== '') return `${bus}_${device}`;
    if (device !== '') return device;
  }
  const cleanName = name === null ? '' : cleanChipName(name);
  return cleanName !== '' ? cleanName : cleanChipName(entry);
}

const resolve = (path: string): string | null => {
  try {
    return realpathSync(path);
  } catch {
    return null; // no link, or a dangling one
  }
};

const parseInteger = (text: string | null): number | null =>
  text !== null && /^-?\d+$/.test(text) ? Number(text) : null;

/**
 * Every hwmon chip under sysRoot/class/hwmon with its temperature thresholds and fans. Sensor files
 * are read from the hwmon directory and from its `device` directory (older drivers such as
 * applesmc keep them there). Other files (in*, pwm*, bogus*_input) are ignored. Where several chips
 * hang off one device (a wifi card with three radios), each label gets `_<name>` appended.
 */
export function readHwmonSensors(sysRoot: string): HwmonChipSensors[] {
  const classDir = join(sysRoot, 'class', 'hwmon');
  const chips = listSysDir(classDir).map((entry) => {
    const dir = join(classDir, entry);
    const name = readSysText(join(dir, 'name')) ?? readSysText(join(dir, 'device', 'name'));
    const chip = hwmonChipLabel(entry, resolve(join(dir, 'device')), name);
    const files = new Map<string, string>(); // file name → path; the hwmon directory wins
    for (const base of [join(dir, 'device'), dir]) {
      for (const file of listSysDir(base)) files.set(file, join(base, file));
    }
    const read = (file: string) => {
      const path = files.get(file);
      return path === undefined ? null : readSysText(path);
    };
    const millidegrees = (file: string) => {
      const text = read(file);
      return text === null ? null : parseMillidegrees(text);
    };
    const inputs = (kind: string) =>
      [...files.keys()]
        .filter((file) => new RegExp(`^${kind}\\d+_input$`).test(file))
        .map((file) => file.slice(0, -'_input'.length))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const temperatures = inputs('temp').map((sensor) => ({
      sensor,
      label: read(`${sensor}_label`),
      celsius: millidegrees(`${sensor}_input`),
      maxCelsius: millidegrees(`${sensor}_max`),
      critCelsius: millidegrees(`${sensor}_crit`),
    }));
    const fans = inputs('fan').map((sensor) => ({
      sensor,
      label: read(`${sensor}_label`),
      rpm: parseInteger(read(`${sensor}_input`)),
    }));
    return { entry, chip, name, temperatures, fans };
  });
  const uses = new Map<string, number>();
  for (const { chip } of chips) uses.set(chip, (uses.get(chip) ?? 0) + 1);
  for (const chip of chips) {
    const suffix = chip.name === null ? '' : cleanChipName(chip.name);
    if ((uses.get(chip.chip) ?? 0) > 1 && suffix !== '') chip.chip = `${chip.chip}_${suffix}`;
  }
  return chips;
}
