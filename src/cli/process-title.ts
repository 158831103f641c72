import { maskSecrets } from '../errors.js';

/**
 * The command line as `ps` and /proc/PID/cmdline show it, with its secrets masked: the values of
 * --password and --token and the password of any connection URL. Anyone on the host can read
 * another process's command line, so the CLI sets this as the process title as soon as it starts
 * (Linux then shows the title in place of the arguments); the environment (PGPASSWORD,
 * RINGMON_DASHBOARD_TOKEN) is the better place for secrets, and --help says so.
 */
const SECRET_FLAGS = new Set(['--password', '--token']);
const MASK = '***';

/** `argv` (node's own path first) with every secret replaced by ***; null when it holds none. */
export function maskedCommandLine(argv: readonly string[]): string | null {
  let changed = false;
  const masked = argv.map((arg, i) => {
    const flag = /^(--[a-z-]+)=/.exec(arg)?.[1];
    let out = arg;
    if (flag !== undefined && SECRET_FLAGS.has(flag)) out = `${flag}=${MASK}`;
    else if (i > 0 && SECRET_FLAGS.has(argv[i - 1] ?? '')) out = MASK;
    else out = maskSecrets(arg);
    if (out !== arg) changed = true;
    return out;
  });
  return changed ? masked.join(' ') : null;
}
