import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/fixture-path.js';
import { KernelFile } from './kernel-file.js';

describe('KernelFile', () => {
  it('reads a file larger than its buffer whole (the 132 KB /proc/stat fixture)', () => {
    const path = fixturePath('procfs/proc/stat');
    const file = new KernelFile(path, 1024);
    expect(file.read()).toBe(readFileSync(path, 'latin1'));
    expect(file.read()).toBe(readFileSync(path, 'latin1')); // again, through the grown buffer
    file.close();
  });

  it('sees new contents on each read through the same descriptor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-kf-'));
    const path = join(dir, 'value');
    writeFileSync(path, 'first value\n');
    const file = new KernelFile(path, 8);
    expect(file.read()).toBe('first value\n');
    writeFileSync(path, '2\n');
    expect(file.read()).toBe('2\n');
    file.close();
    rmSync(dir, { recursive: true });
  });

  it('reads live /proc/stat repeatedly without reopening', () => {
    const file = new KernelFile('/proc/stat');
    const first = file.read();
    const second = file.read();
    expect(first.startsWith('cpu ')).toBe(true);
    expect(second.startsWith('cpu ')).toBe(true);
    file.close();
  });

  it('gives null for a missing file and reopens once it exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-kf-'));
    const path = join(dir, 'later');
    const file = new KernelFile(path);
    expect(file.readOrNull()).toBeNull();
    writeFileSync(path, 'now\n');
    expect(file.readOrNull()).toBe('now\n');
    file.close();
    rmSync(dir, { recursive: true });
  });
});
