/** How long a stop may take before another signal forces the exit: the final flush is bounded by 10 s. */
const GRACE_MS = 15_000;

/**
 * SIGINT and SIGTERM as one stop request. The first calls `onStop`; more signals during the next
 * 15 s are ignored, so a second Ctrl-C, or `timeout` signalling both the process and its group,
 * cannot kill the process halfway through its flush and leave the embedded store's lock and socket
 * behind. A signal after that grace exits at once (code 130), in case something hangs.
 */
export function onStopSignal(onStop: (signal: NodeJS.Signals) => void): void {
  let stopAt: number | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (stopAt === null) {
      stopAt = Date.now();
      onStop(signal);
    } else if (Date.now() - stopAt > GRACE_MS) {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
