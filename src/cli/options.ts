import { type Command, InvalidArgumentError } from 'commander';
import { MAX_KEEP_HOURS } from '../defaults.js';
import { MAX_CAPACITY, MAX_PORT, TABLE_NAME_PATTERN, TABLE_NAME_RULE } from '../limits.js';
import { TARGET_SESSION_ATTRS } from '../store/client/host-list.js';

/** A positive number of seconds (fractions allowed), at most a day. */
export function parseSeconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 86_400) {
    throw new InvalidArgumentError(
      'must be a number of seconds above 0 and at most 86400, a day (e.g. 1 or 0.5)',
    );
  }
  return value;
}

/** Collects a repeatable option into a list; a comma also separates values (`--disk-include sda,sdb`). */
export function collectList(text: string, previous: string[] = []): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new InvalidArgumentError('must name at least one device (globs * and ? allowed)');
  return [...previous, ...items];
}

/**
 * The flags that say which host trees are read and which devices count: `sample` and `run` take
 * the same ones (their values are `HostFlags`, config/settings.ts). They have no commander defaults, so
 * that for `run` the config file's keys apply where a flag is not given; `resolveHostReading` fills
 * in /proc and /sys.
 */
export function addHostOptions(command: Command): Command {
  return command
    .option('--proc <dir>', 'where the proc filesystem is mounted (default /proc; e.g. /host/proc)')
    .option('--sys <dir>', 'where the sys filesystem is mounted (default /sys; e.g. /host/sys)')
    .option('--disk-include <names>', 'count only these block devices (repeatable, globs)', collectList)
    .option('--disk-exclude <names>', 'never count these block devices (repeatable, globs)', collectList)
    .option('--net-include <names>', 'count only these network interfaces (repeatable, globs)', collectList)
    .option('--net-exclude <names>', 'never count these network interfaces (repeatable, globs)', collectList);
}

/** 2147483647 as 2,147,483,647: bounds in messages read at a glance. */
export const grouped = (n: number) => n.toLocaleString('en-US');

/**
 * A whole number within [min, max]. `what` names the number (`a whole number of rows`), `why`
 * what the value is for, so the message says both: `must be a whole number of rows from 1 to
 * 2,147,483,647 (the rows the ring holds)`.
 */
export function wholeNumber(what: string, min: number, max: number, why?: string): (text: string) => number {
  const range =
    max === Number.MAX_SAFE_INTEGER ? `${grouped(min)} or more` : `from ${grouped(min)} to ${grouped(max)}`;
  return (text: string) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be ${what} ${range}${why ? ` (${why})` : ''}`);
    }
    return value;
  };
}

export const parsePort = wholeNumber(
  'a TCP port number',
  1,
  MAX_PORT,
  'PostgreSQL listens on 5432 unless told otherwise',
);
export const parseCapacity = wholeNumber(
  'a whole number of rows',
  1,
  MAX_CAPACITY,
  'the rows the ring holds; its slots are PostgreSQL INTEGERs',
);

/**
 * Rows per node for a ring shared out per node, or `'off'` for one pool (a string, because
 * commander replaces a parser's null with '').
 */
export function parseNodeShare(text: string): number | 'off' {
  if (text.trim().toLowerCase() === 'off') return 'off';
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1 || value > MAX_CAPACITY) {
    throw new InvalidArgumentError(
      `must be a whole number of rows each node keeps (1 to ${grouped(MAX_CAPACITY)}, at most the capacity), or 'off' for one pool shared by every node`,
    );
  }
  return value;
}

/** A positive number of hours (fractions allowed). */
export function parseHours(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > MAX_KEEP_HOURS) {
    throw new InvalidArgumentError(
      `must be a number of hours above 0 and at most ${grouped(MAX_KEEP_HOURS)} (a thousand years), e.g. 24 or 0.5`,
    );
  }
  return value;
}

/** A table name the ring accepts: a plain lowercase identifier, so it never needs quoting tricks. */
export function parseTableName(text: string): string {
  if (!TABLE_NAME_PATTERN.test(text))
    throw new InvalidArgumentError(`must be ${TABLE_NAME_RULE} (so it never needs quoting)`);
  return text;
}

/** libpq's target_session_attrs: which server of several hosts a command uses. */
export function parseTargetSessionAttrs(text: string): string {
  if ((TARGET_SESSION_ATTRS as readonly string[]).includes(text)) return text;
  throw new InvalidArgumentError(`must be one of ${TARGET_SESSION_ATTRS.join(', ')}`);
}
