/** Reads the recorded Docker responses in test/fixtures/docker (see its README). */
import { readFileSync } from 'node:fs';
import type { EngineStats } from 'ringmon/docker';

const ROOT = new URL('../fixtures/docker/', import.meta.url);

/** A fixture file's text. */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

/** A fixture file parsed as JSON. */
export function fixtureJson<T = unknown>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** A recorded stats response. */
export function stats(path: string): EngineStats {
  return fixtureJson<EngineStats>(path);
}

/** The container columns that are rates: NULL, every one, when a reading has no usable predecessor. */
export const RATE_COLUMNS = [
  'cpu_user_pct',
  'cpu_system_pct',
  'cpu_total_pct',
  'disk_read_mb_s',
  'disk_write_mb_s',
  'disk_read_iops',
  'disk_write_iops',
  'net_rx_mb_s',
  'net_tx_mb_s',
  'net_rx_pkts_s',
  'net_tx_pkts_s',
  'net_rx_errs_s',
  'net_tx_errs_s',
  'net_rx_drops_s',
  'net_tx_drops_s',
] as const;
