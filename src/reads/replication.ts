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

/** The lines status prints; empty when the server is neither a standby nor has standbys. */
export function replicationLines(r: ReplicationState): string[] {
  if (r.standby !== null) {
    const age = r.standby.replayAgeSeconds;
    return [
      `read from a standby (read-only): ${age === null ? 'it has replayed no commit yet' : `it replayed the primary's last commit ${span(Math.max(0, age))} ago`}`,
    ];
  }
  return r.standbys.map((s) => {
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
}
