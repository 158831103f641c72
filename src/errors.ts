/**
 * An error meant for people: its message is one line that says what is wrong and how to fix it,
 * and never holds a secret. The CLI prints the message alone and exits with the kind's code.
 */
export class RingmonError extends Error {
  override readonly name = 'RingmonError';
  /**
   * `usage`: a bad flag, value or file (exit 2); `runtime`: something failed while working (exit 1);
   * `lost`: the agent stopped with samples the database never took (exit 4).
   */
  readonly kind: 'usage' | 'runtime' | 'lost';

  constructor(message: string, kind: 'usage' | 'runtime' | 'lost' = 'runtime', options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

/** Collapses whitespace, so that a multi-line message (a server's, say) still prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Masks the password of every URL with credentials (`postgres://user:secret@host`, any scheme) and
 * of every `password=` query parameter with `***`. Every message, log line and process title that
 * may hold a connection string goes through it.
 */
export function maskSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/([?&]password=)[^&\s]*/gi, '$1***');
}
