/**
 * What keeps a ring's size constant and its reads planned well: VACUUM after every `vacuumEvery`
 * writes (ring-wide: whichever writer's batch crosses the mark runs it), ANALYZE and a refresh of
 * the pair list on the first lap and every tenth after; and the spec's cleanup of old samples.
 */
import { MAX_KEEP_HOURS } from '../../defaults.js';
import { RingStoreError } from '../errors.js';
import type { RingContext } from './context.js';
import { databaseError } from './failures.js';
import { quoteIdent } from './schema.js';
import { refreshPairsSql } from './sql.js';

/** The columns the ring's reads filter and sort on: the only statistics the planner needs. */
const ANALYZED_COLUMNS = [
  'id',
  'slot',
  'sample_time',
  'master_flag',
  'node_flag',
  'node_name',
  'container_name',
]
  .map(quoteIdent)
  .join(', ');

/** Options of {@link RingMaintenance.vacuum}. */
export interface VacuumOptions {
  /** ANALYZE the columns the reads use too (costs about ten vacuums). */
  analyze?: boolean;
}

export class RingMaintenance {
  readonly #ctx: RingContext;
  readonly #vacuumEvery: number | false | undefined;
  #running: Promise<void> | undefined;
  #lastVacuumError: string | null = null;

  constructor(ctx: RingContext, vacuumEvery: number | false | undefined) {
    this.#ctx = ctx;
    this.#vacuumEvery = vacuumEvery;
  }

  /** The ring's own last vacuum failure, if any (e.g. not the table's owner). */
  get lastVacuumError(): string | null {
    return this.#lastVacuumError;
  }

  /**
   * VACUUMs the ring, skipped rather than waited for when another VACUUM or a resize holds the
   * table. A role that does not own the table cannot vacuum it: that is recorded, not thrown.
   */
  async vacuum(options: VacuumOptions = {}): Promise<void> {
    const { db, names } = this.#ctx;
    const t = quoteIdent(names.table);
    try {
      // Anyone else's VACUUM is skipped with a WARNING, not an error: find out first, so that a
      // ring that cannot keep its size says so in state().
      const owner = await db.query<{ ok: boolean }>(
        'SELECT pg_has_role(relowner, $2) AS ok FROM pg_class WHERE oid = to_regclass($1)',
        [t, 'USAGE'],
      );
      if (owner.rows[0]?.ok === false) {
        this.#lastVacuumError = `VACUUM of ${names.table} skipped: only its owner can vacuum it, so it grows until the owner or autovacuum does`;
        return;
      }
      // TRUNCATE OFF: a ring reuses its space, so giving the tail pages back to the file system only
      // to extend the file again is waste, and truncating needs a lock that stalls the writers.
      const analyze = options.analyze ? `, ANALYZE) ${t} (${ANALYZED_COLUMNS})` : `) ${t}`;
      await db.query(`VACUUM (SKIP_LOCKED, TRUNCATE OFF${analyze}`);
      this.#lastVacuumError = null;
    } catch (err) {
      const wrapped = databaseError({ what: 'vacuuming the ring', job: 'owner' }, names.table, err);
      this.#lastVacuumError = wrapped instanceof Error ? wrapped.message : String(wrapped);
      throw wrapped;
    }
  }

  /** Brings the pair list in line with the rows: adds pairs others wrote, drops pairs whose rows are gone. */
  async refreshPairs(): Promise<void> {
    const { db, names } = this.#ctx;
    try {
      for (const sql of refreshPairsSql(names)) await db.query(sql);
    } catch (err) {
      throw databaseError(
        { what: 'refreshing the list of nodes and containers', job: 'write' },
        names.table,
        err,
      );
    }
  }

  /** Starts maintenance when a batch's ids crossed a multiple of `vacuumEvery`; never fails the write. */
  afterWrite(firstId: number, lastId: number): void {
    const every = this.#everyWrites();
    if (every === false || this.#running !== undefined) return;
    if (Math.floor(lastId / every) === Math.floor((firstId - 1) / every)) return;
    // On the first lap and every tenth after: statistics (autovacuum may be off, and then the
    // planner knows nothing) and the pair list. A ring's distribution hardly changes from lap to
    // lap, and ANALYZE costs ten vacuums.
    const capacity = this.#ctx.layout.capacity;
    const lap = Math.floor(lastId / capacity);
    const newLap = lap !== Math.floor((firstId - 1) / capacity);
    const slow = newLap && lap % 10 === 1;
    this.#running = (async () => {
      await this.vacuum({ analyze: slow });
      if (slow) await this.refreshPairs();
    })()
      .catch((err: unknown) => {
        // Shown by state(); failed maintenance must not fail the writes.
        this.#lastVacuumError = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Waits for the maintenance afterWrite started, if any is running. */
  async settle(): Promise<void> {
    await this.#running;
  }

  #everyWrites(): number | false {
    if (this.#vacuumEvery !== undefined) return this.#vacuumEvery;
    return Math.max(200, Math.ceil(this.#ctx.layout.capacity / 4));
  }
}

/** Deletes the rows whose sample_time is more than `keepHours` before now; returns how many. */
export async function cleanupOldSamples(ctx: RingContext, keepHours: number): Promise<number> {
  if (
    typeof keepHours !== 'number' ||
    !Number.isFinite(keepHours) ||
    keepHours < 0 ||
    keepHours > MAX_KEEP_HOURS
  ) {
    throw new RingStoreError(
      'bad-input',
      `keepHours ${String(keepHours)} must be a number of hours from 0 to ${MAX_KEEP_HOURS} (a thousand years)`,
    );
  }
  const cutoff = Math.floor(ctx.now() / 1000 - keepHours * 3600);
  const table = quoteIdent(ctx.names.table);
  try {
    return await ctx.db.transaction(async (tx) => {
      // Writers overwrite exactly the oldest rows, which are the ones this deletes; taking the
      // table first keeps the two from locking those rows in opposite orders (a deadlock).
      await tx.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
      const res = await tx.query(`DELETE FROM ${table} WHERE sample_time < $1`, [cutoff]);
      return res.rowCount;
    });
  } catch (err) {
    throw databaseError({ what: 'deleting old samples', job: 'cleanup' }, ctx.names.table, err);
  }
}
