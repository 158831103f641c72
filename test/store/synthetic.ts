/**
 * Fills a ring server-side with a synthetic fleet, far faster than writing it through the store:
 * `nodes` hosts, each writing one host row and `containers` container rows per tick, one tick per
 * second. The benchmark uses it for its 1M-row ring; the read tests for a smaller one.
 */
import type { SampleInput } from '../../src/columns.js';
import { INPUT_COLUMNS, quoteIdent } from '../../src/store/ring/schema.js';

/**
 * An agent's tick as the benches write it: one host row and ten container rows of `node`, every
 * metric filled with values that change with `k`.
 */
export function agentTick(node: string, k: number, sampleTime: number): SampleInput[] {
  const rows: SampleInput[] = [];
  for (let c = 0; c <= 10; c++) {
    const row: Record<string, unknown> = {
      sample_time: sampleTime,
      // Set, not left to the column default, so that plain INSERTs store the same rows.
      master_flag: false,
      node_flag: c === 0,
      node_name: node,
      container_name: c === 0 ? null : `container-${c}`,
      source: 'bench',
      interval_seconds: 1,
    };
    for (const col of INPUT_COLUMNS) {
      if (col.scope === 'identity') continue;
      row[col.name] = col.ts === 'integer' ? (k * 7 + c) % 4096 : ((k * 13 + c) % 1000) / 10;
    }
    rows.push(row as SampleInput);
  }
  return rows;
}

export interface Fleet {
  rows: number;
  nodes: number;
  containers: number;
  /** sample_time of the first tick. */
  start?: number;
}

/** Node names sort in number order: node-000, node-001, … */
export function nodeName(i: number): string {
  return `node-${String(i).padStart(3, '0')}`;
}

/**
 * One INSERT … SELECT generate_series that lays `rows` rows out exactly as the ring would have
 * written them (id n in slot n − 1), followed by moving the ring's sequence past them. The ring's
 * capacity must be at least `rows`.
 */
export function fillSql(table: string, fleet: Fleet): string[] {
  const perTick = fleet.nodes * (fleet.containers + 1);
  const k = fleet.containers + 1;
  const start = fleet.start ?? 1_700_000_000;
  const metrics = INPUT_COLUMNS.filter((c) => c.scope !== 'identity').map((c) => ({
    name: quoteIdent(c.name),
    expr: c.ts === 'integer' ? '(random() * 1000)::integer' : '(random() * 100)::real',
  }));
  const t = quoteIdent(table);
  return [
    `INSERT INTO ${t} (id, slot, sample_time, master_flag, node_flag, node_name, container_name, source,
                       interval_seconds, ${metrics.map((m) => m.name).join(', ')})
     SELECT g, g - 1, ${start} + (g - 1) / ${perTick},
            ((g - 1) % ${perTick}) / ${k} = 0,
            (g - 1) % ${k} = 0,
            'node-' || lpad((((g - 1) % ${perTick}) / ${k})::text, 3, '0'),
            CASE WHEN (g - 1) % ${k} = 0 THEN NULL ELSE 'container-' || ((g - 1) % ${k}) END,
            'synthetic', 1, ${metrics.map((m) => m.expr).join(', ')}
       FROM generate_series(1, ${fleet.rows}) g`,
    `SELECT setval(pg_get_serial_sequence('${t}', 'id'), ${fleet.rows})`,
  ];
}
