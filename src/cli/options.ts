import { InvalidArgumentError } from 'commander';

/** A positive number of seconds (fractions allowed), at most a day. */
export function parseSeconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 86_400) {
    throw new InvalidArgumentError('must be a number of seconds above 0 and at most 86400 (e.g. 1 or 0.5).');
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
    throw new InvalidArgumentError('must name at least one device (globs * and ? allowed).');
  return [...previous, ...items];
}
