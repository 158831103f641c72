/**
 * The pure container formulas against recorded engine responses (test/fixtures/docker, see its README):
 * cgroup v1 from this kind of machine (dockerd 20.10, API 1.41), cgroup v2 from Home Assistant's
 * supervisor, and moby's API example. Every expected number is worked out by hand in the comments.
 */
import {
  blockIoTotals,
  type ContainerReading,
  containerMetrics,
  DockerCliReader,
  dockerCpuPercent,
  hostCpuPercent,
  MIB,
  memoryLimitBytes,
  memorySharedBytes,
  memoryUsedBytes,
  networkTotals,
  parseDockerStatsLines,
  parseEngineTime,
  parseHumanSize,
  parseHumanSizePair,
  parsePercent,
  ratesUnavailableReason,
  readingFromCli,
  readingFromStats,
} from 'ringmon/docker';
import { describe, expect, it } from 'vitest';
import { fixtureJson, fixtureText, RATE_COLUMNS, stats } from './fixtures.js';

/** Equal to 1 part in 10^7: readMs are epoch ms in a double, resolved to about 0.25 µs. */
function expectRel(actual: number | null | undefined, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) / expected - 1)).toBeLessThan(1e-7);
}

function pairReading(name: string, which: 'a' | 'b', startedAt?: string): ContainerReading {
  const r = readingFromStats(stats(`live-pairs/${name}.${which}.json`), {
    startedMs: startedAt ? parseEngineTime(startedAt) : null,
  });
  if (!r) throw new Error(`${name}.${which} is not a running container's reading`);
  return r;
}

describe('parseEngineTime', () => {
  it('keeps the nanosecond fraction as a fraction of a millisecond', () => {
    // 2026-11-28T01:23:25Z = Date.UTC(2026, 10, 28, 1, 23, 25); .322592677 s = 322.592677 ms.
    expect(parseEngineTime('2026-11-28T01:23:25.322592677Z')).toBeCloseTo(
      Date.UTC(2026, 10, 28, 1, 23, 25) + 322.592677,
      6,
    );
    expect(parseEngineTime('2026-11-28T01:23:25Z')).toBe(Date.UTC(2026, 10, 28, 1, 23, 25));
    expect(parseEngineTime('2026-11-28T02:23:25.5+01:00')).toBe(Date.UTC(2026, 10, 28, 1, 23, 25, 500));
  });

  it("gives null for Go's zero time (a stopped container) and for junk", () => {
    expect(parseEngineTime('0001-01-01T00:00:00Z')).toBeNull();
    expect(parseEngineTime('yesterday')).toBeNull();
    expect(parseEngineTime('')).toBeNull();
  });
});

