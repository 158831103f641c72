/**
 * The fallback reader: the `docker` CLI, for when the API socket cannot be used but the CLI works (a
 * docker context, an ssh:// DOCKER_HOST, a socket only the CLI's helper can reach) or when forced.
 *
 * One reading = `docker inspect` of the selected containers (full ID, start time, limit, networks) and one
 * `docker stats --no-stream --no-trunc --format '{{json .}}'` of the running ones. The CLI gives rounded
 * human units and no packet, error, drop, IOPS, user/system CPU or shared-memory figures: those are NULL.
 * Its CPU % is the engine's own ~1 s window before the answer, divided here by the engine's CPU count.
 */
import { execFile } from 'node:child_process';
import { ContainerNotFoundError, ContainerNotRunningError, DockerUnavailableError } from './errors.js';
import { parseEngineTime } from './formulas.js';
import { parseHumanSizePair, parsePercent } from './human-units.js';
import type { ContainerProblem, ContainerReader, ReadResult } from './reader.js';
import type { ContainerInfo, ContainerReading } from './types.js';

/** Runs `docker ARGS…` and gives its output; never rejects for a non-zero exit. */
export type DockerCommandRunner = (
  args: readonly string[],
) => Promise<{ stdout: string; stderr: string; exitCode: number }>;

/** A runner that spawns the `docker` binary from PATH (or `binary`) with the given environment. */
export function execDockerCli(
  options: { env?: NodeJS.ProcessEnv; binary?: string; timeoutMs?: number } = {},
): DockerCommandRunner {
  const binary = options.binary ?? 'docker';
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(
        binary,
        [...args],
        {
          env: options.env ?? process.env,
          timeout: options.timeoutMs ?? 30_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
          if (e && typeof e.code === 'string') {
            reject(
              new DockerUnavailableError(
                e.code === 'ENOENT' ? `no docker CLI (${binary} not found)` : `${binary}: ${e.code}`,
                { cause: err },
              ),
            );
            return;
          }
          const exitCode = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
          resolve({ stdout: String(stdout), stderr: String(stderr), exitCode });
        },
      );
    });
}

/** One line of `docker stats --no-stream --format '{{json .}}'`. */
export interface DockerStatsLine {
  BlockIO: string;
  CPUPerc: string;
  Container?: string;
  ID: string;
  MemPerc?: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs?: string;
}

/** The fields of `docker inspect` the CLI reader uses. */
export interface DockerInspectSubset {
  Id: string;
  Name: string;
  State?: { Running?: boolean; StartedAt?: string };
  HostConfig?: { Memory?: number; NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> | null };
}

/** Parses `docker stats --format '{{json .}}'` output, one JSON object a line. */
export function parseDockerStatsLines(text: string): DockerStatsLine[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as DockerStatsLine);
}

/**
 * A reading from one `docker stats` line and the container's `docker inspect`. `onlineCpus` turns the
 * CLI's CPU % (100 = one CPU) into percent of the host; `readMs` is when the CLI answered.
 */
