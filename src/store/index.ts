/**
 * `ringmon/store`: the ring alone, for programs that write or read samples without sampling
 * anything; the main entry adds the host collector and the monitor. `npm run bench -- import`
 * measures what each entry costs to import.
 */
export * from '../columns.js';
export { RingmonError } from '../errors.js';
export {
  type OpenSqlClientOptions,
  openSqlClient,
  type PgliteTuning,
  type QueryOptions,
  type RingDb,
  type SqlClient,
  type SqlQueryable,
  type SqlResult,
} from './client/sql-client.js';
export { RingStoreError, type RingStoreErrorCode } from './errors.js';
export type { VacuumOptions } from './ring/maintenance.js';
export type { MasterWrite } from './ring/reads.js';
export {
  type AheadOfClock,
  type LatestSample,
  type OpenResize,
  type ReadClock,
  type RecentQuery,
  type ReplicationState,
  type ResizeResult,
  type RingLayout,
  type RingState,
  RingStore,
  type RingStoreOptions,
  type SetCapacityOptions,
  type StandbyInfo,
  type WriteResult,
} from './ring/ring.js';
export { MAX_CAPACITY, validateCapacity, validateTableName } from './ring/schema.js';
export type { ChartMode, WindowQuery, WindowResult, WindowRow } from './ring/window.js';
