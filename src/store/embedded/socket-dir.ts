/**
 * A short private directory for the socket of a data directory whose own path is too long for a
 * socket address: `$XDG_RUNTIME_DIR/ringmon-<uid>/<hash>` or `<tmpdir>/ringmon-<uid>/<hash>`, each
 * level a directory of this user with mode 0700, so that no other local user can reach the socket
 * (the embedded database asks no password). A level that someone else created, or that others may
 * enter, is refused rather than used: in a world-writable /tmp another user could have made it
 * first, as tmux and ssh-agent guard against too.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The private directory for `dataDir`'s socket, created when absent; `fileLength` is the length of
 * the socket's file name and `maxPath` the longest path a socket address holds.
 */
export function privateSocketDir(dataDir: string, fileLength: number, maxPath: number): string {
  const uid = process.getuid?.() ?? 0;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const runtime = process.env.XDG_RUNTIME_DIR;
  const bases = [runtime !== undefined && isAbsolute(runtime) ? runtime : null, tmpdir()].filter(
    (b): b is string => b !== null,
  );
  for (const base of bases) {
    const parent = join(base, `ringmon-${uid}`);
    const dir = join(parent, hash);
    if (dir.length + 1 + fileLength > maxPath) continue;
    ensurePrivate(parent, uid);
    ensurePrivate(dir, uid);
    return dir;
  }
  throw new Error(
    `no directory short enough for its socket (tried ${bases.join(', ')}); use a shorter --data-dir`,
  );
}

function ensurePrivate(path: string, uid: number): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(path);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new Error(
      `${path} is not a private directory of this user (a directory owned by uid ${uid}, mode 0700): remove it, or set XDG_RUNTIME_DIR or TMPDIR to a directory of your own`,
    );
  }
}