export function readingFromCli(
  line: DockerStatsLine,
  inspect: DockerInspectSubset | undefined,
  onlineCpus: number | null,
  readMs: number,
): ContainerReading {
  const cpu = parsePercent(line.CPUPerc);
  const [memUsed, memLimit] = parseHumanSizePair(line.MemUsage);
  const [netRx, netTx] = parseHumanSizePair(line.NetIO);
  const [blkRead, blkWrite] = parseHumanSizePair(line.BlockIO);
  const configuredLimit = inspect?.HostConfig?.Memory;
  // `--network none` (or no networks at all) has no interfaces; the CLI still prints "0B / 0B".
  const networks = inspect?.NetworkSettings?.Networks;
  const noNetwork =
    inspect?.HostConfig?.NetworkMode === 'none' ||
    (inspect !== undefined && Object.keys(networks ?? {}).length === 0);
  return {
    id: inspect?.Id ?? line.ID,
    name: (inspect?.Name ?? line.Name).replace(/^\//, ''),
    startedMs: parseEngineTime(inspect?.State?.StartedAt ?? ''),
    readMs,
    source: 'docker-cli',
    cpuTotalNs: null,
    cpuUserNs: null,
    cpuSystemNs: null,
    systemCpuNs: null,
    cpuHostPct: cpu !== null && onlineCpus ? Math.min(100, cpu / onlineCpus) : null,
    memUsedBytes: memUsed,
    // The configured limit is exact; the CLI's "23.54GiB" (the host's memory when unlimited) has 4 digits.
    memLimitBytes: configuredLimit && configuredLimit > 0 ? configuredLimit : memLimit,
    memSharedBytes: null,
    diskReadBytes: blkRead,
    diskWriteBytes: blkWrite,
    diskReadOps: null,
    diskWriteOps: null,
    netRxBytes: noNetwork ? null : netRx,
    netTxBytes: noNetwork ? null : netTx,
    netRxPackets: null,
    netTxPackets: null,
    netRxErrors: null,
    netTxErrors: null,
    netRxDropped: null,
    netTxDropped: null,
  };
}

/** Does this inspected container answer to the selector (full or short ID, or name)? */
function matches(c: DockerInspectSubset, selector: string): boolean {
  return c.Id.startsWith(selector) || c.Name === `/${selector}` || c.Name === selector;
}

/** Options of {@link DockerCliReader}. */
export interface DockerCliReaderOptions {
  /** The clock of the readings' `readMs` (default `Date.now`). */
  now?: () => number;
}

/** The docker CLI reader (`source` = `docker-cli`). */
export class DockerCliReader implements ContainerReader {
  readonly source = 'docker-cli' as const;
  readonly endpoint = 'docker CLI';
  readonly #run: DockerCommandRunner;
  #onlineCpus: number | null = null;
  readonly #now: () => number;

  constructor(run: DockerCommandRunner = execDockerCli(), options: DockerCliReaderOptions = {}) {
    this.#run = run;
    this.#now = options.now ?? Date.now;
  }

  /** `docker info` answers only when the CLI reaches an engine; it also gives the CPU count. */
  async ping(): Promise<void> {
    const r = await this.#run(['info', '--format', '{{json .NCPU}}']);
    const ncpu = Number(r.stdout.trim());
    if (r.exitCode !== 0 || !(ncpu > 0)) {
      throw new DockerUnavailableError(
        `the docker CLI cannot reach an engine: ${firstLine(r.stderr) || 'no answer'}`,
      );
    }
    this.#onlineCpus = ncpu;
  }

  async listContainers(): Promise<ContainerInfo[]> {
    const r = await this.#run(['ps', '--no-trunc', '--format', '{{json .}}']);
    if (r.exitCode !== 0) throw new DockerUnavailableError(`docker ps failed: ${firstLine(r.stderr)}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => {
        const c = JSON.parse(l) as {
          ID: string;
          Names: string;
          Image: string;
          Status: string;
          State?: string;
        };
        return {
          name: c.Names.split(',')[0] ?? '',
          id: c.ID,
          image: c.Image,
          status: c.Status,
          state: c.State ?? 'running',
        };
      });
  }

  async read(selectors: readonly string[] | 'all'): Promise<ReadResult> {
    if (this.#onlineCpus === null) await this.ping();
    const all = selectors === 'all';
    const wanted = all ? (await this.listContainers()).map((c) => c.id) : [...selectors];
    if (wanted.length === 0) return { readings: [], problems: [], unchanged: [] };

    const ins = await this.#run(['inspect', '--type', 'container', ...wanted]);
    let inspected: DockerInspectSubset[] = [];
    try {
      inspected = JSON.parse(ins.stdout || '[]') as DockerInspectSubset[];
    } catch {
      throw new DockerUnavailableError(
        `docker inspect failed: ${firstLine(ins.stderr) || 'unparsable output'}`,
      );
    }
    if (ins.exitCode !== 0 && inspected.length === 0 && !/no such/i.test(ins.stderr)) {
      throw new DockerUnavailableError(`docker inspect failed: ${firstLine(ins.stderr)}`);
    }

    const problems: ContainerProblem[] = [];
    const running: DockerInspectSubset[] = [];
    for (const sel of wanted) {
      const c = inspected.find((i) => matches(i, sel));
      if (!c) problems.push({ selector: sel, error: new ContainerNotFoundError(sel) });
      else if (c.State?.Running !== true)
        problems.push({ selector: sel, error: new ContainerNotRunningError(sel) });
      else if (!running.includes(c)) running.push(c);
    }
    if (running.length === 0) return { readings: [], problems: all ? [] : problems, unchanged: [] };

    const st = await this.#run([
      'stats',
      '--no-stream',
      '--no-trunc',
      '--format',
      '{{json .}}',
      ...running.map((c) => c.Id),
    ]);
    const readMs = this.#now();
    if (st.exitCode !== 0) throw new Error(`docker stats failed: ${firstLine(st.stderr)}`);
    const readings: ContainerReading[] = [];
    for (const line of parseDockerStatsLines(st.stdout)) {
      const c = running.find((i) => i.Id.startsWith(line.ID));
      if (c) readings.push(readingFromCli(line, c, this.#onlineCpus, readMs));
    }
    return { readings, problems: all ? [] : problems, unchanged: [] };
  }

  close(): void {}
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
