import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parseLoadavg } from './loadavg.js';

describe('parseLoadavg', () => {
  it('reads the procfs fixture (loadavg_test.go)', () => {
    expect(parseLoadavg(fixtureText('procfs/proc/loadavg'))).toEqual({
      load1: 0.02,
      load5: 0.04,
      load15: 0.05,
      tasksRunning: 1,
      tasksTotal: 497,
    });
  });

  it('reads the node_exporter fixture', () => {
    const load = parseLoadavg(fixtureText('node_exporter/proc/loadavg'));
    expect([load.load1, load.load5, load.load15]).toEqual([0.21, 0.37, 0.39]);
  });

  it.each([['0.00 0.03'], ['malformed line'], ['']])('rejects %j', (text) => {
    expect(() => parseLoadavg(text)).toThrow(/\/proc\/loadavg/);
  });
});
