/**
 * Who may read the dashboard. Loopback needs nothing; any other address needs a token unless the
 * caller says `insecure` out loud, because the ring tells anyone who asks what runs where.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { RingmonError } from '../../errors.js';

/** Shorter tokens can be guessed by someone on the network who is patient. */
export const MIN_TOKEN_LENGTH = 16;

export function isLoopback(bind: string): boolean {
  if (bind === 'localhost' || bind === '::1') return true;
  // Every 127.0.0.0/8 address is loopback, and so is its IPv4-mapped IPv6 form.
  const v4 = bind.startsWith('::ffff:') ? bind.slice(7) : bind;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export interface AccessOptions {
  bind: string;
  token?: string | undefined;
  insecure?: boolean | undefined;
}

/** The token to enforce (undefined: none), or a usage error saying what to pass. */
export function accessPolicy(options: AccessOptions): string | undefined {
  const { bind, token, insecure } = options;
  if (token !== undefined) {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || /[\s\0]/.test(token)) {
      throw new RingmonError(
        `the dashboard token must be at least ${MIN_TOKEN_LENGTH} characters with no spaces (e.g. the output of: openssl rand -hex 16)`,
        'usage',
      );
    }
    return token;
  }
  if (!isLoopback(bind) && insecure !== true) {
    throw new RingmonError(
      `binding the dashboard to ${bind} exposes it beyond this machine: give a token (--token) or accept that with --insecure`,
      'usage',
    );
  }
  return undefined;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Compares digests, so neither the token's length nor its prefix leaks through response timing. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(expected), digest(given));
}

/** The token a request carries: `Authorization: Bearer T`, else `?token=T`. */
export function requestToken(authorization: string | undefined, query: URLSearchParams): string | null {
  const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  if (bearer?.[1] !== undefined) return bearer[1];
  return query.get('token');
}
