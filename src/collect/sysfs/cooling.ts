import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readSysText } from './read.js';

/** One /sys/class/thermal/cooling_deviceN: a fan, a CPU frequency limit, an idle injector, … */
export interface CoolingDevice {
  /** The number of the entry (`0` for cooling_device0), as procfs names it. */
  name: string;
  /** The driver's type (`Processor`, `intel_powerclamp`, `Fan`). */
  type: string;
  /** Highest cooling state (a driver-defined step count, no unit). */
  maxState: number;
  /** Current cooling state; −1 where the driver reports none (intel_powerclamp when idle). */
  curState: number;
}

const parseState = (text: string | null): number | null =>
  text !== null && /^-?\d+$/.test(text) ? Number(text) : null;

/**
 * Every cooling device under sysRoot/class/thermal. A device with a missing or unreadable type,
 * max_state or cur_state is skipped, as procfs does: one odd device does not fail the whole read.
 */
export function readCoolingDevices(sysRoot: string): CoolingDevice[] {
  const classDir = join(sysRoot, 'class', 'thermal');
  let entries: string[];
  try {
    entries = readdirSync(classDir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^cooling_device\d+$/.test(entry))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .flatMap((entry) => {
      const dir = join(classDir, entry);
      const type = readSysText(join(dir, 'type'));
      const maxState = parseState(readSysText(join(dir, 'max_state')));
      const curState = parseState(readSysText(join(dir, 'cur_state')));
      if (type === null || maxState === null || curState === null) return [];
      return [{ name: entry.slice('cooling_device'.length), type, maxState, curState }];
    });
}
