/**
 * External programs the dashboard tests drive: Debian's Chromium and Prometheus's promtool. Absent
 * on a developer's machine they skip with a message; with CI=true their absence fails the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it } from 'vitest';

export const CI = process.env.CI === 'true';
export const CHROMIUM = '/usr/bin/chromium';
/** Exactly the flags the issue names: no sandbox (root in CI), no network beyond the page's own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function which(program: string): string | null {
  const res = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  const path = res.stdout.trim();
  return res.status === 0 && path !== '' ? path : null;
}

export const PROMTOOL = which('promtool');
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * `it`, or, when `available` is false: under CI a failing test that says what to install, elsewhere
 * a skipped one whose title says why.
 */
export function itWith(available: boolean, what: string, install: string) {
  return (title: string, fn: () => Promise<void> | void, timeout?: number) => {
    if (available) return it(title, fn, timeout);
    if (CI) {
      return it(title, () => {
        throw new Error(`${what} is missing and CI=true: ${install}`);
      });
    }
    console.warn(`skipping "${title}": ${what} is not installed (${install})`);
    return it.skip(`${title} [skipped: ${what} not installed; ${install}]`, fn);
  };
}

export const itWithPromtool = itWith(PROMTOOL !== null, 'promtool', 'apt-get install prometheus');
export const itWithChromium = itWith(HAVE_CHROMIUM, CHROMIUM, 'apt-get install chromium');

/** `promtool check metrics` on the text: its exit code and what it printed. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const res = spawnSync(PROMTOOL ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}`.trim() };
}
