import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/fixture-path.js';
import { readCoolingDevices } from './cooling.js';

describe('readCoolingDevices (procfs fixture, class_cooling_device_test.go)', () => {
  it('returns cooling_device0 and cooling_device2, skipping cooling_device1 (no cur_state)', () => {
    expect(readCoolingDevices(fixturePath('procfs/sys'))).toEqual([
      { name: '0', type: 'Processor', maxState: 50, curState: 0 },
      { name: '2', type: 'intel_powerclamp', maxState: 27, curState: -1 },
    ]);
  });

  it('gives an empty list where there is no thermal class', () => {
    expect(readCoolingDevices(fixturePath('node_exporter/sys'))).toEqual([]);
  });
});
