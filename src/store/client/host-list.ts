/**
 * Several hosts in one connection string, as libpq has them:
 * `postgresql://user@db1:5432,db2:5432/monitoring?target_session_attrs=read-write`. node-postgres
 * takes one host per connection, so the store splits the list here, tries the hosts in order and
 * keeps the first that answers and satisfies `target_session_attrs` (failover.ts), libpq's rule.
 * Pure functions: no I/O.
 */
import { RingStoreError } from '../errors.js';

/** libpq's target_session_attrs: which server of the list a session may use. */
export const TARGET_SESSION_ATTRS = [
  'any',
  'read-write',
  'read-only',
  'primary',
  'standby',
  'prefer-standby',
] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

/** A connection string split into one single-host URL per host, in the order given. */
export interface HostList {
  /** One URL per host, for pg (which parses one host), without target_session_attrs. */
  urls: string[];
  /** `host:port` of each, for messages. */
  names: string[];
  targetSessionAttrs: TargetSessionAttrs;
}

const SERVER_URL = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/is;

/**
 * Splits `url` by its host list and takes target_session_attrs out of its query; null when the URL
 * names one host and no target_session_attrs (pg then takes it as it is).
 */
export function splitHostList(url: string): HostList | null {
  const m = SERVER_URL.exec(url);
  if (m === null) return null;
  const [, scheme, userinfo = '', hostPart = '', rest = ''] = m as unknown as [
    string,
    string,
    string?,
    string?,
    string?,
  ];
  const queryAt = rest.indexOf('?');
  const path = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1));
  const attrs = query.get('target_session_attrs');
  const hosts = hostPart.split(',');
  if (hosts.length === 1 && attrs === null) return null;
  query.delete('target_session_attrs');
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const entries = hosts.map((h) => h.trim());
  if (entries.some((h) => h === '')) {
    throw new RingStoreError(
      'bad-input',
      `the host list "${hostPart}" has an empty entry; write host[:port],host[:port]`,
    );
  }
  return {
    urls: entries.map((h) => `${scheme}${userinfo}${h}${path}${search}`),
    names: entries.map((h) => (/:\d+$/.test(h) ? h : `${h}:5432`)),
    targetSessionAttrs: targetSessionAttrs(attrs ?? 'any'),
  };
}

/** Checks a target_session_attrs value. */
export function targetSessionAttrs(value: string): TargetSessionAttrs {
  if ((TARGET_SESSION_ATTRS as readonly string[]).includes(value)) return value as TargetSessionAttrs;
  throw new RingStoreError(
    'bad-input',
    `target_session_attrs ${JSON.stringify(value)} is not one of ${TARGET_SESSION_ATTRS.join(', ')}`,
  );
}

/** What a server said about itself, as libpq asks it after connecting. */
export interface SessionKind {
  /** pg_is_in_recovery(): a hot standby. */
  standby: boolean;
  /** default_transaction_read_only (or a standby, whose sessions are read-only). */
  readOnly: boolean;
}

/**
 * Whether a session fits `attrs` (libpq's rule; `prefer-standby` is two passes: `standby` first,
 * then `any`, so here it accepts only a standby).
 */
export function sessionFits(attrs: TargetSessionAttrs, kind: SessionKind): boolean {
  switch (attrs) {
    case 'any':
      return true;
    case 'read-write':
      return !kind.readOnly;
    case 'read-only':
      return kind.readOnly;
    case 'primary':
      return !kind.standby;
    case 'standby':
    case 'prefer-standby':
      return kind.standby;
  }
}
