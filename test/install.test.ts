/**
 * The README's install, as a user does it: `npm ci && npm install -g .` from a checkout (the
 * global command links the checkout, which npm ci has built), and `npm pack` then a global install
 * of the tarball (a copy with dist/ in it, built when packing: nothing is compiled at install). Each
 * into a prefix of its own; the installed `ringmon` runs the agent on the embedded store, which
 * also loads the OS lock's native addon from the installed copy.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ringmon-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { version } = (await import('../package.json', { with: { type: 'json' } })).default as {
  version: string;
};

function npm(args: string[], cwd = root) {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

function runs(bin: string, dataDir: string) {
  const env = { ...process.env, DATABASE_URL: '', PGHOST: '', HOME: join(dir, 'home') };
  expect(spawnSync(bin, ['--version'], { encoding: 'utf8', env }).stdout.trim()).toBe(version);
  const agent = spawnSync(bin, ['run', '--data-dir', dataDir, '--samples', '1', '--log-level', 'warn'], {
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  expect(agent.stderr).toBe('');
  expect(agent.status).toBe(0);
}

describe('installing ringmon', () => {
  it('npm install -g . from a built checkout links it: ringmon on the PATH', () => {
    const prefix = join(dir, 'linked');
    // --ignore-scripts: dist/ is built (npm test builds first), and a rebuild here would rewrite it
    // under the tests running beside this one. npm 11 skips a global install's scripts anyway.
    npm(['install', '-g', '.', '--prefix', prefix, '--ignore-scripts']);
    const bin = join(prefix, 'bin', 'ringmon');
    expect(readlinkSync(bin)).toMatch(/ringmon\/bin\/ringmon\.js$/);
    runs(bin, join(dir, 'linked-data'));
  }, 240_000);

  it('npm pack, then npm install -g of the tarball: a built copy, nothing compiled at install', () => {
    const packed = npm(['pack', '--pack-destination', dir, '--silent', '--ignore-scripts'])
      .trim()
      .split('\n')
      .at(-1)!;
    const prefix = join(dir, 'copied');
    npm(['install', '-g', join(dir, packed), '--prefix', prefix]);
    const bin = join(prefix, 'bin', 'ringmon');
    expect(readlinkSync(bin)).toBe('../lib/node_modules/ringmon/bin/ringmon.js');
    runs(bin, join(dir, 'copied-data'));
  }, 240_000);
});