describe('cgroup v1, recorded on this kind of machine (live/)', () => {
  it('CPU of the burner: Δtotal ÷ Δsystem, docker stats CPU % ÷ online CPUs', () => {
    const s = stats('live/burner.stats.json');
    // Δtotal_usage = 8140276631 − 7326416250 = 813860381 ns; Δsystem = 666090000000 − 664100000000
    // = 1990000000 ns (2 CPUs × ~1 s). 813860381 / 1990000000 × 100 = 40.89750658291457 % of the host.
    // Δusermode = 8070000000 − 7260000000 = 810000000 → 40.7035175879397 %; Δkernelmode = 0 → 0 %.
    const cpu = hostCpuPercent(s.precpu_stats!, s.cpu_stats);
    expect(cpu?.total).toBeCloseTo(40.89750658291457, 10);
    expect(cpu?.user).toBeCloseTo(40.7035175879397, 10);
    expect(cpu?.system).toBe(0);
    // docker stats: × online_cpus (2) = 81.79501316582915 %, i.e. 0.82 of one CPU.
    expect(dockerCpuPercent(s.precpu_stats!, s.cpu_stats)).toBeCloseTo(81.79501316582915, 10);
    expect(dockerCpuPercent(s.precpu_stats!, s.cpu_stats) / 2).toBeCloseTo(cpu!.total, 10);
  });

  it('memory of the diskwriter: usage − total_inactive_file, its 256m limit, no shmem on v1', () => {
    const m = stats('live/diskwriter.stats.json').memory_stats;
    // 27660288 − 25165824 = 2494464 bytes (2.37890625 MiB); limit 268435456 = 256 MiB.
    expect(memoryUsedBytes(m)).toBe(2494464);
    expect(memoryLimitBytes(m)).toBe(268435456);
    // dockerd 20.10 copies no shmem key from cgroup v1's memory.stat.
    expect(memorySharedBytes(m)).toBeNull();
  });

  it('an unlimited container reports the host memory as its limit', () => {
    // 25276502016 bytes = 24105.55078125 MiB, the VM's RAM.
    expect(memoryLimitBytes(stats('live/burner.stats.json').memory_stats)).toBe(25276502016);
  });

  it('block I/O of the diskwriter: Read and Write only, not Sync/Async/Discard/Total', () => {
    // io_service_bytes_recursive: Read 335560704, Write 637612032 (Sync 1577152512 = Total, skipped);
    // io_serviced_recursive: Read 452, Write 548.
    expect(blockIoTotals(stats('live/diskwriter.stats.json').blkio_stats)).toEqual({
      readBytes: 335560704,
      writeBytes: 637612032,
      readOps: 452,
      writeOps: 548,
    });
  });

  it('block I/O lists that are empty (no throttle rule yet on this kernel) read as 0, like docker stats', () => {
    expect(blockIoTotals(stats('live/burner.stats.json').blkio_stats)).toEqual({
      readBytes: 0,
      writeBytes: 0,
      readOps: 0,
      writeOps: 0,
    });
  });

  it('network: summed over interfaces; no networks key (--network none) is null', () => {
    expect(networkTotals(stats('live/netclient.stats.json').networks)).toEqual({
      rxBytes: 235939826,
      txBytes: 249244,
      rxPackets: 5041,
      txPackets: 3734,
      rxErrors: 0,
      txErrors: 0,
      rxDropped: 0,
      txDropped: 0,
    });
    expect(networkTotals(stats('live/burner.stats.json').networks)).toBeNull();
  });
});

describe('cgroup v2 (api-examples/, Home Assistant supervisor)', () => {
  const s = stats('api-examples/stats-cgroupv2-home-assistant-supervisor.json');

  it('CPU without percpu_usage: online_cpus scales docker stats, not our host share', () => {
    // Δtotal = 190 − 100 = 90, Δsystem = 200 − 100 = 100 → 90 % of the host.
    // docker stats: 90 / 100 × 6 online CPUs × 100 = 540 %. user/kernel did not move → 0 %.
    expect(hostCpuPercent(s.precpu_stats!, s.cpu_stats)).toEqual({ total: 90, user: 0, system: 0 });
    expect(dockerCpuPercent(s.precpu_stats!, s.cpu_stats)).toBe(540);
  });

  it('memory: usage − inactive_file; shmem is reported', () => {
    // 60000000 − 300000 = 59700000 bytes (56.93 MiB); limit 4000000000; shmem 0.
    expect(memoryUsedBytes(s.memory_stats)).toBe(59700000);
    expect(memoryLimitBytes(s.memory_stats)).toBe(4000000000);
    expect(memorySharedBytes(s.memory_stats)).toBe(0);
  });

  it('block I/O: lowercase ops; io_serviced_recursive null → IOPS unknown (null)', () => {
    expect(blockIoTotals(s.blkio_stats)).toEqual({
      readBytes: 0,
      writeBytes: 413696,
      readOps: null,
      writeOps: null,
    });
  });

  it('one reading: sizes in MiB for the INTEGER columns, rates null without a previous reading', () => {
    const reading = readingFromStats(s)!;
    const m = containerMetrics(undefined, reading);
    // Whole MiB rounded down, as host memory (units.ts): 59700000 / 2^20 = 56.934 → 56;
    // 4000000000 / 2^20 = 3814.697 → 3814; shmem 0 → 0.
    expect(m).toMatchObject({ c_rss_mb: 56, c_vsz_mb: 3814, c_shared_mb: 0 });
    for (const c of RATE_COLUMNS) expect(m[c]).toBeNull();
  });
});

