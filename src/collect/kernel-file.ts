import { closeSync, openSync, readSync } from 'node:fs';

/**
 * A /proc or /sys file kept open between snapshots. Reading at offset 0 makes the kernel generate
 * the text anew, so each read sees current values without an open/close pair; the buffer is reused
 * and grows to the largest size seen.
 */
export class KernelFile {
  readonly path: string;
  #fd: number | null = null;
  #buffer: Buffer;

  constructor(path: string, initialSize = 4096) {
    this.path = path;
    this.#buffer = Buffer.allocUnsafe(initialSize);
  }

  /** The file's current text; throws the fs error (ENOENT, EACCES…) when it cannot be read. */
  read(): string {
    if (this.#fd === null) this.#fd = openSync(this.path, 'r');
    try {
      return this.#readAll(this.#fd);
    } catch (error) {
      // A device that went away leaves a stale descriptor: drop it so the next read reopens.
      this.close();
      throw error;
    }
  }

  /** The text, or null where the file does not exist or cannot be read (no swap, no sensor…). */
  readOrNull(): string | null {
    try {
      return this.read();
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.#fd !== null) {
      closeSync(this.#fd);
      this.#fd = null;
    }
  }

  #readAll(fd: number): string {
    let length = 0;
    for (;;) {
      const n = readSync(fd, this.#buffer, length, this.#buffer.length - length, length);
      length += n;
      // seq_file and sysfs fill the whole buffer unless the text ends first: a short read is the end.
      if (n === 0 || length < this.#buffer.length) break;
      // Full buffer: the file may be longer. Grow and read on from where we stopped.
      const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
      this.#buffer.copy(bigger, 0, 0, length);
      this.#buffer = bigger;
    }
    // Kernel text files are ASCII; latin1 decoding is the cheapest exact decoding of ASCII.
    return this.#buffer.toString('latin1', 0, length);
  }
}
