import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/ringmon.js', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `ringmon` binary as a user would (npm test builds it first). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  if (!existsSync(built))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before the CLI tests');
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface CliProcess {
  child: ReturnType<typeof spawn>;
  /** The exit code (or the signal's name), with everything it printed. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** What it has printed on stderr so far. */
  stderr(): string;
}

/** Starts `ringmon ARGS` in the background, as a user would from a shell. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) =>
      resolve({ code: code ?? (signal as unknown as number), stdout, stderr }),
    ),
  );
  return { child, done, stderr: () => stderr };
}

/** The JSON lines of an agent's --log-file. */
export function logLines(file: string): (Record<string, unknown> & { msg: string })[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string });
}

/**
 * Polls `probe` until it gives a value (anything but undefined; a throw counts as none yet), or
 * fails after `ms` naming `what`.
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
