import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostCollector, hostSampleBetween } from '../src/collect/host/collector.js';

/** These tests read this machine's /proc and /sys: the machine is shared, so they assert ranges. */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function sampleAround(action: () => Promise<void> | void) {
  const collector = HostCollector.open();
  try {
    const before = collector.snapshot();
    await action();
    return hostSampleBetween(before, collector.snapshot());
  } finally {
    collector.close();
  }
}

describe('host collector on this machine', () => {
  let burner: ChildProcess | undefined;
  afterEach(() => {
    burner?.kill('SIGKILL');
    burner = undefined;
  });

  it('fills every host column it can, with parts that sum to 100', async () => {
    const { metrics, errors, elapsedSeconds } = await sampleAround(() => sleep(500));
    expect(errors).toEqual([]);
    expect(elapsedSeconds).toBeGreaterThan(0.45);
    const parts = [
      metrics.cpu_user_pct,
      metrics.cpu_nice_pct,
      metrics.cpu_system_pct,
      metrics.cpu_idle_pct,
      metrics.cpu_iowait_pct,
      metrics.cpu_irq_pct,
      metrics.cpu_softirq_pct,
      metrics.cpu_steal_pct,
      metrics.cpu_guest_pct,
      metrics.cpu_guest_nice_pct,
    ];
    for (const part of parts) expect(part).toBeGreaterThanOrEqual(0);
    expect(parts.reduce((sum, p) => sum! + p!, 0)).toBeCloseTo(100, 1);
    expect(metrics.mem_total_mb).toBeGreaterThan(0);
    expect(metrics.mem_free_mb).toBeLessThanOrEqual(metrics.mem_total_mb!);
    expect(metrics.mem_available_mb).toBeLessThanOrEqual(metrics.mem_total_mb!);
    expect(metrics.swap_used_mb).toBe(metrics.swap_total_mb! - metrics.swap_free_mb!);
    expect(metrics.ctx_switches_s).toBeGreaterThan(0);
    expect(metrics.interrupts_s).toBeGreaterThan(0);
    expect(metrics.procs_running).toBeGreaterThanOrEqual(1); // this test itself
    for (const rate of [metrics.disk_read_mb_s, metrics.disk_write_mb_s, metrics.net_rx_pkts_s]) {
      expect(rate).toBeGreaterThanOrEqual(0);
    }
  });

  it('sees a process burning one core in cpu_total_pct', async () => {
    const cores = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
    burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    await sleep(300); // let it start spinning
    const { metrics } = await sampleAround(() => sleep(1000));
    // One busy core of `cores` is 100/cores percent of the host; other load on the machine only adds.
    expect(metrics.cpu_total_pct).toBeGreaterThanOrEqual((100 / cores) * 0.8);
    expect(metrics.cpu_total_pct).toBeLessThanOrEqual(100);
    expect(metrics.cpu_user_pct).toBeGreaterThanOrEqual((100 / cores) * 0.6);
  });

  it('sees 200 MiB written with O_DIRECT in disk_write_mb_s', async () => {
    const dir = mkdtempSync(join(process.env.RINGMON_TEST_DISK_DIR ?? process.cwd(), '.ringmon-dd-'));
    try {
      const { metrics, elapsedSeconds } = await sampleAround(() => {
        const dd = spawnSync(
          'dd',
          ['if=/dev/zero', `of=${join(dir, 'blob')}`, 'bs=1M', 'count=200', 'oflag=direct'],
          {
            encoding: 'utf8',
          },
        );
        expect(dd.status, dd.stderr).toBe(0);
      });
      const writtenMiB = metrics.disk_write_mb_s! * elapsedSeconds;
      // Direct I/O bypasses the page cache, so all 200 MiB reach the disk inside the window; the
      // file system's journal and other writers on the machine add a little.
      expect(writtenMiB).toBeGreaterThanOrEqual(199);
      expect(writtenMiB).toBeLessThan(200 + 100 * elapsedSeconds);
      expect(metrics.disk_write_iops).toBeGreaterThan(0);
      expect(metrics.disk_util_pct).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