describe("cgroup v1 API documentation example (api-examples/, moby's v1.47 docs)", () => {
  const s = stats('api-examples/stats-cgroupv1-moby-api-v1.47-example.json');

  it('CPU, memory, and two networks summed', () => {
    // Δtotal = 100215355 − 100093996 = 121359; Δsystem = 739306590000000 − 9492140000000
    // = 729814450000000 → 1.6628747211020555e-8 % of the host; × 4 CPUs = 6.651498884408222e-8 %.
    expect(hostCpuPercent(s.precpu_stats!, s.cpu_stats)?.total).toBeCloseTo(1.6628747211020555e-8, 20);
    expect(dockerCpuPercent(s.precpu_stats!, s.cpu_stats)).toBeCloseTo(6.651498884408222e-8, 20);
    // 6537216 − total_inactive_file 0.
    expect(memoryUsedBytes(s.memory_stats)).toBe(6537216);
    // eth0 + eth5: rx 5338 + 4641 = 9979 bytes, tx 648 + 690 = 1338, rx packets 36 + 26 = 62, tx 8 + 9 = 17.
    expect(networkTotals(s.networks)).toMatchObject({
      rxBytes: 9979,
      txBytes: 1338,
      rxPackets: 62,
      txPackets: 17,
    });
    // blkio_stats: {} → no bytes, IOPS unknown.
    expect(blockIoTotals(s.blkio_stats)).toEqual({
      readBytes: 0,
      writeBytes: 0,
      readOps: null,
      writeOps: null,
    });
  });
});

describe('rates between two recorded readings (live-pairs/)', () => {
  it('diskwriter: 320 MiB read and written in 2.561192899 s', () => {
    const m = containerMetrics(pairReading('diskwriter', 'a'), pairReading('diskwriter', 'b'));
    // Elapsed from the readings' own `read`: 02:07:38.133584634 − 02:07:35.572391735 = 2.561192899 s.
    // Read: 939528192 − 603983872 = 335544320 bytes = 320 MiB → 320 / 2.561192899 = 124.94178010759822 MiB/s.
    // Write: 939524096 − 603979776 = 335544320 bytes → the same 124.94178010759822 MiB/s.
    expectRel(m.disk_read_mb_s, 124.94178010759822);
    expectRel(m.disk_write_mb_s, 124.94178010759822);
    // Ops: read 961 − 577 = 384 → 149.93013612911787 /s; write 960 − 640 = 320 → 124.94178010759822 /s.
    expectRel(m.disk_read_iops, 149.93013612911787);
    expectRel(m.disk_write_iops, 124.94178010759822);
    // CPU: Δtotal 317062850 − 223898222 = 93164628, Δsystem 769940000000 − 764860000000 = 5080000000
    // → 1.8339493700787401 %; user 10000000 → 0.19685039370078738 %; kernel 90000000 → 1.7716535433070866 %.
    expect(m.cpu_total_pct).toBeCloseTo(1.8339493700787401, 10);
    expect(m.cpu_user_pct).toBeCloseTo(0.19685039370078738, 10);
    expect(m.cpu_system_pct).toBeCloseTo(1.7716535433070866, 10);
    // Memory: 540672 − 0 bytes = 0.52 MiB → 0; limit 256 MiB; no shmem on v1; --network none → no net.
    expect(m).toMatchObject({
      c_rss_mb: 0,
      c_vsz_mb: 256,
      c_shared_mb: null,
      net_rx_mb_s: null,
      net_tx_pkts_s: null,
    });
  });

  it('netclient: wget of websrv over a user-defined bridge', () => {
    const m = containerMetrics(pairReading('netclient', 'a'), pairReading('netclient', 'b'));
    // Elapsed: 02:07:39.147432684 − 02:07:35.567448968 = 3.579983716 s.
    // rx: 155579905 − 84155902 = 71424003 bytes = 68.1152 MiB → 19.026689124756608 MiB/s.
    // tx: 235598 − 116656 = 118942 bytes → 0.0316850409221225 MiB/s.
    // packets: rx 3828 − 2049 = 1779 → 496.92963463747776 /s; tx 3520 − 1740 = 1780 → 497.2089655169817 /s.
    expectRel(m.net_rx_mb_s, 19.026689124756608);
    expectRel(m.net_tx_mb_s, 0.0316850409221225);
    expectRel(m.net_rx_pkts_s, 496.92963463747776);
    expectRel(m.net_tx_pkts_s, 497.2089655169817);
    expect(m).toMatchObject({ net_rx_errs_s: 0, net_tx_errs_s: 0, net_rx_drops_s: 0, net_tx_drops_s: 0 });
    // CPU: 68830787 / 7090000000 × 100 = 0.9708150493653032 %. Limit: host RAM 24105.55 MiB → 24105.
    expect(m.cpu_total_pct).toBeCloseTo(0.9708150493653032, 10);
    expect(m.c_vsz_mb).toBe(24105);
  });

  it('burner: one of two CPUs is about half the host', () => {
    const m = containerMetrics(pairReading('burner', 'a'), pairReading('burner', 'b'));
    // 3400753054 / 7070000000 × 100 = 48.101174738330975 %.
    expect(m.cpu_total_pct).toBeCloseTo(48.101174738330975, 10);
    expect(m.disk_write_mb_s).toBe(0);
  });

  it('a restart between the readings gives NULL rates, never negative values or spikes', () => {
    const a = pairReading('burner-restart', 'a', '2026-11-28T02:07:30.54990573Z');
    const b = pairReading('burner-restart', 'b', '2026-11-28T02:07:41.683473388Z');
    // total_usage 10131327224 → 546200601: the new cgroup counts from 0.
    expect(ratesUnavailableReason(a, b)).toBe('restarted');
    const m = containerMetrics(a, b);
    for (const c of RATE_COLUMNS) expect(m[c]).toBeNull();
    // Memory is a gauge: 540672 bytes = 0.52 MiB → 0 MiB.
    expect(m.c_rss_mb).toBe(0);
    // Without StartedAt (e.g. a missed event) the counters going backwards are enough.
    const a2 = pairReading('burner-restart', 'a');
    const b2 = pairReading('burner-restart', 'b');
    expect(ratesUnavailableReason(a2, b2)).toBe('restarted (cpuTotalNs went backwards)');
    for (const c of RATE_COLUMNS) expect(containerMetrics(a2, b2)[c]).toBeNull();
  });

  it('another container under the same name, or no time between readings, gives NULL rates', () => {
    const a = pairReading('burner', 'a');
    const b = pairReading('burner', 'b');
    expect(ratesUnavailableReason({ ...a, id: 'other' }, b)).toBe('new container ID');
    expect(ratesUnavailableReason(b, b)).toBe('no time between readings');
    expect(ratesUnavailableReason(undefined, b)).toBe('no previous reading');
    expect(ratesUnavailableReason(a, b)).toBeNull();
    for (const c of RATE_COLUMNS) expect(containerMetrics({ ...a, id: 'other' }, b)[c]).toBeNull();
  });

  it('one network counter going backwards (interface replaced) nulls every rate', () => {
    const a = pairReading('netclient', 'a');
    const b = pairReading('netclient', 'b');
    const m = containerMetrics({ ...a, netRxDropped: 5 }, b);
    for (const c of RATE_COLUMNS) expect(m[c]).toBeNull();
  });
});

