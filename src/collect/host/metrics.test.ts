import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../../test/fixture-path.js';
import type { Counter } from '../procfs/counter.js';
import { type DiskStats, parseDiskstats } from '../procfs/diskstats.js';
import { parseLoadavg } from '../procfs/loadavg.js';
import { parseMeminfo } from '../procfs/meminfo.js';
import { type NetDevStats, parseNetDev } from '../procfs/net-dev.js';
import { parseStat } from '../procfs/stat.js';
import { cpuPercentages, hostMetrics } from './metrics.js';
import type { HostSnapshot } from './snapshot.js';

const SECOND = 1_000_000_000n;

/** A snapshot of the procfs fixture machine (sda and eth0 counted), at `seconds` on the monotonic clock. */
function fixtureSnapshot(seconds: bigint): HostSnapshot {
  const disks = new Map<string, DiskStats>(
    parseDiskstats(fixtureText('procfs/proc/diskstats'))
      .filter((d) => d.name === 'sda')
      .map((d) => [d.name, d]),
  );
  const interfaces = new Map<string, NetDevStats>(
    parseNetDev(fixtureText('procfs/proc/net/dev'))
      .filter((n) => n.name === 'eth0')
      .map((n) => [n.name, n]),
  );
  return {
    monotonicNs: seconds * SECOND,
    wallMs: Number(seconds) * 1000,
    stat: parseStat(fixtureText('procfs/proc/stat')),
    load: parseLoadavg(fixtureText('procfs/proc/loadavg')),
    meminfo: parseMeminfo(fixtureText('procfs/proc/meminfo')),
    disks,
    interfaces,
    temperatureC: 49.925,
    errors: [],
  };
}

/** Adds `by[i]` to counter i of every counted device in the map. */
function advance<T extends { stats?: Counter[]; counters?: Counter[] }>(
  devices: Map<string, T>,
  by: number[],
) {
  for (const device of devices.values()) {
    const list = (device.stats ?? device.counters)!;
    by.forEach((delta, i) => {
      list[i] = Number(list[i]) + delta;
    });
  }
}

