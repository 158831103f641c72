import type { Command } from 'commander';
import { textTable } from '../format/text.js';

interface ContainersOptions {
  json?: boolean;
  dockerCli?: boolean;
}

/** `ringmon containers`: the running containers, as `docker ps` names them. */
export function registerContainers(program: Command): void {
  program
    .command('containers')
    .description('list the running Docker containers (name, ID, image, status)')
    .option('--json', 'print a JSON array of {name, id, image, status, state}')
    .option('--docker-cli', 'read through the docker CLI instead of the Engine API socket')
    .action((options: ContainersOptions) => runContainers(options));
}

/** Prints the list; rejects with `DockerUnavailableError` (a one-line `RingmonError`) without Docker. */
export async function runContainers(
  options: ContainersOptions,
  io: { env?: Readonly<Record<string, string | undefined>>; write?: (text: string) => void } = {},
): Promise<void> {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const { listContainers } = await import('../collect/docker/index.js');
  const list = await listContainers({ forceCli: options.dockerCli, env: io.env });
  if (options.json) {
    write(`${JSON.stringify(list)}\n`);
    return;
  }
  if (list.length === 0) {
    write('(no running containers)\n');
    return;
  }
  const rows = list.map((c) => [c.name, c.id.slice(0, 12), c.image, c.status]);
  write(`${textTable([['NAME', 'CONTAINER ID', 'IMAGE', 'STATUS'], ...rows])}\n`);
}