describe('docker CLI human units (go-units)', () => {
  it.each([
    ['0B', 0],
    ['4.1kB', 4100],
    ['738MB', 738e6],
    ['1.21GB', 1.21e9],
    ['1e+03MB', 1e9],
    ['596KiB', 596 * 1024],
    ['1.637MiB', 1.637 * MIB],
    ['23.54GiB', 23.54 * 2 ** 30],
    ['1.5 GiB', 1.5 * 2 ** 30],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseHumanSize(text)).toBeCloseTo(bytes, 3);
  });

  it('pairs, percentages and the CLI’s "--"', () => {
    expect(parseHumanSizePair('1.5GiB / 7.7GiB')).toEqual([1.5 * 2 ** 30, 7.7 * 2 ** 30]);
    expect(parseHumanSizePair('12.3kB / 0B')).toEqual([12300, 0]);
    expect(parseHumanSizePair('-- / --')).toEqual([null, null]);
    expect(parsePercent('45.67%')).toBe(45.67);
    expect(parsePercent('--')).toBeNull();
  });

  it.each(['12 parsecs', '1.5XB', 'GiB', '1/2/3'])('rejects the size %j', (text) => {
    expect(() => (text.includes('/') ? parseHumanSizePair(text) : parseHumanSize(text))).toThrow(/docker/);
  });

  it.each(['45.67', '45.67 %', 'n/a'])('rejects the percentage %j', (text) => {
    expect(() => parsePercent(text)).toThrow(/docker percentage/);
  });
});

