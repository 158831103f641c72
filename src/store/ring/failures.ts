/**
 * How the ring turns a driver's failure into a RingStoreError: one line that says what the store
 * was doing, on which table, why it failed, and for a missing privilege the grant that fixes it.
 */
import { asDriverError, oneLine, RingStoreError } from '../errors.js';
import { type RingJob, type RingNames, ringGrants, ringNames } from './schema.js';

/** What the store was doing, as the message says it, and whose job that is (for the grant hint). */
export interface RingAction {
  /** e.g. `writing 3 row(s)`, `reading recent samples`. */
  what: string;
  /** The grants ringGrants lists for the job, or `owner` for what only the ring's owner may do. */
  job: RingJob | 'owner';
}

/** A RingStoreError passes as it is; anything else becomes code 'database' with the action named. */
export function databaseError(action: RingAction, table: string, err: unknown): unknown {
  if (err instanceof RingStoreError) return err;
  const d = asDriverError(err);
  const hint = d.code === '42501' ? grantHint(action.job, table, d.message ?? '') : '';
  return new RingStoreError(
    'database',
    `${action.what} (table ${table}) failed: ${oneLine(d.message ?? String(err))}${d.code ? ` [${d.code}]` : ''}${hint}`,
    { cause: err },
  );
}

/** For `permission denied for table X`: the grant the role lacks for its job, as ringGrants lists them. */
function grantHint(job: RingJob | 'owner', table: string, message: string): string {
  const object = /permission denied for (?:table|sequence|relation) "?([^"\s]+)"?/.exec(message)?.[1];
  const howTo = 'README, "Roles and grants", lists what each command needs';
  if (job === 'owner')
    return `; only the ring's owner may do this: run it as the role that created ${table} (${howTo})`;
  const grant = ringGrants(ringNames(table), job).find((g) => g.object === object);
  if (grant === undefined) return `; ${howTo}`;
  const on = `${grant.kind === 'SEQUENCE' ? 'SEQUENCE ' : ''}${grant.object}`;
  return `; the role needs GRANT ${grant.privileges} ON ${on} (${howTo}), or run it as the ring's owner`;
}

/** A write that failed because the ring's table, metadata, pair list or write function is not there. */
export function isMissingRing(err: unknown, names: RingNames): boolean {
  const d = asDriverError(err);
  const message = d.message ?? '';
  if (d.code === '42P01')
    return [names.table, names.meta, names.pairs].some((t) => message.includes(`"${t}"`));
  return d.code === '42883' && message.includes(names.writeFunction);
}

/**
 * The plain write's failure in a ring whose metadata it cannot use: no capacity row, or a ring
 * shared out per node (the slot comes out NULL either way).
 */
export function isNullSlot(err: unknown): boolean {
  const d = asDriverError(err);
  return d.code === '23502' && /slot/.test(d.message ?? '');
}
