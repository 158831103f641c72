import { ParseError, quote } from './parse-error.js';

/**
 * /proc/meminfo as a map from key to value: bytes for lines in kB (kB × 1024),
 * plain counts for lines without a unit (HugePages_*). Every key is optional: kernels add and
 * drop lines (MemAvailable exists since 3.14).
 */
export type Meminfo = ReadonlyMap<string, number>;

export function parseMeminfo(text: string): Meminfo;
/** Only the given keys (those present): the collector needs 9 of some 50 lines. */
export function parseMeminfo(text: string, keys: readonly string[]): Meminfo;
export function parseMeminfo(text: string, keys?: readonly string[]): Meminfo {
  if (keys) return parseMeminfoKeys(text, keys);
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ParseError('/proc/meminfo', `malformed line ${quote(line)}`);
    const rest = line.slice(colon + 1).trim();
    const space = rest.indexOf(' ');
    const number = space === -1 ? rest : rest.slice(0, space);
    const unit = space === -1 ? '' : rest.slice(space + 1).trim();
    const value = Number(number);
    if (number === '' || !Number.isInteger(value) || (unit !== '' && unit !== 'kB')) {
      throw new ParseError('/proc/meminfo', `malformed line ${quote(line)}`);
    }
    values.set(line.slice(0, colon), unit === 'kB' ? value * 1024 : value);
  }
  return values;
}

function parseMeminfoKeys(text: string, keys: readonly string[]): Meminfo {
  const values = new Map<string, number>();
  for (const key of keys) {
    const prefix = `${key}:`;
    let at = 0;
    if (!text.startsWith(prefix)) {
      const found = text.indexOf(`\n${prefix}`);
      if (found === -1) continue; // absent on this kernel
      at = found + 1;
    }
    const end = text.indexOf('\n', at);
    const line = text.slice(at, end === -1 ? text.length : end);
    const parsed = parseMeminfo(line);
    values.set(key, parsed.get(key)!);
  }
  return values;
}
