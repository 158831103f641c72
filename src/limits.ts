/**
 * The rules a value must follow wherever it enters — a flag, a YAML key, a library option — written
 * once, so that the CLI, the configuration file and the library accept exactly the same values.
 */

/**
 * A ring's table name: a plain lowercase identifier, so it never needs quoting tricks, of at most
 * 63 bytes (PostgreSQL's NAMEDATALEN − 1).
 */
export const TABLE_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
/** What TABLE_NAME_PATTERN asks for, in words, for error messages. */
export const TABLE_NAME_RULE =
  'a plain identifier: lowercase letters, digits and _, starting with a letter or _, at most 63';

/** The largest capacity (and node share): slots are INTEGER. */
export const MAX_CAPACITY = 2 ** 31 - 1;

/** The largest TCP port. */
export const MAX_PORT = 65_535;

/**
 * Whether `text` can be an address to listen on: an IP address or a host name. Only the obvious
 * mistakes are refused here (empty, spaces, a URL or path); the kernel says the rest when binding.
 */
export function isBindAddress(text: string): boolean {
  return text.trim() !== '' && !/[\s/]/.test(text);
}