describe('hostMetrics', () => {
  it('turns counter deltas into rates over the measured time', () => {
    const before = fixtureSnapshot(100n);
    const after = fixtureSnapshot(102n); // two seconds later
    // 200 jiffies of CPU in total: user 60 (guest 10 inside), nice 0, system 40, idle 80, iowait 20.
    after.stat = { ...after.stat!, cpu: [...after.stat!.cpu] };
    const cpu = after.stat.cpu as Counter[];
    cpu[0] = Number(cpu[0]) + 60;
    cpu[2] = Number(cpu[2]) + 40;
    cpu[3] = Number(cpu[3]) + 80;
    cpu[4] = Number(cpu[4]) + 20;
    cpu[8] = Number(cpu[8]) + 10;
    after.stat.ctxt = Number(after.stat.ctxt) + 5000;
    after.stat.intrTotal = Number(after.stat.intrTotal) + 3000;
    // sda: 100 reads and 4096 sectors read, 50 writes and 8192 sectors written, io_ticks +500 ms.
    advance(after.disks!, [100, 0, 4096, 0, 50, 0, 8192, 0, 0, 500]);
    // eth0: 2 MiB in 1000 packets, 1 MiB out in 500, 4 rx errors, 2 tx drops.
    advance(after.interfaces!, [2 * 1048576, 1000, 4, 0, 0, 0, 0, 0, 1048576, 500, 0, 2]);

    const m = hostMetrics(before, after);
    expect(m.cpu_user_pct).toBe(25); // (60 − 10) / 200
    expect(m.cpu_guest_pct).toBe(5);
    expect(m.cpu_system_pct).toBe(20);
    expect(m.cpu_idle_pct).toBe(40);
    expect(m.cpu_iowait_pct).toBe(10);
    expect(m.cpu_total_pct).toBe(50); // 100 − idle − iowait
    expect(m.ctx_switches_s).toBe(2500);
    expect(m.interrupts_s).toBe(1500);
    expect(m.disk_read_iops).toBe(50);
    expect(m.disk_write_iops).toBe(25);
    expect(m.disk_read_mb_s).toBe(1); // 4096 × 512 B = 2 MiB in 2 s
    expect(m.disk_write_mb_s).toBe(2);
    expect(m.disk_util_pct).toBe(25); // 500 ms busy in 2000 ms
    expect(m.net_rx_mb_s).toBe(1);
    expect(m.net_tx_mb_s).toBe(0.5);
    expect(m.net_rx_pkts_s).toBe(500);
    expect(m.net_tx_pkts_s).toBe(250);
    expect(m.net_rx_errs_s).toBe(2);
    expect(m.net_tx_drops_s).toBe(1);
    expect(m.net_tx_errs_s).toBe(0);
  });

  it('takes gauges from the second snapshot, memory in whole MiB', () => {
    const m = hostMetrics(fixtureSnapshot(1n), fixtureSnapshot(2n));
    expect(m).toMatchObject({
      load_1m: 0.02,
      load_5m: 0.04,
      load_15m: 0.05,
      procs_running: 2,
      procs_blocked: 1,
      mem_total_mb: 15299, // 15666184 kB / 1024 = 15299.0078
      mem_free_mb: 430, // 440324 kB
      mem_available_mb: null, // this kernel has no MemAvailable
      mem_buffers_mb: 996, // 1020128 kB
      mem_cached_mb: 13423, // (12007640 + 1738124) kB = 13423.6 MiB
      swap_total_mb: 0,
      swap_free_mb: 0,
      swap_used_mb: 0,
      temperature_c: 49.925,
    });
  });

  it('gives zero rates, not null, for idle counters', () => {
    const m = hostMetrics(fixtureSnapshot(1n), fixtureSnapshot(2n));
    expect([m.disk_read_mb_s, m.net_rx_mb_s, m.ctx_switches_s]).toEqual([0, 0, 0]);
  });

  it('gives null rates, never negative ones, when a counter went backwards', () => {
    const before = fixtureSnapshot(1n);
    const after = fixtureSnapshot(2n);
    advance(after.interfaces!, [-1000]); // rx_bytes reset by a driver; the other counters moved on
    advance(after.disks!, [0, 0, 0, 0, 0, 0, 0, 0, 0, -10]); // io_ticks wrapped
    after.stat!.ctxt = 5;
    const m = hostMetrics(before, after);
    expect(m.net_rx_mb_s).toBeNull();
    expect(m.net_tx_mb_s).toBe(0);
    expect(m.disk_util_pct).toBeNull();
    expect(m.disk_write_mb_s).toBe(0);
    expect(m.ctx_switches_s).toBeNull();
  });

  it('handles a u64 counter wrapping past 2^64 − 1 as a reset, and exact deltas above 2^53', () => {
    const before = fixtureSnapshot(1n);
    const after = fixtureSnapshot(2n);
    before.stat!.ctxt = 18446744073709551000n;
    after.stat!.ctxt = 18446744073709551600n;
    before.stat!.intrTotal = 18446744073709551615n;
    after.stat!.intrTotal = 10;
    const m = hostMetrics(before, after);
    expect(m.ctx_switches_s).toBe(600);
    expect(m.interrupts_s).toBeNull();
  });

  it('gives null disk and network rates when a device appeared or went away', () => {
    const before = fixtureSnapshot(1n);
    const after = fixtureSnapshot(2n);
    after.disks!.set('sdz', { major: 8, minor: 400, name: 'sdz', stats: Array(11).fill(0) });
    after.interfaces!.delete('eth0');
    const m = hostMetrics(before, after);
    expect(m.disk_read_mb_s).toBeNull();
    expect(m.disk_util_pct).toBeNull();
    expect(m.net_rx_mb_s).toBeNull();
  });

  it('gives null rates when no time passed between the snapshots, and keeps gauges', () => {
    const m = hostMetrics(fixtureSnapshot(5n), fixtureSnapshot(5n));
    expect([m.ctx_switches_s, m.disk_read_mb_s, m.net_rx_mb_s]).toEqual([null, null, null]);
    expect(m.mem_total_mb).toBe(15299);
  });

  it('gives null for parts that could not be read', () => {
    const before = fixtureSnapshot(1n);
    const after = { ...fixtureSnapshot(2n), meminfo: null, disks: null, stat: null, temperatureC: null };
    const m = hostMetrics(before, after);
    expect([m.mem_total_mb, m.disk_read_mb_s, m.cpu_total_pct, m.procs_running, m.temperature_c]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('cpuPercentages', () => {
  it('sums the ten parts to 100 on real counters (procfs fixture cpu line vs cpu0)', () => {
    const stat = parseStat(fixtureText('procfs/proc/stat'));
    const zero = stat.cpu.map((v) => (v === null ? null : 0));
    const parts = cpuPercentages(zero, stat.cpu);
    const sum = Object.entries(parts)
      .filter(([k]) => k !== 'cpu_total_pct')
      .reduce((s, [, v]) => s + (v ?? 0), 0);
    expect(sum).toBeCloseTo(100, 10);
  });

  it('reports nice net of guest_nice', () => {
    const before = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const after = [0, 30, 0, 70, 0, 0, 0, 0, 0, 10];
    const parts = cpuPercentages(before, after);
    // 100 jiffies in all: nice 30 of which guest_nice 10, idle 70.
    expect([parts.cpu_nice_pct, parts.cpu_guest_nice_pct, parts.cpu_idle_pct]).toEqual([20, 10, 70]);
  });

  it('counts a part that went backwards (iowait, per proc(5)) as 0 and still sums to 100', () => {
    const parts = cpuPercentages([10, 0, 10, 10, 50, 0, 0, 0, 0, 0], [60, 0, 60, 110, 45, 0, 0, 0, 0, 0]);
    expect(parts.cpu_iowait_pct).toBe(0);
    expect(parts.cpu_user_pct! + parts.cpu_system_pct! + parts.cpu_idle_pct!).toBeCloseTo(100, 10);
  });

  it('gives null with no CPU time between the snapshots', () => {
    const same = [1, 2, 3, 4, 5, 6, 7, 8, 0, 0];
    expect(cpuPercentages(same, same).cpu_total_pct).toBeNull();
  });

  it('leaves guest parts null on kernels that do not count them', () => {
    const parts = cpuPercentages(
      [0, 0, 0, 0, 0, 0, 0, 0, null, null],
      [10, 0, 10, 80, 0, 0, 0, 0, null, null],
    );
    expect([parts.cpu_user_pct, parts.cpu_guest_pct, parts.cpu_guest_nice_pct]).toEqual([10, null, null]);
  });
});
