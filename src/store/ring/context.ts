/**
 * What the parts of one open ring share: its connection, its names, what opening found out about
 * the schema, and the layout as this store last read or set it (writes, resizes and state() keep
 * it current). RingStore makes one; writer, capacity, maintenance, reads and state take it.
 */
import type { SqlClient } from '../client/sql-client.js';
import type { RingNames } from './schema.js';
import type { RingLayout } from './types.js';

export interface RingContext {
  readonly db: SqlClient;
  readonly names: RingNames;
  /** The id column's sequence, schema-qualified as pg_get_serial_sequence gives it. */
  readonly sequence: string;
  /** Whether the metadata has node_share (a ring made before shares existed may not). */
  readonly shareColumn: boolean;
  /** Whether the ring's write function exists and is ours; without it the ring writes with plain statements. */
  readonly writeFunction: boolean;
  /** Opened only to read (asked for, or a hot standby): nothing is created, mended or maintained. */
  readonly readOnly: boolean;
  /** The server is a hot standby (pg_is_in_recovery()). */
  readonly standby: boolean;
  /** Metric columns a row leaves out are stored as NULL (true) or 0. */
  readonly useNullForEmpty: boolean;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** One line about something the store mended by itself. */
  readonly warn: (message: string) => void;
  /** The layout as this store last read or set it. */
  layout: RingLayout;
}
