/**
 * Errors the ring raises. Every message is one line a CLI can print as it is: what failed, where
 * (host, port, user, table) and why. Passwords never appear, not even inside a connection string.
 */
import { oneLine, RingmonError } from '../errors.js';

export { maskSecrets, oneLine } from '../errors.js';

/** What kind of failure a {@link RingStoreError} reports; callers branch on this, not on the text. */
export type RingStoreErrorCode =
  /** A value the caller passed is out of range or malformed (capacity, table name, a row). */
  | 'bad-input'
  /** The server could not be reached (refused, unknown host, timeout). */
  | 'connect'
  /** The server answered but refused the login (unknown role, wrong password, no such database). */
  | 'auth'
  /** The connection broke while a statement ran; the statement's effects were rolled back. */
  | 'connection-lost'
  /** An existing table or index does not have the ring's shape. */
  | 'schema-mismatch'
  /** The ring's metadata is missing or inconsistent (someone changed it by hand). */
  | 'ring-state'
  /**
   * A ring shared out per node has no share for this node yet: every share belongs to a node that
   * wrote within the hour. It passes when one goes quiet or the ring is resized.
   */
  | 'no-share'
  /** The ring's table does not exist, and the store was asked not to create it (create: false). */
  | 'no-ring'
  /** The store was opened read-only (RingStoreOptions.readOnly) and was asked to change the ring. */
  | 'read-only'
  /**
   * The store's server is a hot standby, which takes no writes, DDL or VACUUM: it passes when the
   * standby is promoted or a primary is reached instead.
   */
  | 'standby'
  /** The store was closed. */
  | 'closed'
  /** Any other error the database reported. */
  | 'database';

/**
 * A failure of the ring store. It is a {@link RingmonError}, so the CLI prints its one-line message
 * as it prints any other; `code` says which kind of failure it is.
 */
export class RingStoreError extends RingmonError {
  readonly code: RingStoreErrorCode;

  constructor(code: RingStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), code === 'bad-input' ? 'usage' : 'runtime', options);
    this.code = code;
  }
}

/** The parts of an error thrown by pg or PGlite that we read. */
export interface DriverError {
  message?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

export function asDriverError(err: unknown): DriverError {
  return typeof err === 'object' && err !== null ? (err as DriverError) : { message: String(err) };
}

/** SQLSTATE classes and node errno codes that mean "the connection is gone". */
const LOST_CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001']);
const LOST_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
  'ECONNRESET',
  'EPIPE',
  'read ECONNRESET',
];

export function isConnectionLoss(err: unknown): boolean {
  const e = asDriverError(err);
  if (e.code !== undefined && LOST_CONNECTION_SQLSTATES.has(e.code)) return true;
  if (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ECONNREFUSED') return true;
  const msg = e.message ?? '';
  return LOST_CONNECTION_MESSAGES.some((m) => msg.includes(m));
}

/**
 * SQLSTATEs of a statement that failed because of where the server is now, not because of what
 * was asked: a standby or a demoted primary during a failover (read-only), lock or serialization
 * conflicts, full disks or memory, an operator's cancel.
 */
const PASSING_SQLSTATES = new Set(['25006', '40001', '40P01', '53100', '53200', '53300', '57014']);

/**
 * Whether a store failure may go away by itself (server down, starting, full, failing over), so
 * that an agent should buffer and retry, rather than one that needs a person: a refused login, a
 * missing database, a table of another shape, a bad value.
 */
export function isPassing(err: unknown): boolean {
  if (!(err instanceof RingStoreError)) return false;
  if (['connect', 'connection-lost', 'no-share', 'standby'].includes(err.code)) return true;
  if (err.code !== 'database') return false;
  const code = asDriverError(err.cause).code;
  return (
    code !== undefined && (PASSING_SQLSTATES.has(code) || code.startsWith('08') || code.startsWith('57P'))
  );
}
