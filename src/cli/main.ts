import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { RingmonError } from '../errors.js';
import { registerContainers } from './containers.js';
import { registerMaintenance } from './maintenance.js';
import { maskedCommandLine } from './process-title.js';
import { registerRecent } from './recent.js';
import { registerRun } from './run.js';
import { registerSample } from './sample.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { plainUsageMessage } from './usage-message.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const EXIT_USAGE = 2;
const EXIT_RUNTIME = 1;
/** The agent stopped with samples the database never took. */
const EXIT_LOST = 4;

export function buildProgram(): Command {
  const program = new Command('ringmon')
    .description(
      'Linux host and Docker container monitor with a fixed-size circular-buffer table in PostgreSQL',
    )
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(plainUsageMessage(text)) });
  registerRun(program);
  registerSample(program);
  registerRecent(program);
  registerStatus(program);
  registerMaintenance(program);
  registerContainers(program);
  registerServe(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI; every failure ends as one line on stderr and an exit code, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    // Bare `ringmon` would start an agent (run is the default command, for `ringmon --flags`):
    // with no arguments at all, say what there is instead; beside a running agent it wrote duplicates.
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    const first = argv[0] ?? '';
    const names = program.commands.map((c) => c.name());
    if (!first.startsWith('-') && first !== 'help' && !names.includes(first)) {
      process.stderr.write(
        `ringmon: unknown command '${first}' (commands: ${names.join(', ')}; ringmon --help)\n`,
      );
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    // A command may set its own code (status --fail-on-stale: 3).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message already; --help and --version end here too, with code 0.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof RingmonError) {
      process.stderr.write(`ringmon: ${error.message}\n`);
      return error.kind === 'usage' ? EXIT_USAGE : error.kind === 'lost' ? EXIT_LOST : EXIT_RUNTIME;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`ringmon: unexpected error: ${message.split('\n')[0]}\n`);
    return EXIT_RUNTIME;
  }
}

// Before anything else runs: other users can read this process's command line.
const masked = maskedCommandLine(process.argv);
if (masked !== null) process.title = masked;
process.exitCode = await main(process.argv.slice(2));
