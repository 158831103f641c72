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
