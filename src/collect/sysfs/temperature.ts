import { join } from 'node:path';
import { listSysDir, readSysText } from './read.js';

/** One temp*_input of a hwmon chip. */
export interface HwmonSensor {
  /** Path of the temp*_input file (millidegrees Celsius). */
  input: string;
  /** temp*_label, or null where the chip gives none. */
  label: string | null;
  /** The reading at discovery; null where unreadable (some sensors fail while asleep). */
  celsius: number | null;
}

export interface HwmonChip {
  /** The class entry (`hwmon0`). */
  entry: string;
  /** The driver's chip name (`coretemp`, `k10temp`); null where neither name file exists. */
  name: string | null;
  sensors: HwmonSensor[];
}

export interface ThermalZone {
  entry: string;
  type: string;
  /** Path of the temp file (millidegrees Celsius). */
  input: string;
  celsius: number | null;
  /** The governor (`step_wise`); absent where the zone has no policy file. */
  policy?: string;
  /** `enabled` or `disabled`; absent where the zone has no mode file. */
  mode?: string;
  /** Passive trip point, millidegrees Celsius (0 = off); absent where the zone has no passive file. */
  passive?: number;
}

/** The sensor files that give the CPU temperature, and a description for people. */
export interface CpuTemperatureSource {
  /** Read all of these; the CPU temperature is the hottest (one per socket on multi-socket hosts). */
  inputs: string[];
  description: string;
}

/** Converts a sysfs temperature (signed millidegrees Celsius) to °C; null where it is not a number. */
export function parseMillidegrees(text: string): number | null {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return null;
  return Number(trimmed) / 1000;
}

/** hwmon drivers whose chip measures the CPU package itself. */
const CPU_CHIPS = new Set([
  'coretemp', // Intel
  'k10temp', // AMD family 10h+
  'k8temp',
  'zenpower', // AMD Zen, out-of-tree
  'cpu_thermal', // Raspberry Pi and other ARM SoCs expose their CPU zone as hwmon
  'cpu-thermal',
  'soc_thermal',
  'via_cputemp',
]);

/**
 * Labels of the package sensor, best first. AMD's Tctl carries a fan-control offset on some parts
 * (up to +27 °C on Threadripper), so Tdie, the true die temperature, wins when present.
 */
const PACKAGE_LABELS = [/^Tdie$/, /^Tctl$/, /^Package id \d+$/, /^Physical id \d+$/];

/** Thermal zone types that measure the CPU, best first. `acpitz` is the board, not the CPU. */
const CPU_ZONES = [/^x86_pkg_temp$/, /^(cpu|soc)[-_]?\d*[-_]?thermal$/i, /^bcm2835_thermal$/, /^(cpu|soc)/i];

/**
 * Picks the CPU temperature sensors (pure): hwmon first, since a CPU driver's package sensor is the
 * most exact figure, else a CPU thermal zone, else nothing.
 */
export function chooseCpuSensors(chips: HwmonChip[], zones: ThermalZone[]): CpuTemperatureSource | null {
  const cpuChips = chips.filter((chip) => chip.name !== null && CPU_CHIPS.has(chip.name));
  for (const pattern of PACKAGE_LABELS) {
    const packages = cpuChips.flatMap((chip) =>
      chip.sensors.filter((s) => s.label !== null && pattern.test(s.label)).map((s) => ({ chip, s })),
    );
    if (packages.length > 0) {
      return {
        inputs: packages.map(({ s }) => s.input),
        description: packages.map(({ chip, s }) => `${chip.name} "${s.label}" (${chip.entry})`).join(', '),
      };
    }
  }
  const anyCpuSensor = cpuChips.flatMap((chip) => chip.sensors.map((s) => ({ chip, s })));
  if (anyCpuSensor.length > 0) {
    return {
      inputs: anyCpuSensor.map(({ s }) => s.input),
      description: `hottest of ${anyCpuSensor.map(({ chip, s }) => `${chip.name} ${baseName(s.input)}`).join(', ')}`,
    };
  }
  for (const pattern of CPU_ZONES) {
    const matching = zones.filter((zone) => pattern.test(zone.type));
    if (matching.length > 0) {
      return {
        inputs: matching.map((zone) => zone.input),
        description: matching.map((zone) => `thermal zone ${zone.type} (${zone.entry})`).join(', '),
      };
    }
  }
  return null;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** Every hwmon chip under sysRoot/class/hwmon with its temperature sensors. */
export function readHwmonChips(sysRoot: string): HwmonChip[] {
  const classDir = join(sysRoot, 'class', 'hwmon');
  return listSysDir(classDir).map((entry) => {
    const dir = join(classDir, entry);
    // Older drivers keep `name` on the parent device instead of the hwmon directory.
    const name = readSysText(join(dir, 'name')) ?? readSysText(join(dir, 'device', 'name'));
    const sensors = listSysDir(dir)
      .filter((file) => /^temp\d+_input$/.test(file))
      .map((file) => {
        const input = join(dir, file);
        const raw = readSysText(input);
        return {
          input,
          label: readSysText(join(dir, file.replace('_input', '_label'))),
          celsius: raw === null ? null : parseMillidegrees(raw),
        };
      });
    return { entry, name, sensors };
  });
}

/** Every thermal zone under sysRoot/class/thermal. */
export function readThermalZones(sysRoot: string): ThermalZone[] {
  const classDir = join(sysRoot, 'class', 'thermal');
  return listSysDir(classDir)
    .filter((entry) => entry.startsWith('thermal_zone'))
    .flatMap((entry) => {
      const dir = join(classDir, entry);
      const type = readSysText(join(dir, 'type'));
      if (type === null) return [];
      const input = join(dir, 'temp');
      const raw = readSysText(input);
      const zone: ThermalZone = { entry, type, input, celsius: raw === null ? null : parseMillidegrees(raw) };
      const policy = readSysText(join(dir, 'policy'));
      if (policy !== null) zone.policy = policy;
      const mode = readSysText(join(dir, 'mode'));
      if (mode !== null) zone.mode = mode;
      const passive = readSysText(join(dir, 'passive'));
      if (passive !== null && /^-?\d+$/.test(passive)) zone.passive = Number(passive);
      return [zone];
    });
}

/** Finds the CPU temperature sensors under sysRoot (reads sysfs; done once, not per snapshot). */
export function discoverCpuTemperature(sysRoot: string): CpuTemperatureSource | null {
  return chooseCpuSensors(readHwmonChips(sysRoot), readThermalZones(sysRoot));
}
