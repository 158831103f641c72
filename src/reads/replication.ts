/**
 * What `ringmon status` says about streaming replication (pure): on a standby, that it is one and
 * how far behind it is; on a primary, each standby and its lag, and which are stale. A standby is
 * stale when it has not replied for STALE_STANDBY_SECONDS (it replies every 10 s by default,
 * wal_receiver_status_interval) or is not streaming: like a quiet agent, it is a warning.
 */
import type { ReplicationState, StandbyInfo } from '../store/ring/types.js';
import { formatSpan } from '../web/client/format.js';

/** Seconds to a tenth under ten (replication lag is often sub-second), else as formatSpan. */
const span = (seconds: number) => (seconds < 10 ? `${seconds.toFixed(1)} s` : formatSpan(seconds));

/** Three of a standby's status replies missed. */
export const STALE_STANDBY_SECONDS = 30;

export function isStaleStandby(s: StandbyInfo): boolean {
  return (s.state !== null && s.state !== 'streaming') || (s.replyAgeSeconds ?? 0) > STALE_STANDBY_SECONDS;
}

/** synchronous_standby_names read as the server reads it: FIRST or ANY count of which names. */
export interface SynchronousRule {
  method: 'first' | 'any';
  /** How many of the names must confirm a commit. */
  count: number;
  /** Lower-cased (the server compares them so); `*` stands for any standby. */
  names: string[];
}

/**
 * Parses the setting's three forms: `name [, ...]` (FIRST 1), `[FIRST] N (name [, ...])` and
 * `ANY N (name [, ...])`, names bare or double-quoted. null for an empty setting or one it cannot
 * read (the server would have refused it).
 */
export function parseSynchronousStandbyNames(setting: string): SynchronousRule | null {
  const text = setting.trim();
  if (text === '') return null;
  const m = /^(?:(first|any)\s+)?(\d+)\s*\((.*)\)$/is.exec(text);
  const method = (m?.[1]?.toLowerCase() ?? 'first') as 'first' | 'any';
  const list = m ? (m[3] ?? '') : text;
  const names = splitNames(list);
  if (names === null) return null;
  if (names.some((n) => n === '')) return null;
  return { method, count: m ? Number(m[2]) : 1, names };
}

/** `a, "b, c", D` → ['a', 'b, c', 'd']: commas inside double quotes belong to the name. */
function splitNames(list: string): string[] | null {
  const names: string[] = [];
  let name = '';
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i] as string;
    if (quoted) {
      if (ch === '"' && list[i + 1] === '"') {
        name += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else name += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      names.push(name.trim());
      name = '';
    } else name += ch;
  }
  if (quoted) return null;
  names.push(name.trim());
  return names.map((n) => n.toLowerCase());
}

/**
 * On a primary whose commits wait for synchronous standbys: a warning when fewer of them stream
 * than a commit waits for, because every commit then waits (the agents' writes hang and their
 * buffers fill) until one comes back or the setting is changed. null when nothing waits.
 */
export function synchronousShortfall(r: ReplicationState): string | null {
  if (r.synchronousStandbyNames === null) return null;
  const rule = parseSynchronousStandbyNames(r.synchronousStandbyNames);
  if (rule === null || rule.count === 0) return null;
  const listed = (s: StandbyInfo) => rule.names.includes('*') || rule.names.includes(s.name.toLowerCase());
  const streaming = r.standbys.filter(
    (s) => listed(s) && s.state === 'streaming' && !isStaleStandby(s),
  ).length;
  if (streaming >= rule.count) return null;
  const of = rule.names.includes('*') ? 'any standby' : rule.names.join(', ');
  return `WAITING: synchronous_standby_names = '${r.synchronousStandbyNames}' wants ${rule.count} synchronous standby(s) of ${of} and ${streaming} stream(s): every commit on this primary waits (the agents' writes with it) until one is back, or the setting names fewer`;
}

/** Whether status should warn (and --fail-on-stale exit 3): a stale standby, or commits that wait for one. */
export function replicationTrouble(r: ReplicationState): boolean {
  return r.standbys.some(isStaleStandby) || synchronousShortfall(r) !== null;
}

/** The lines status prints; empty when the server is neither a standby nor has standbys. */
export function replicationLines(r: ReplicationState): string[] {
  if (r.standby !== null) {
    const age = r.standby.replayAgeSeconds;
    return [
      `read from a standby (read-only): ${age === null ? 'it has replayed no commit yet' : `it replayed the primary's last commit ${span(Math.max(0, age))} ago`}`,
    ];
  }
  const shortfall = synchronousShortfall(r);
  const lines = r.standbys.map((s) => {
    const lag =
      s.replayLagBytes === null
        ? 'lag unknown (needs the pg_monitor role)'
        : `${Math.round(s.replayLagBytes)} bytes of WAL behind${s.replayLagSeconds === null ? '' : `, ${span(s.replayLagSeconds)}`}`;
    const where = s.address === null ? '' : ` at ${s.address}`;
    const state = isStaleStandby(s)
      ? `STALE (${s.state ?? 'state unknown'}, last reply ${s.replyAgeSeconds === null ? '?' : span(s.replyAgeSeconds)} ago)`
      : (s.state ?? 'state unknown');
    return `standby ${s.name}${where}: ${s.syncState ?? '?'}, ${state}, ${lag}`;
  });
  return shortfall === null ? lines : [...lines, shortfall];
}
