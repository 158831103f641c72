import type { Counter } from './counter.js';
import { lineRanges, parseCounters } from './fields.js';
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

/**
 * Parses /proc/net/dev: two header lines, then `name: 16 counters` per interface. With `wanted`,
 * only the interfaces it accepts are parsed (the collector skips lo, bridges and veths unread).
 */
export function parseNetDev(text: string, wanted?: (name: string) => boolean): NetDevStats[] {
  const interfaces: NetDevStats[] = [];
  let headerLines = 2;
  for (const [start, end] of lineRanges(text)) {
    if (headerLines > 0) {
      headerLines--;
      continue;
    }
    // The name ends at the last ':' before the numbers; the numbers hold none.
    const colon = text.lastIndexOf(':', end - 1);
    if (colon < start)
      throw new ParseError('/proc/net/dev', `malformed line ${quote(text.slice(start, end))}`);
    const name = text.slice(start, colon).trim();
    if (name === '' && colon === start)
      throw new ParseError('/proc/net/dev', `malformed line ${quote(text.slice(start, end))}`);
    if (wanted && !wanted(name)) continue;
    const counters: Counter[] = [];
    if (parseCounters(text, colon + 1, end, counters, COUNTERS + 1) !== COUNTERS) {
      throw new ParseError('/proc/net/dev', `malformed line ${quote(text.slice(start, end))}`);
    }
    interfaces.push({ name, counters });
  }
  return interfaces;
}
