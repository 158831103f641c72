import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parseVmstat } from './vmstat.js';

describe('parseVmstat', () => {
  it('reads the node_exporter fixture (e2e-output.txt values)', () => {
    const vm = parseVmstat(fixtureText('node_exporter/proc/vmstat'));
    expect(vm.get('pgpgin')).toBe(7344136);
    expect(vm.get('pgpgout')).toBe(1541180581);
    expect(vm.get('pswpin')).toBe(1476);
    expect(vm.get('pswpout')).toBe(35045);
    expect(vm.get('pgfault')).toBe(2320168809);
    expect(vm.get('pgmajfault')).toBe(507162);
    expect(vm.get('oom_kill')).toBe(0);
    expect(vm.size).toBe(120);
  });

  it('keeps u64 counters exact and tolerates a missing trailing newline', () => {
    const vm = parseVmstat('pgfault 18446744073709551615\nnr_new_thing 3');
    expect(vm.get('pgfault')).toBe(18446744073709551615n);
    expect(vm.get('nr_new_thing')).toBe(3);
  });

  it.each([
    ['a value that is not a number', 'pgfault lots\n'],
    ['a line without a value', 'pgfault\n'],
    ['a negative value', 'pgfault -1\n'],
  ])('rejects %s, naming the file', (_, text) => {
    expect(() => parseVmstat(text)).toThrow(/\/proc\/vmstat/);
  });
});
