import type { Counter } from './counter.js';
import { parseCounters } from './fields.js';
import { ParseError, quote } from './parse-error.js';

/** Index of each counter in `NetDevStats.counters`, in /proc/net/dev's column order. */
export const NET_STAT = {
  rxBytes: 0,
  rxPackets: 1,
  rxErrs: 2,
  rxDrop: 3,
  rxFifo: 4,
  rxFrame: 5,
  rxCompressed: 6,
  rxMulticast: 7,
  txBytes: 8,
  txPackets: 9,
  txErrs: 10,
  txDrop: 11,
  txFifo: 12,
  txColls: 13,
  txCarrier: 14,
  txCompressed: 15,
} as const;

const COUNTERS = 16;

export interface NetDevStats {
  /** Interface name; may itself contain ':' (alias interfaces such as `eth0:1`). */
  name: string;
  counters: Counter[];
}

/** Parses /proc/net/dev: two header lines, then `name: 16 counters` per interface. */
export function parseNetDev(text: string): NetDevStats[] {
  const interfaces: NetDevStats[] = [];
  const lines = text.split('\n');
  for (let n = 2; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line.trim() === '') continue;
    // The name ends at the last ':' before the numbers; the numbers hold none.
    const colon = line.lastIndexOf(':');
    const counters: Counter[] = [];
    if (colon === -1 || parseCounters(line, colon + 1, line.length, counters, COUNTERS + 1) !== COUNTERS) {
      throw new ParseError('/proc/net/dev', `malformed line ${quote(line)}`);
    }
    interfaces.push({ name: line.slice(0, colon).trim(), counters });
  }
  return interfaces;
}
