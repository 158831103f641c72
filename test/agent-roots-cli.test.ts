import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, runCli } from './cli-helpers.js';
import { fixturePath } from './fixture-path.js';
import { dropRing, PG_URL, pgUnavailable, uniqueTable } from './store/backends.js';

const CI = process.env.CI === 'true';

/**
 * `ringmon run` reading another machine's trees, as an agent in a container reads the host's at
 * /host/proc and /host/sys: the golden fixture stands in for them. The fixture does not change
 * between ticks, so every rate is 0 (or NULL where nothing is counted or no CPU time passed) and
 * every gauge is the fixture's: the values `ringmon sample` prints for it (expected-sample.json).
 */
describe.skipIf(pgUnavailable !== null && !CI)('ringmon run on the proc and sys trees it is given', () => {
  const proc = fixturePath('golden/proc');
  const sys = fixturePath('golden/sys');
  const golden = JSON.parse(readFileSync(fixturePath('golden/expected-sample.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  /** The gauges: read from the fixture as they are, whatever the time between snapshots. */
  const GAUGES = [
    'load_1m',
    'load_5m',
    'load_15m',
    'procs_running',
    'procs_blocked',
    'mem_total_mb',
    'mem_free_mb',
    'mem_available_mb',
    'mem_buffers_mb',
    'mem_cached_mb',
    'swap_total_mb',
    'swap_free_mb',
    'swap_used_mb',
    'temperature_c',
  ];
  const fixtureGauges = Object.fromEntries(GAUGES.map((column) => [column, golden[column]]));
  const CPU = Object.keys(golden).filter((column) => column.startsWith('cpu_'));
  const DISK = ['disk_read_mb_s', 'disk_write_mb_s', 'disk_read_iops', 'disk_write_iops', 'disk_util_pct'];
  const NET = Object.keys(golden).filter((column) => column.startsWith('net_'));
  const columns = (names: string[], value: unknown) => Object.fromEntries(names.map((n) => [n, value]));

  const dir = mkdtempSync(join(tmpdir(), 'ringmon-roots-'));
  const tables: string[] = [];
  const admin = new pg.Client(PG_URL);
  beforeAll(async () => {
    if (pgUnavailable !== null)
      throw new Error(`PostgreSQL at ${PG_URL} is unreachable under CI: ${pgUnavailable}`);
    await admin.connect();
  });
  afterAll(async () => {
    for (const table of tables) await dropRing(admin, table);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const newTable = () => {
    const table = uniqueTable('ringmon_roots');
    tables.push(table);
    return table;
  };
  const rows = async (table: string) =>
    (
      await admin.query<Record<string, unknown>>(
        `SELECT node_name, source, interval_seconds, ctx_switches_s, interrupts_s, ${[...GAUGES, ...CPU, ...DISK, ...NET].join(', ')}
           FROM ${table} WHERE sample_time IS NOT NULL ORDER BY id`,
      )
    ).rows;
  const exists = async (table: string) =>
    (await admin.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table])).rows[0]?.t !== null;

  /** The rows of a run that must have ended well and stored its two samples. */
  async function twoRowsStored(run: { stderr: string; status: number | null }, table: string) {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stored = await rows(table);
    expect(stored).toHaveLength(2);
    return stored;
  }

  it('--proc, --sys and a device filter: two rows carrying the fixture’s values', async () => {
    const table = newTable();
    const run = runCli([
      'run',
      ...['--database-url', PG_URL, '--table', table],
      ...['--proc', proc, '--sys', sys, '--net-exclude', 'eth0'],
      ...['--samples', '2', '--interval', '0.5', '--node-name', 'roots-flags'],
      ...['--log-file', join(dir, 'flags.log')],
    ]);
    const stored = await twoRowsStored(run, table);
    for (const row of stored) {
      expect(row).toEqual({
        node_name: 'roots-flags',
        source: 'procfs',
        interval_seconds: 1, // 0.5 s in the column's whole seconds
        ...fixtureGauges,
        // No CPU time passed between two readings of the same file: no breakdown to give.
        ...columns(CPU, null),
        ctx_switches_s: 0,
        interrupts_s: 0,
        // sda is the fixture's one whole physical disk (its sys/block says so): counted, unchanged.
        ...columns(DISK, 0),
        // eth0, the one physical interface, is excluded: no interface counts, so no network rate.
        ...columns(NET, null),
      });
    }
  });

  it('the same from the config file’s monitoring keys', async () => {
    const table = newTable();
    const config = join(dir, 'roots.yaml');
    writeFileSync(
      config,
      [
        'monitoring:',
        `  table_name: ${table}`,
        '  node_name: roots-config',
        `  proc_root: ${proc}`,
        `  sys_root: ${sys}`,
        '  disk_include: [xvd*]', // the fixture's diskstats has no Xen disk: none counts
        '  intervals:',
        '    node_seconds: 0.5',
        '',
      ].join('\n'),
    );
    const run = runCli([
      'run',
      ...['--config', config, '--database-url', PG_URL, '--samples', '2'],
      ...['--log-file', join(dir, 'config.log')],
    ]);
    const stored = await twoRowsStored(run, table);
    for (const row of stored) {
      expect(row).toEqual({
        node_name: 'roots-config',
        source: 'procfs',
        interval_seconds: 1,
        ...fixtureGauges,
        ...columns(CPU, null),
        ctx_switches_s: 0,
        interrupts_s: 0,
        ...columns(DISK, null),
        ...columns(NET, 0),
      });
    }
    // The empty disk columns get a word, once, with the devices there are to choose from.
    const warnings = logLines(join(dir, 'config.log')).filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      '--disk-include xvd* matches no block device (devices here: sda, mmcblk0, fd0, vda, sr0, nvme0n1, sdb, sdc)',
    ]);
  });

  it.each([
    // The flag wins over the file's good root, and is what is refused.
    ['--proc', proc, ['--proc', '/no/such/dir']],
    ['monitoring.proc_root', '/no/such/dir', []],
  ])(
    'a proc root that is not one (%s): one clear line, exit 2, no ring created',
    async (_, fileRoot, flags) => {
      const table = newTable();
      const config = join(dir, `bad-${table}.yaml`);
      writeFileSync(config, `monitoring:\n  table_name: ${table}\n  proc_root: ${fileRoot}\n`);
      const run = runCli(['run', '--config', config, '--database-url', PG_URL, '--samples', '2', ...flags]);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(
        /^ringmon: \/no\/such\/dir is not a proc filesystem \(no \/no\/such\/dir\/stat\)/,
      );
      expect(run.status).toBe(2);
      expect(await exists(table)).toBe(false);
    },
  );
});