describe('docker CLI fallback readings (live-pairs/docker-stats.*.jsonl and docker-inspect.json)', () => {
  type Inspect = Parameters<typeof readingFromCli>[1] & object;
  const inspect = fixtureJson<Inspect[]>('live-pairs/docker-inspect.json');
  const byName = (name: string) => inspect.find((i) => i.Name === `/${name}`);
  const lines = (which: 'a' | 'b') =>
    parseDockerStatsLines(fixtureText(`live-pairs/docker-stats.${which}.jsonl`));
  const cli = (which: 'a' | 'b', name: string, readMs: number) => {
    const line = lines(which).find((l) => l.Name === name)!;
    return readingFromCli(line, byName(name), 2, readMs);
  };

  it('CPU % ÷ online CPUs; memory from MemUsage; the exact limit from inspect; unknown figures null', () => {
    // burner a: CPUPerc 92.00% over 2 CPUs = 46 %; MemUsage 1.637MiB → 1 MiB (rounded down);
    // unlimited (HostConfig.Memory 0) → the CLI's 23.54GiB = 24104.96 MiB → 24104.
    const m = containerMetrics(undefined, cli('a', 'burner', 0));
    expect(m).toMatchObject({
      cpu_total_pct: 46,
      cpu_user_pct: null,
      c_rss_mb: 1,
      c_vsz_mb: 24104,
      c_shared_mb: null,
    });
    // diskwriter: HostConfig.Memory 268435456 (exact) rather than the CLI's rounded "256MiB".
    expect(cli('a', 'diskwriter', 0).memLimitBytes).toBe(268435456);
    // --network none: the CLI prints "0B / 0B", but there is no interface at all.
    expect(cli('a', 'burner', 0).netRxBytes).toBeNull();
  });

  it('disk and network rates from two CLI readings; IOPS, packets, errors, drops null', () => {
    // diskwriter BlockIO 738MB → 1.21GB: Δ 472000000 bytes in 3.5 s = 450.134 MiB / 3.5 = 128.60979352678572 MiB/s.
    const d = containerMetrics(cli('a', 'diskwriter', 0), cli('b', 'diskwriter', 3500));
    expect(d.disk_read_mb_s).toBeCloseTo(128.60979352678572, 8);
    expect(d.disk_write_mb_s).toBeCloseTo(128.60979352678572, 8);
    expect(d.disk_read_iops).toBeNull();
    // netclient NetIO 105MB / 155kB → 177MB / 269kB: rx 72000000 bytes → 19.618443080357142 MiB/s,
    // tx 114000 bytes → 0.031062534877232144 MiB/s in 3.5 s.
    const n = containerMetrics(cli('a', 'netclient', 0), cli('b', 'netclient', 3500));
    expect(n.net_rx_mb_s).toBeCloseTo(19.618443080357142, 8);
    expect(n.net_tx_mb_s).toBeCloseTo(0.031062534877232144, 10);
    expect(n).toMatchObject({ net_rx_pkts_s: null, net_rx_errs_s: null, net_tx_drops_s: null });
  });

  it('the CLI reader asks inspect first, so a missing container is reported, not a failed docker stats', async () => {
    const calls: string[][] = [];
    const reader = new DockerCliReader(
      async (args) => {
        calls.push([...args]);
        if (args[0] === 'info') return { stdout: '2\n', stderr: '', exitCode: 0 };
        if (args[0] === 'inspect') {
          return {
            stdout: JSON.stringify([byName('burner')]),
            stderr: 'Error response from daemon: No such container: nope\n',
            exitCode: 1,
          };
        }
        return { stdout: fixtureText('live-pairs/docker-stats.a.jsonl'), stderr: '', exitCode: 0 };
      },
      { now: () => 1000 },
    );
    const result = await reader.read(['burner', 'nope']);
    expect(result.problems.map((p) => [p.selector, p.error.message])).toEqual([
      ['nope', 'no such container: nope'],
    ]);
    expect(result.readings.map((r) => [r.name, r.cpuHostPct, r.readMs])).toEqual([['burner', 46, 1000]]);
    // docker stats is asked only about the running container, by full ID, untruncated.
    expect(calls.at(-1)).toEqual([
      'stats',
      '--no-stream',
      '--no-trunc',
      '--format',
      '{{json .}}',
      byName('burner')!.Id,
    ]);
  });
});
