/**
 * Checks a writer's rows against the column list and turns each into its values in INPUT_COLUMNS
 * order, as the write statement binds them.
 */
import { type ColumnSpec, MAX_NAME_LENGTH, type SampleInput } from '../../columns.js';
import { RingStoreError } from '../errors.js';
import { INPUT_COLUMNS } from './schema.js';

const INT4_MAX = 2 ** 31 - 1;
/** float4's largest finite value; PostgreSQL rejects larger ones with "value out of range". */
const FLOAT4_MAX = 3.4028234663852886e38;

const INPUT_NAMES = new Set(INPUT_COLUMNS.map((c) => c.name));
const RING_NAMES = new Set(['id', 'slot']);

function bad(rowIndex: number, message: string): RingStoreError {
  return new RingStoreError('bad-input', `rows[${rowIndex}]: ${message}`);
}

function integerValue(c: ColumnSpec, value: number, rowIndex: number): number {
  const rounded = Math.round(value);
  const limit = c.ts === 'integer' ? INT4_MAX : Number.MAX_SAFE_INTEGER;
  if (Math.abs(rounded) > limit) throw bad(rowIndex, `${c.name} = ${value} is out of range for ${c.sql}`);
  return rounded;
}

/**
 * One column's value, ready to bind. Integer columns are rounded (MiB and counts arrive as doubles);
 * NaN and ±Infinity in metric columns mean "not measurable this time" and become empty.
 */
function cellValue(c: ColumnSpec, value: unknown, rowIndex: number, emptyMetric: 0 | null): unknown {
  if (value === undefined || value === null) return c.scope === 'identity' ? null : emptyMetric;
  switch (c.ts) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(rowIndex, `${c.name} must be true or false`);
      return value;
    case 'text':
      if (typeof value !== 'string') throw bad(rowIndex, `${c.name} must be a string`);
      return value;
    default: {
      if (typeof value !== 'number') throw bad(rowIndex, `${c.name} must be a number, got ${typeof value}`);
      if (!Number.isFinite(value)) {
        if (c.scope === 'identity') throw bad(rowIndex, `${c.name} must be a finite number`);
        return emptyMetric;
      }
      if (c.ts === 'number') {
        if (Math.abs(value) > FLOAT4_MAX) throw bad(rowIndex, `${c.name} = ${value} does not fit REAL`);
        return value;
      }
      return integerValue(c, value, rowIndex);
    }
  }
}

/** Each row's values in INPUT_COLUMNS order; throws a bad-input RingStoreError naming row and column. */
export function toRowValues(rows: readonly SampleInput[], useNullForEmpty: boolean): unknown[][] {
  const emptyMetric = useNullForEmpty ? null : 0;
  return rows.map((row, i) => {
    if (typeof row !== 'object' || row === null) throw bad(i, 'is not an object');
    const record = row as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined) continue;
      if (RING_NAMES.has(key)) throw bad(i, `${key} is assigned by the ring; leave it out`);
      if (!INPUT_NAMES.has(key)) throw bad(i, `unknown column ${JSON.stringify(key)}`);
    }
    if (typeof record.sample_time !== 'number' || !Number.isFinite(record.sample_time)) {
      throw bad(i, 'sample_time (UTC epoch seconds) is required');
    }
    if (typeof record.node_flag !== 'boolean') throw bad(i, 'node_flag (true = host row) is required');
    if (typeof record.node_name !== 'string' || record.node_name === '') {
      throw bad(i, 'node_name is required');
    }
    for (const key of ['node_name', 'container_name'] as const) {
      const name = record[key];
      if (typeof name === 'string' && name.length > MAX_NAME_LENGTH) {
        throw bad(i, `${key} is ${name.length} characters long; at most ${MAX_NAME_LENGTH}`);
      }
    }
    const container = record.container_name;
    // The overview's loose index scan walks (node_name, container_name); a NULL there would end it.
    if (record.node_flag && container !== undefined && container !== null) {
      throw bad(i, 'a host row (node_flag true) has no container_name');
    }
    if (!record.node_flag && (typeof container !== 'string' || container === '')) {
      throw bad(i, 'a container row (node_flag false) needs a container_name');
    }
    return INPUT_COLUMNS.map((c) => cellValue(c, record[c.name], i, emptyMetric));
  });
}
