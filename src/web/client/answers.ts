/**
 * The parts of the JSON API's answers (server/api.ts) the pages read. Types only: answers.test.ts
 * checks that the server's answers have them.
 */

/** A ring row as JSON: column name → value (sample_time and the metrics are numbers or null). */
export type Row = Readonly<Record<string, unknown>>;

/** The newest sample of one writer: a node's host rows, or one container. */
export interface WriterEntry {
  readonly age_seconds: number | null;
  readonly stale: boolean;
  /** How far ahead of the server's clock its newest sample from the future is; null: none. */
  readonly clock_ahead_seconds: number | null;
  readonly latest: Row;
}

/** One container of a node. */
export interface ContainerEntry extends WriterEntry {
  readonly container: string;
}

/** A node; without `latest` (and its age) when the ring holds only its containers' rows. */
export interface NodeEntry extends Partial<WriterEntry> {
  readonly node: string;
  readonly containers: readonly ContainerEntry[];
}

/** How long the ring holds at the current rate (src/reads/history.ts). */
export interface History {
  readonly rows_per_second: number;
  readonly turnover_seconds: number | null;
  readonly short: boolean;
  readonly capacity_for_an_hour: number;
  readonly node_share: number | null;
  readonly share_for_an_hour: number | null;
}

/** GET /api/nodes. */
export interface NodesAnswer {
  /** The server's clock, epoch seconds. */
  readonly now: number;
  readonly history: History;
  readonly nodes: readonly NodeEntry[];
}

/** GET /api/samples. */
export interface SamplesAnswer {
  readonly mode: string;
  /** Seconds per point when the rows are steps (maxima, means or samples); null: the rows as stored. */
  readonly step: number | null;
  readonly rows: readonly Row[];
}
