import { describe, expect, it } from 'vitest';
import type { ReplicationState, StandbyInfo } from '../store/ring/types.js';
import {
  parseSynchronousStandbyNames,
  replicationLines,
  replicationTrouble,
  STALE_STANDBY_SECONDS,
  synchronousShortfall,
} from './replication.js';

const streaming = (name: string, extra: Partial<StandbyInfo> = {}): StandbyInfo => ({
  name,
  address: '10.0.0.2',
  state: 'streaming',
  syncState: 'sync',
  replayLagBytes: 0,
  replayLagSeconds: null,
  replyAgeSeconds: 1,
  ...extra,
});
const primary = (standbys: StandbyInfo[], synchronousStandbyNames: string | null): ReplicationState => ({
  standby: null,
  standbys,
  synchronousStandbyNames,
});

describe('synchronous_standby_names', () => {
  it.each([
    ['s1', 'first', 1, ['s1']],
    [' s1, S2 ', 'first', 1, ['s1', 's2']],
    ['2 (a, b, c)', 'first', 2, ['a', 'b', 'c']],
    ['FIRST 1 (a,b)', 'first', 1, ['a', 'b']],
    ['any 2 ("Odd, name", b)', 'any', 2, ['odd, name', 'b']],
    ['ANY 2 ("Odd name", b)', 'any', 2, ['odd name', 'b']],
    ['*', 'first', 1, ['*']],
  ] as const)('reads %j as the server does', (setting, method, count, names) => {
    expect(parseSynchronousStandbyNames(setting)).toEqual({ method, count, names });
  });

  it.each(['', '"unclosed', 'a,,b'])('cannot read %j', (setting) => {
    expect(parseSynchronousStandbyNames(setting)).toBeNull();
  });

  it('warns when fewer listed standbys stream than a commit waits for', () => {
    expect(synchronousShortfall(primary([streaming('s1')], null))).toBeNull();
    expect(synchronousShortfall(primary([streaming('S1')], 's1'))).toBeNull();
    expect(synchronousShortfall(primary([streaming('other')], '*'))).toBeNull();
    expect(synchronousShortfall(primary([streaming('a')], 'ANY 1 (a, b)'))).toBeNull();
    const one = synchronousShortfall(primary([streaming('other', { syncState: 'async' })], 's1'));
    expect(one).toBe(
      "WAITING: synchronous_standby_names = 's1' wants 1 synchronous standby(s) of s1 and 0 stream(s): every commit on this primary waits (the agents' writes with it) until one is back, or the setting names fewer",
    );
    expect(synchronousShortfall(primary([streaming('a')], '2 (a, b)'))).toContain(
      'wants 2 synchronous standby(s) of a, b and 1 stream(s)',
    );
    // A listed standby that has stopped replying does not confirm commits either.
    const silent = streaming('s1', { replyAgeSeconds: STALE_STANDBY_SECONDS + 1 });
    expect(synchronousShortfall(primary([silent], 's1'))).toContain('and 0 stream(s)');
    expect(synchronousShortfall(primary([], '*'))).toContain('of any standby and 0 stream(s)');
  });

  it('is trouble for status, and its own line after the standbys', () => {
    expect(replicationTrouble(primary([streaming('s1')], 's1'))).toBe(false);
    expect(replicationTrouble(primary([], 's1'))).toBe(true);
    expect(replicationTrouble(primary([streaming('s1', { state: 'catchup' })], null))).toBe(true);
    const lines = replicationLines(primary([streaming('s2', { syncState: 'async' })], 's1'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('standby s2 at 10.0.0.2: async, streaming, 0 bytes of WAL behind');
    expect(lines[1]).toMatch(/^WAITING: /);
  });
});
