import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import { parseProcPidIo, parseProcPidStat, parseProcPidStatm, parseProcPidStatus } from './process.js';

describe('parseProcPidStat (procfs proc/26231, proc_stat_test.go)', () => {
  it('reads every value the procfs test asserts', () => {
    const stat = parseProcPidStat(fixtureText('procfs/proc/26231/stat'));
    expect(stat.pid).toBe(26231);
    expect(stat.comm).toBe('vim');
    expect(stat.state).toBe('R');
    expect(stat.ppid).toBe(5392);
    expect(stat.utime).toBe(1677);
    expect(stat.stime).toBe(44);
    expect(stat.starttime).toBe(82375);
    expect(stat.vsize).toBe(56274944);
    expect(stat.rss).toBe(1981);
    expect(stat.rsslim).toBe(18446744073709551615n); // u64 max, exact
    expect(stat.startcode).toBe(4194304);
    expect(stat.endcode).toBe(6294284);
    expect(stat.startstack).toBe(140736914091744);
    expect(stat.delayacctBlkioTicks).toBe(31);
    expect(stat.processor).toBe(0);
    expect(stat.rtPriority).toBe(0);
    expect(stat.policy).toBe(0);
  });

  it('splits comm at the last ")" (comm may hold spaces and parentheses)', () => {
    const stat = parseProcPidStat('42 (a) b (c)) S 1 2 3 4 5 6 7 8 9 10 11 12 -1 -2 20 -5 1\n');
    expect(stat.pid).toBe(42);
    expect(stat.comm).toBe('a) b (c)');
    expect(stat.state).toBe('S');
    expect(stat.ppid).toBe(1);
    expect(stat.cutime).toBe(-1);
    expect(stat.nice).toBe(-5);
    expect(stat.numThreads).toBe(1);
    expect(stat.starttime).toBeNull(); // not written: null, not an error
  });

  it.each([
    ['no parentheses', '42 vim R 1\n'],
    ['a field that is not a number', '42 (vim) R x\n'],
    ['no state', '42 (vim)\n'],
  ])('rejects %s, naming the file', (_, text) => {
    expect(() => parseProcPidStat(text)).toThrow(/\/proc\/PID\/stat/);
  });
});

describe('parseProcPidIo (proc_io_test.go)', () => {
  it('reads every value, cancelled_write_bytes negative', () => {
    expect(parseProcPidIo(fixtureText('procfs/proc/26231/io'))).toEqual({
      rchar: 750339,
      wchar: 818609,
      syscr: 7405,
      syscw: 5245,
      readBytes: 1024,
      writeBytes: 2048,
      cancelledWriteBytes: -1024,
    });
  });

  it('rejects a missing line and a bad value', () => {
    expect(() => parseProcPidIo('rchar: 1\n')).toThrow(/\/proc\/PID\/io: no wchar/);
    expect(() => parseProcPidIo('rchar: x\n')).toThrow(/\/proc\/PID\/io/);
  });
});

describe('parseProcPidStatm (proc_statm_test.go)', () => {
  it('reads every value in pages, shared = u64 max exact', () => {
    expect(parseProcPidStatm(fixtureText('procfs/proc/26231/statm'))).toEqual({
      size: 149919,
      resident: 12547,
      shared: 18446744073709551615n,
      text: 19864,
      lib: 0,
      data: 14531,
      dt: 0,
    });
  });

  it('rejects too few fields', () => {
    expect(() => parseProcPidStatm('1 2 3\n')).toThrow(/\/proc\/PID\/statm/);
  });
});

describe('parseProcPidStatus (proc_status_test.go)', () => {
  it('reads every value, kB lines in bytes', () => {
    const status = parseProcPidStatus(fixtureText('procfs/proc/26231/status'));
    expect(status.pid).toBe(26231);
    expect(status.tgid).toBe(26231);
    expect(status.nsPid).toEqual([1]);
    const kB: Record<string, number> = {
      VmPeak: 58472,
      VmSize: 58440,
      VmLck: 0,
      VmPin: 0,
      VmHWM: 8028,
      VmRSS: 6716,
      RssAnon: 2092,
      RssFile: 4624,
      RssShmem: 0,
      VmData: 2580,
      VmStk: 136,
      VmExe: 948,
      VmLib: 6816,
      VmPTE: 128,
      VmPMD: 12,
      VmSwap: 660,
      HugetlbPages: 0,
    };
    for (const [key, value] of Object.entries(kB))
      expect([key, status.bytes.get(key)]).toEqual([key, value * 1024]);
    expect(status.voluntaryCtxtSwitches).toBe(4742839);
    expect(status.nonvoluntaryCtxtSwitches).toBe(1727500);
    expect(Number(status.voluntaryCtxtSwitches) + Number(status.nonvoluntaryCtxtSwitches)).toBe(6470339);
    expect(status.name).toBe('prometheus');
    expect(status.ppid).toBe(1);
  });

  it('reads nested namespaces and rejects a line without a colon', () => {
    expect(parseProcPidStatus('NSpid:\t812\t1\n').nsPid).toEqual([812, 1]);
    expect(() => parseProcPidStatus('Pid 1\n')).toThrow(/\/proc\/PID\/status/);
    expect(() => parseProcPidStatus('VmRSS:\t   lots kB\n')).toThrow(/\/proc\/PID\/status/);
  });
});
