import type { SampleInput } from '../columns.js';
import type { RingStore } from '../store/ring.js';
import { quoteIdent } from '../store/schema.js';
import type { RowSink } from './agent.js';

/**
 * The ring as the agent's sink. `contains` answers the one question a lost answer leaves open —
 * did that batch commit? — by looking for its last row: the same writer (master flag, node,
 * container), sample time, source and CPU figure. The composite index (master_flag, node_flag,
 * node_name, container_name, sample_time) finds it directly.
 */
export function ringSink(store: RingStore): RowSink {
  const table = quoteIdent(store.table);
  const sql = `SELECT 1 FROM ${table}
    WHERE master_flag = $1 AND node_flag = $2 AND node_name = $3 AND container_name IS NOT DISTINCT FROM $4
      AND sample_time = $5 AND source IS NOT DISTINCT FROM $6 AND cpu_total_pct IS NOT DISTINCT FROM $7::real
    LIMIT 1`;
  return {
    write: (rows) => store.write(rows),
    async contains(row: SampleInput) {
      const result = await store.sqlClient.query(sql, [
        row.master_flag ?? false,
        row.node_flag,
        row.node_name,
        row.container_name ?? null,
        row.sample_time,
        row.source ?? null,
        row.cpu_total_pct ?? null,
      ]);
      return result.rows.length > 0;
    },
  };
}
