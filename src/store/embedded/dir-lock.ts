/**
 * Who owns an embedded data directory: the process holding an OS lock on `owner.lock` (an open
 * file description lock, fcntl F_OFD_SETLK, through fs-native-extensions). The kernel releases it
 * when the holder closes the file or dies however it dies, so ownership cannot outlive its owner:
 * a reused PID (an agent that is PID 1 in its container and restarts as PID 1), a lock file left
 * empty by a full disk or filled with garbage, none of them blocks anyone. What the file says (the
 * holder's PID) is only for messages; the lock decides.
 *
 * The file itself is never deleted: a process that deleted it while another waited to lock the old
 * inode would let a third lock a new one, and two would own the directory.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tryLock, unlock } from 'fs-native-extensions';

export const OWNER_LOCK = 'owner.lock';

export interface DirLock {
  /** Lets go of the directory (idempotent). */
  release(): void;
}

/**
 * Takes the lock on `dir`/owner.lock when nobody holds it; null when another open file holds it (in
 * this process or another). Throws what the filesystem says when the file cannot be opened.
 */
export function tryLockDir(dir: string): DirLock | null {
  const fd = openSync(join(dir, OWNER_LOCK), 'a+', 0o600);
  let locked = false;
  try {
    locked = tryLock(fd);
  } finally {
    if (!locked) closeSync(fd);
  }
  if (!locked) return null;
  writeOwner(fd, JSON.stringify({ pid: process.pid }));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      writeOwner(fd, '');
      try {
        unlock(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The PID the holder wrote, when it could write one (a full disk leaves the file empty). */
export function lockHolder(dir: string): number | null {
  try {
    const pid = (JSON.parse(readFileSync(join(dir, OWNER_LOCK), 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

function writeOwner(fd: number, text: string): void {
  try {
    ftruncateSync(fd, 0);
    if (text !== '') writeSync(fd, text, 0);
  } catch {
    // Only a message would lack the PID (a full disk, say): the lock is what counts.
  }
}
