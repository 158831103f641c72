import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file or directory under test/fixtures. */
export const fixturePath = (relative: string): string =>
  fileURLToPath(new URL(`./fixtures/${relative}`, import.meta.url));

/** The text of a fixture file. */
export const fixtureText = (relative: string): string => readFileSync(fixturePath(relative), 'latin1');
