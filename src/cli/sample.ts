import { hostname } from 'node:os';
import type { Command } from 'commander';
import { HostCollector, type HostCollectorOptions, hostSampleBetween } from '../collect/host/collector.js';
import type { HostSnapshot } from '../collect/host/snapshot.js';
import { type HostFlags, resolveHostReading } from '../config/settings.js';
import { DEFAULTS } from '../defaults.js';
import { RingmonError } from '../errors.js';
import { rowJson, rowTable } from '../format/text.js';
import { nodeRow } from '../rows/node-row.js';
import { addHostOptions, collectList, parseSeconds } from './options.js';

interface SampleOptions extends HostFlags {
  interval: number;
  json?: boolean;
  nodeName?: string;
  procAfter?: string;
  sysAfter?: string;
  container?: string[];
  allContainers?: boolean;
  dockerCli?: boolean;
}

export function registerSample(program: Command): void {
  const command = program
    .command('sample')
    .description('take two snapshots INTERVAL seconds apart and print one host row (no database needed)')
    .option(
      '--interval <seconds>',
      'seconds between the two snapshots',
      parseSeconds,
      DEFAULTS.intervalSeconds,
    )
    .option('--json', 'print one JSON object keyed by the column names')
    .option('--node-name <name>', 'node name to put in the row (default: the host name)');
  addHostOptions(command)
    .option(
      '--proc-after <dir>',
      'replay: read the second snapshot from this copy of /proc instead of waiting (with --interval as the time between)',
    )
    .option('--sys-after <dir>', 'replay: the copy of /sys that goes with --proc-after (default: --sys)')
    .option(
      '--container <name>',
      "print this container's row instead of the host's (repeatable; name or ID)",
      collectList,
    )
    .option('--all-containers', "print every running container's row instead of the host's")
    .option('--docker-cli', 'read containers through the docker CLI instead of the Engine API')
    .action((options: SampleOptions) =>
      options.container || options.allContainers ? runContainerSample(options) : runSample(options),
    );
}

async function runSample(options: SampleOptions): Promise<void> {
  const collectorOptions = resolveHostReading(options);
  if (options.sysAfter && !options.procAfter) {
    throw new RingmonError(
      '--sys-after needs --proc-after: replay reads both snapshots from copies',
      'usage',
    );
  }
  const unmatched = unmatchedIncludes(collectorOptions);
  const [before, after] = options.procAfter
    ? replaySnapshots(
        collectorOptions,
        options.procAfter,
        options.sysAfter ?? collectorOptions.sysRoot,
        options.interval,
      )
    : await liveSnapshots(collectorOptions, options.interval);
  const sample = hostSampleBetween(before, after);
  for (const line of unmatched) process.stderr.write(`ringmon: warning: ${line}\n`);
  for (const error of sample.errors) process.stderr.write(`ringmon: warning: ${error}\n`);
  const row = nodeRow(sample, { nodeName: options.nodeName }, options.interval);
  process.stdout.write(`${options.json ? rowJson(row) : rowTable(row)}\n`);
}

/** Container rows: two readings `--interval` apart, one row (one JSON line) per container. */
async function runContainerSample(options: SampleOptions): Promise<void> {
  if (options.procAfter)
    throw new RingmonError('--proc-after replays host snapshots; it does not go with --container', 'usage');
  const { sampleContainers } = await import('../collect/docker/index.js');
  const rows = await sampleContainers({
    selectors: options.allContainers ? 'all' : (options.container ?? []),
    intervalSeconds: options.interval,
    nodeName: options.nodeName ?? hostname(),
    forceCli: options.dockerCli,
  });
  if (options.json) {
    for (const row of rows) process.stdout.write(`${rowJson(row)}\n`);
  } else {
    process.stdout.write(
      `${rows.length === 0 ? '(no running containers)' : rows.map(rowTable).join('\n\n')}\n`,
    );
  }
}

/** What the device filters match on the (first) tree read: see HostCollector.unmatchedIncludes. */
function unmatchedIncludes(options: HostCollectorOptions): string[] {
  const collector = HostCollector.open(options);
  try {
    return collector.unmatchedIncludes();
  } finally {
    collector.close();
  }
}

async function liveSnapshots(
  options: HostCollectorOptions,
  seconds: number,
): Promise<[HostSnapshot, HostSnapshot]> {
  const collector = HostCollector.open(options);
  try {
    const before = collector.snapshot();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return [before, collector.snapshot()];
  } finally {
    collector.close();
  }
}

/**
 * Two captured trees instead of the live system: the first from --proc/--sys, the second from
 * --proc-after/--sys-after, `seconds` apart. For support bundles, and for exact end-to-end tests.
 */
function replaySnapshots(
  options: HostCollectorOptions,
  procAfter: string,
  sysAfter: string,
  seconds: number,
): [HostSnapshot, HostSnapshot] {
  const read = (procRoot: string | undefined, sysRoot: string | undefined) => {
    const collector = HostCollector.open({ ...options, procRoot, sysRoot });
    try {
      return collector.snapshot();
    } finally {
      collector.close();
    }
  };
  const before = read(options.procRoot, options.sysRoot);
  const after = read(procAfter, sysAfter);
  after.monotonicNs = before.monotonicNs + BigInt(Math.round(seconds * 1e9));
  return [before, after];
}
