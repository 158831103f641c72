import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';
import { fixturePath } from './fixture-path.js';

/**
 * Adds `by[i]` to the i-th number after `key` on the line that starts with `key` (a line prefix
 * such as 'cpu ', '   8       0 sda ' or '  eth0:').
 */
function advanceLine(text: string, key: string, by: number[]): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith(key));
  if (index === -1) throw new Error(`no line starting with ${JSON.stringify(key)}`);
  const line = lines[index]!;
  const numbers = line.slice(key.length).trim().split(/\s+/);
  const advanced = numbers.map((n, i) => String(BigInt(n) + BigInt(by[i] ?? 0)));
  lines[index] = `${key}${advanced.join(' ')}`;
  return lines.join('\n');
}

function edit(path: string, change: (text: string) => string) {
  writeFileSync(path, change(readFileSync(path, 'latin1')));
}

describe('ringmon sample (golden, end to end)', () => {
  const work = mkdtempSync(join(tmpdir(), 'ringmon-golden-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const before = fixturePath('golden/proc');
  const sys = fixturePath('golden/sys');
  const after = join(work, 'proc');
  cpSync(before, after, { recursive: true });
  // Two seconds later: 200 jiffies of CPU (user 60 with guest 10 inside, system 40, idle 80, iowait 20).
  edit(join(after, 'stat'), (t) =>
    advanceLine(
      advanceLine(advanceLine(t, 'cpu  ', [60, 0, 40, 80, 20, 0, 0, 0, 10, 0]), 'ctxt ', [5000]),
      'intr ',
      [3000],
    ),
  );
  edit(join(after, 'diskstats'), (t) => {
    // sda: 100 reads of 4096 sectors (2 MiB), 50 writes of 8192 sectors (4 MiB), 500 ms busy.
    let text = advanceLine(t, '   8       0 sda ', [100, 0, 4096, 0, 50, 0, 8192, 0, 0, 500]);
    // The same I/O seen again on a partition, a loop and a device-mapper device: never counted twice.
    text = advanceLine(text, '   8       1 sda1 ', [100, 0, 4096, 0, 50, 0, 8192, 0, 0, 500]);
    text = advanceLine(text, '   7       0 loop0 ', [999, 0, 999, 0, 999, 0, 999, 0, 0, 999]);
    return advanceLine(text, ' 252       0 dm-0 ', [999, 0, 999, 0, 999, 0, 999, 0, 0, 999]);
  });
  edit(join(after, 'net', 'dev'), (t) => {
    // eth0: 2 MiB in 1000 packets with 4 errors; 1 MiB out in 500 packets with 2 drops.
    let text = advanceLine(t, '  eth0:', [2097152, 1000, 4, 0, 0, 0, 0, 0, 1048576, 500, 0, 2]);
    // Loopback, a bridge and a veth carry the same bytes again: not counted.
    text = advanceLine(text, '    lo:', [2097152, 1000, 0, 0, 0, 0, 0, 0, 2097152, 1000]);
    text = advanceLine(text, 'docker0:', [2097152, 1000]);
    return advanceLine(text, 'vethf345468:', [2097152, 1000]);
  });

  it('prints exactly the expected row for two fixture snapshots two seconds apart', () => {
    const startedAt = Math.floor(Date.now() / 1000);
    const { status, stdout, stderr } = runCli([
      'sample',
      '--json',
      '--interval',
      '2',
      '--node-name',
      'golden',
      '--proc',
      before,
      '--sys',
      sys,
      '--proc-after',
      after,
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { sample_time, ...row } = JSON.parse(stdout) as Record<string, unknown>;
    expect(row).toEqual(JSON.parse(readFileSync(fixturePath('golden/expected-sample.json'), 'utf8')));
    expect(sample_time).toBeGreaterThanOrEqual(startedAt);
    expect(sample_time).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it.each([
    ['0.2', 1],
    ['2.4', 3],
  ])('--interval %s stores interval_seconds %d: whole seconds, rounded up, never 0', (interval, stored) => {
    const { status, stdout } = runCli([
      'sample',
      '--json',
      '--interval',
      interval,
      '--proc',
      before,
      '--sys',
      sys,
      '--proc-after',
      after,
    ]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ interval_seconds: stored });
  });

  it('warns once per include list that matches no device, naming the devices there are', () => {
    const { status, stdout, stderr } = runCli([
      ...['sample', '--json', '--proc', before, '--sys', sys, '--proc-after', after],
      ...['--disk-include', 'xvd*', '--net-include', 'wg*,tun?'],
    ]);
    expect(status).toBe(0);
    expect(stderr).toBe(
      'ringmon: warning: --disk-include xvd* matches no block device (devices here: sda, mmcblk0, fd0, vda, sr0, nvme0n1, sdb, sdc)\n' +
        'ringmon: warning: --net-include wg*,tun? matches no network interface (interfaces here: eth0)\n',
    );
    expect(JSON.parse(stdout)).toMatchObject({ disk_read_mb_s: null, net_rx_mb_s: null });
  });

  it('says nothing when the include lists match', () => {
    const { status, stderr } = runCli([
      ...['sample', '--json', '--proc', before, '--sys', sys, '--proc-after', after],
      ...['--disk-include', 'sd?', '--net-include', 'eth*'],
    ]);
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });

  it('prints a readable table with units by default', () => {
    const { status, stdout } = runCli(['sample', '--proc', before, '--sys', sys, '--proc-after', after]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^column\s+value\s+unit$/m);
    expect(stdout).toMatch(/^mem_total_mb\s+15299\s+MiB$/m);
    expect(stdout).toMatch(/^temperature_c\s+49\.92\s+°C$/m);
    expect(stdout).toMatch(/^mem_available_mb\s+-\s+MiB$/m);
  });
});

describe('ringmon sample: bad input', () => {
  it.each([
    [['--interval', '0'], /^ringmon: --interval 0: must be a number of seconds above 0 and at most 86400/],
    [['--interval', '-1'], /^ringmon: --interval -1: must be a number of seconds/],
    [['--interval', 'abc'], /^ringmon: --interval abc: must be a number of seconds/],
    [['--proc', '/no/such/dir'], /\/no\/such\/dir is not a proc filesystem/],
    [['--sys-after', '/sys'], /--sys-after needs --proc-after/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('%j gives one clear line and exit code 2', (args, message) => {
    const { status, stdout, stderr } = runCli(['sample', ...args]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });
});
