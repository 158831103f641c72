/**
 * The README's bash examples, run as written where this machine can (README.md, ```bash blocks).
 *
 * `ringmon` is on the PATH as `npm install -g .` puts it there: a `ringmon` that runs this
 * checkout's bin/ringmon.js (the test builds nothing; npm test builds first). Two substitutions,
 * the same for every command, and nothing else:
 *  - a `run` without `--samples` gets `--samples 1`: as written it samples until Ctrl-C;
 *  - the host name `db` (the database server of the README's examples) becomes `localhost`.
 * The examples' database `monitoring` and role `monitor_user` are created on the local server
 * (trust authentication, so no password) when they are not there, and left in place for the next
 * run: the ring the examples create in it holds at most the 5,000 rows of their `--capacity`.
 * Commands naming containers get them (`web-server`, `database`) on the private Docker engine when
 * RINGMON_TEST_DOCKER_HOST is set; without it they sample the host only, with one warning.
 * Every command either runs here or is in NOT_RUN with the reason it cannot.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PG_URL, pgUnavailable } from './store/backends.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const CI = process.env.CI === 'true';

/** Each command line of every bash block, its trailing `# comment` dropped. */
const commands = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) =>
  m[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter(Boolean),
);

/** Commands this test does not run, and why. */
const NOT_RUN: Record<string, string> = {
  'npm ci && ./bin/ringmon.js run --serve':
    'npm ci would reinstall the node_modules of the checkout running this test, and run --serve runs until Ctrl-C; test/install.test.ts installs with npm ci on a copy, and test/agent-cli.test.ts runs run --serve',
  'npm test': 'it is the test run this test is part of',
  'ringmon run --config /etc/ringmon/config.yaml':
    'needs the configuration a deployment installs (deploy/config.example.yaml is an Ansible template, refused until rendered: test/cli-bad-input.test.ts and src/config tests read config files)',
};

/** The two substitutions of this file's header, applied to every command that runs. */
function asRun(command: string): string {
  let line = command.replace(/@db:/g, '@localhost:').replace(/--host db\b/g, '--host localhost');
  if (/\bringmon(\.js)? run\b/.test(line) && !/--samples\b/.test(line)) line += ' --samples 1';
  return line;
}

/** The names of the containers a command asks for (`--container NAME`). */
const containersOf = (command: string) => [...command.matchAll(/--container (\S+)/g)].map((m) => m[1]!);

describe.skipIf(pgUnavailable !== null && !CI)("the README's bash examples", () => {
  it('lists every command it does not run, and each listed command is in the README', () => {
    for (const listed of Object.keys(NOT_RUN)) expect(commands).toContain(listed);
    // The README's first two commands stay the ones a newcomer types (also in test/readme.test.ts).
    expect(commands.slice(0, 2)).toEqual(['npm ci && ./bin/ringmon.js run --serve', 'npm test']);
    expect(commands.filter((c) => !(c in NOT_RUN)).length).toBeGreaterThanOrEqual(5);
  });

  it('runs every other command as written, exit 0, no stack trace', async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    const admin = new pg.Client(PG_URL);
    await admin.connect();
    const ignoreExisting = (error: { code?: string }) => {
      // 42710 role exists, 42P04 database exists, 23505: another run created it at the same time.
      if (!['42710', '42P04', '23505'].includes(error.code ?? '')) throw error;
    };
    await admin.query('CREATE ROLE monitor_user LOGIN').catch(ignoreExisting);
    await admin.query('CREATE DATABASE monitoring OWNER monitor_user').catch(ignoreExisting);
    await admin.end();

    const bin = mkdtempSync(join(tmpdir(), 'ringmon-readme-bash-'));
    const shim = join(bin, 'ringmon');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin', 'ringmon.js')}" "$@"\n`);
    chmodSync(shim, 0o755);
    const dockerHost = process.env.RINGMON_TEST_DOCKER_HOST;
    const image = process.env.RINGMON_TEST_DOCKER_IMAGE || 'ringmon-test/busybox:1';
    const docker = (args: string[]) =>
      spawnSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: dockerHost } });
    const started: string[] = [];
    try {
      for (const command of commands.filter((c) => !(c in NOT_RUN))) {
        const wanted = containersOf(command);
        if (dockerHost) {
          for (const name of wanted) {
            docker(['rm', '-f', name]);
            const run = docker([
              'run',
              '-d',
              '--label',
              'ringmon-test=1',
              '--name',
              name,
              image,
              'sleep',
              '600',
            ]);
            expect(run.stderr, `docker run ${name}`).toBe('');
            started.push(name);
          }
        }
        const result = spawnSync('bash', ['-c', asRun(command)], {
          cwd: root,
          encoding: 'utf8',
          timeout: 120_000,
          env: {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            POSTGRES_PASSWORD: '',
            PGPASSWORD: '',
            DATABASE_URL: '',
            PGHOST: '',
            PGDATABASE: '',
            PGUSER: '',
            ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}),
          },
        });
        const what = `${asRun(command)}\n${result.stderr}`;
        expect(result.stderr, what).not.toMatch(/\n\s+at /);
        expect(result.status, what).toBe(0);
        if (command.includes(' sample')) expect(result.stdout, what).toMatch(/cpu_total_pct/);
        if (dockerHost && wanted.length > 0) {
          // The containers were sampled: their rows are in the examples' ring.
          const ring = new pg.Client(PG_URL.replace(/\/[^/]*$/, '/monitoring'));
          await ring.connect();
          try {
            const names = await ring.query<{ container_name: string }>(
              'SELECT DISTINCT container_name FROM monitor_samples_ring WHERE NOT node_flag ORDER BY 1',
            );
            expect(names.rows.map((r) => r.container_name)).toEqual(expect.arrayContaining(wanted));
          } finally {
            await ring.end();
          }
        }
      }
    } finally {
      for (const name of started) docker(['rm', '-f', name]);
      rmSync(bin, { recursive: true, force: true });
    }
  }, 300_000);
});
