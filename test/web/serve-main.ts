/**
 * `ringmon serve` as the lead will wire it (src/cli/main.ts does not register it yet): the command,
 * and main's handling of errors (one line, exit 2 for bad input, 1 for failures).
 */
import { Command, CommanderError } from 'commander';
import { registerServe } from '../../src/cli/serve.js';
import { plainUsageMessage } from '../../src/cli/usage-message.js';
import { RingmonError } from '../../src/errors.js';

const program = new Command('ringmon')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(plainUsageMessage(text)) });
registerServe(program);
for (const command of program.commands) command.exitOverride();
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else if (error instanceof RingmonError) {
    process.stderr.write(`ringmon: ${error.message}\n`);
    process.exitCode = error.kind === 'usage' ? 2 : 1;
  } else throw error;
}
