import { closeSync, createWriteStream, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions, multistream, pino } from 'pino';
import { maskSecrets, RingmonError } from './errors.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The spec's level names (Python's) and ours: `INFO`, `WARNING`, `CRITICAL` … → pino's. */
export function normalizeLogLevel(level: string): LogLevel | null {
  const lower = level.toLowerCase();
  const aliases: Record<string, LogLevel> = { warning: 'warn', critical: 'fatal' };
  const normalized = aliases[lower] ?? lower;
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(normalized)
    ? (normalized as LogLevel)
    : null;
}

export interface LogOptions {
  level?: LogLevel;
  /** JSON lines go to this file; readable lines go to stderr as well when it is a terminal. */
  file?: string | undefined;
  /** Strings that must never be written (passwords): replaced by `***` wherever they appear. */
  secrets?: readonly string[];
  /** Where readable lines go (default stderr). */
  terminal?: NodeJS.WritableStream;
}

/**
 * The agent's logger: JSON lines to the log file, readable lines on a terminal. Every line passes
 * through a scrubber, so a password never reaches a log even inside an error message from a driver.
 */
export function createLog(options: LogOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const scrub = (text: string) => {
    let clean = maskSecrets(text);
    for (const secret of secrets) clean = clean.split(secret).join('***');
    return clean;
  };
  const terminal = options.terminal ?? process.stderr;
  const streams: { stream: DestinationStream; level: LogLevel }[] = [];
  const level = options.level ?? 'info';
  if (options.file) streams.push({ stream: openLogFile(options.file), level });
  if (!options.file || (terminal as NodeJS.WriteStream).isTTY) {
    // pino-pretty (~10 MiB) loads only when a person is watching.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    const readable = pretty({
      destination: terminal,
      colorize: Boolean((terminal as NodeJS.WriteStream).isTTY),
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    });
    streams.push({ stream: readable, level });
  }
  // streamWrite sees each serialised line before any stream does: one scrub covers them all.
  const loggerOptions: LoggerOptions = { level, base: undefined, hooks: { streamWrite: scrub } };
  return pino(loggerOptions, multistream(streams));
}

/** Opens the log file for appending, or fails now with a line that says why (not later, in a stream). */
function openLogFile(path: string): DestinationStream {
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    throw new RingmonError(
      `cannot write log file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; ` +
        'choose another --log-file or fix its directory and permissions',
      'usage',
    );
  }
  return createWriteStream(path, { flags: 'a' });
}
