/**
 * Finds a real Docker engine for the live tests and the containers bench:
 * 1. RINGMON_TEST_DOCKER_HOST (set by `eval "$(scripts/docker-engine.sh up)"`, as `.ci/run` does);
 * 2. as root: starts a throwaway engine with scripts/docker-engine.sh and stops it in `release()`;
 * 3. otherwise a Docker the current user can reach (DOCKER_HOST or the default socket);
 * 4. otherwise none: the caller skips with `reason`, except under CI=true, where this throws.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/docker-engine.sh', import.meta.url));
const DEFAULT_IMAGE = 'ringmon-test/busybox:1';
/** Every container the tests and the bench start carries this label; `removeTestContainers` removes them. */
export const TEST_LABEL = 'ringmon-test=1';

export interface LiveEngine {
  /** unix://… or tcp://… */
  dockerHost: string;
  /** Environment with DOCKER_HOST set, for readers and the docker CLI. */
  env: Record<string, string | undefined>;
  /** The static busybox image. */
  image: string;
  /** Block device under the engine's data root ('' when unknown): target of the blkio throttle rule. */
  blkdev: string;
  /** Runs the docker CLI against this engine; rejects with stderr on a non-zero exit. */
  docker(args: readonly string[], options?: { allowFail?: boolean }): Promise<string>;
  /** Removes the test containers and networks, and stops the engine if it was started here. */
  release(): Promise<void>;
}

export type EngineResult = { engine: LiveEngine } | { engine: null; reason: string };

function run(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...args],
      { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 127
          : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr) || (err ? String(err.message) : ''), code });
      },
    );
  });
}

function makeEngine(
  dockerHost: string,
  image: string,
  blkdev: string,
  stop?: () => Promise<void>,
): LiveEngine {
  const env = { ...process.env, DOCKER_HOST: dockerHost };
  const docker: LiveEngine['docker'] = async (args, options) => {
    const r = await run('docker', args, env);
    if (r.code !== 0 && !options?.allowFail) {
      throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout;
  };
  return {
    dockerHost,
    env,
    image,
    blkdev,
    docker,
    release: async () => {
      await removeTestContainers(docker);
      if (stop) await stop();
    },
  };
}

/**
 * Starts a labelled test container (removed by `removeTestContainers`) from the busybox image that
 * runs `command` in `sh -c`; `args` go before the image (`--network none`, `--memory 256m` …).
 */
export function startTestContainer(
  engine: LiveEngine,
  name: string,
  args: readonly string[],
  command: string,
): Promise<string> {
  return engine.docker([
    'run',
    '-d',
    '--label',
    TEST_LABEL,
    '--name',
    name,
    ...args,
    engine.image,
    'sh',
    '-c',
    command,
  ]);
}

/** Removes every container labelled ringmon-test=1 and the networks the tests created. */
export async function removeTestContainers(docker: LiveEngine['docker']): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${TEST_LABEL}`], { allowFail: true }))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await docker(['rm', '-f', ...ids], { allowFail: true });
  const nets = (await docker(['network', 'ls', '-q', '--filter', `label=${TEST_LABEL}`], { allowFail: true }))
    .split('\n')
    .filter(Boolean);
  if (nets.length > 0) await docker(['network', 'rm', ...nets], { allowFail: true });
}

/** Imports the busybox image from the host's static busybox when the engine does not have it. */
async function ensureImage(engine: LiveEngine): Promise<string | null> {
  const has = await run('docker', ['image', 'inspect', engine.image], engine.env);
  if (has.code === 0) return null;
  if (!existsSync('/bin/busybox'))
    return `image ${engine.image} is missing and /bin/busybox is not there to build it`;
  const script = `set -e; r=$(mktemp -d); mkdir -p $r/bin $r/tmp $r/etc $r/proc $r/sys $r/dev $r/www; chmod 1777 $r/tmp
cp /bin/busybox $r/bin/busybox; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $r/bin/$a; done
tar -C $r -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "${engine.image}" >/dev/null; rm -rf $r`;
  const r = await run('bash', ['-c', script], engine.env);
  return r.code === 0 ? null : `cannot import ${engine.image}: ${r.stderr.trim()}`;
}

async function startThrowawayEngine(): Promise<EngineResult> {
  const child = spawn(SCRIPT, ['up'], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    process.stderr.write(d);
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) {
    // The script's last line says why (a package not installed: how to let it install them).
    const why = err
      .trim()
      .split('\n')
      .at(-1)
      ?.replace(/^\[docker-engine [^\]]*\] /, '');
    return {
      engine: null,
      reason: `scripts/docker-engine.sh up failed (exit ${code})${why ? `: ${why}` : ''}`,
    };
  }
  const vars = Object.fromEntries(
    [...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
  );
  const dir = vars.RINGMON_DOCKER_DIR;
  const host = vars.RINGMON_TEST_DOCKER_HOST;
  if (!dir || !host)
    return { engine: null, reason: 'scripts/docker-engine.sh up printed no RINGMON_TEST_DOCKER_HOST' };
  const stop = async () => {
    const r = await run(SCRIPT, ['down', dir], process.env);
    if (r.code !== 0) process.stderr.write(`docker-engine.sh down failed: ${r.stderr}\n`);
  };
  return {
    engine: makeEngine(
      host,
      vars.RINGMON_TEST_DOCKER_IMAGE || DEFAULT_IMAGE,
      vars.RINGMON_TEST_DOCKER_BLKDEV ?? '',
      stop,
    ),
  };
}

async function find(): Promise<EngineResult> {
  const image = process.env.RINGMON_TEST_DOCKER_IMAGE || DEFAULT_IMAGE;
  const blkdev = process.env.RINGMON_TEST_DOCKER_BLKDEV ?? '';
  const given = process.env.RINGMON_TEST_DOCKER_HOST;
  let engine: LiveEngine;
  if (given) {
    engine = makeEngine(given, image, blkdev);
    const ping = await run('docker', ['version', '--format', '{{.Server.APIVersion}}'], engine.env, 20_000);
    if (ping.code !== 0)
      return {
        engine: null,
        reason: `RINGMON_TEST_DOCKER_HOST=${given} does not answer: ${ping.stderr.trim()}`,
      };
  } else if (process.getuid?.() === 0) {
    const started = await startThrowawayEngine();
    if (!started.engine) return started;
    engine = started.engine;
  } else {
    const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
    engine = makeEngine(host, image, blkdev);
    const ping = await run('docker', ['version', '--format', '{{.Server.APIVersion}}'], engine.env, 20_000);
    if (ping.code !== 0)
      return { engine: null, reason: 'neither Docker (no engine answers) nor root (cannot start one)' };
  }
  const imageProblem = await ensureImage(engine);
  if (imageProblem) {
    await engine.release();
    return { engine: null, reason: imageProblem };
  }
  return { engine };
}

/**
 * A live engine, or a reason to skip. Under CI=true a missing engine is an error: the live tests must run.
 */
export async function acquireEngine(): Promise<EngineResult> {
  const result = await find();
  if (!result.engine && process.env.CI === 'true') {
    throw new Error(`CI=true but no Docker engine for the live tests: ${result.reason}`);
  }
  return result;
}
