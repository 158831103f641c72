import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parsePressure } from './pressure.js';

const psi = (tree: string, resource: string) =>
  parsePressure(fixtureText(`${tree}/proc/pressure/${resource}`), `/proc/pressure/${resource}`);

describe('parsePressure (procfs fixture, proc_psi_test.go)', () => {
  const some = { avg10: 0.1, avg60: 2, avg300: 3.85, totalMicroseconds: 15 };
  const full = { avg10: 0.2, avg60: 3, avg300: 4.95, totalMicroseconds: 25 };

  it('reads cpu: a some line and no full line', () => {
    expect(psi('procfs', 'cpu')).toEqual({ some, full: null });
  });

  it.each(['memory', 'io'])('reads %s: some and full', (resource) => {
    expect(psi('procfs', resource)).toEqual({ some, full });
  });

  it('rejects a total that is not a number, naming the file', () => {
    expect(() =>
      parsePressure('some avg10=0.10 avg60=2.00 avg300=3.85 total=oops\n', '/proc/pressure/cpu'),
    ).toThrow(/\/proc\/pressure\/cpu: .*oops/);
  });

  it('ignores a line with an unknown first word', () => {
    expect(parsePressure('nonsense haha test=fake\n', '/proc/pressure/cpu')).toEqual({
      some: null,
      full: null,
    });
  });

  it('rejects a some line with a missing average', () => {
    expect(() => parsePressure('some avg10=0.10 total=1\n', '/proc/pressure/io')).toThrow(
      /\/proc\/pressure\/io/,
    );
  });
});

describe('parsePressure (node_exporter fixture, newer kernel)', () => {
  it('reads cpu: some total 14036781 µs (14.036781 s) and a full line with total 0', () => {
    const cpu = psi('node_exporter', 'cpu');
    expect(cpu.some?.totalMicroseconds).toBe(14036781);
    expect(Number(cpu.some?.totalMicroseconds) / 1e6).toBe(14.036781);
    expect(cpu.full).toEqual({ avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 0 });
  });

  it('reads io: some 159886802 µs, full 159229614 µs, averages 0.18 / 0.34 / 0.10', () => {
    const io = psi('node_exporter', 'io');
    expect(io.some).toEqual({ avg10: 0.18, avg60: 0.34, avg300: 0.1, totalMicroseconds: 159886802 });
    expect(io.full?.totalMicroseconds).toBe(159229614);
    expect(Number(io.some?.totalMicroseconds) / 1e6).toBe(159.886802);
    expect(Number(io.full?.totalMicroseconds) / 1e6).toBe(159.229614);
  });

  it('reads memory: some 0, full 0', () => {
    const memory = psi('node_exporter', 'memory');
    expect(memory.some?.totalMicroseconds).toBe(0);
    expect(memory.full?.totalMicroseconds).toBe(0);
  });

  it('reads irq: only a full line (total 8494 µs = 0.008494 s), no trailing newline', () => {
    const text = fixtureText('node_exporter/proc/pressure/irq');
    expect(text.endsWith('\n')).toBe(false);
    const irq = parsePressure(text, '/proc/pressure/irq');
    expect(irq.some).toBeNull();
    expect(irq.full).toEqual({ avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 8494 });
    expect(Number(irq.full?.totalMicroseconds) / 1e6).toBe(0.008494);
  });

  it('keeps a total above 2^53 exact', () => {
    const p = parsePressure('full avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551615', 'irq');
    expect(p.full?.totalMicroseconds).toBe(18446744073709551615n);
  });
});
