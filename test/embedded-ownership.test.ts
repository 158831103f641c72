/**
 * Who owns an embedded data directory, through everything a host can throw at it: an owner that
 * is PID 1 in its container and dies uncleanly, a lock file left empty by a full disk or filled with
 * garbage, a second agent on the same directory whose owner stops, a `serve` started before the
 * agent, and a data directory too long for a socket address (whose socket must stay out of other
 * users' reach). Real processes, a real tmpfs, a real second user (`nobody`): these need root.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, logLines, runCli, startCli, until } from './cli-helpers.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'ringmon-owner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { DATABASE_URL: '', PGHOST: '' };
const bin = new URL('../bin/ringmon.js', import.meta.url).pathname;

const endpointOf = (dataDir: string) =>
  until('agent.json', () => {
    const path = join(dataDir, 'agent.json');
    return existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as { pid: number; socketDir: string })
      : undefined;
  });

const logged = (file: string, msg: RegExp) =>
  until(`a log line ${msg}`, () =>
    existsSync(file) ? logLines(file).find((l) => msg.test(l.msg)) : undefined,
  );

/** Rows per node in the directory's ring, read with PGlite itself once no ringmon process runs. */
async function rowsByNode(dataDir: string): Promise<Record<string, number>> {
  const db = new PGlite(join(dataDir, 'pgdata'));
  try {
    const res = await db.query<{ node_name: string; n: number }>(
      'SELECT node_name, count(*)::integer AS n FROM monitor_samples_ring GROUP BY node_name',
    );
    return Object.fromEntries(res.rows.map((r) => [r.node_name, r.n]));
  } finally {
    await db.close();
  }
}

function stopped(file: string): { rowsWritten: number; rowsUnwritten: number; rowsDropped: number } {
  const line = logLines(file).find((l) => l.msg === 'agent stopped');
  if (!line) throw new Error(`no "agent stopped" in ${file}`);
  return line as unknown as { rowsWritten: number; rowsUnwritten: number; rowsDropped: number };
}

const agent = (dataDir: string, node: string, log: string, extra: string[] = []): CliProcess =>
  startCli(
    ['run', '--data-dir', dataDir, '--interval', '0.5', '--node-name', node, '--log-file', log, ...extra],
    env,
  );

describe.skipIf(!isRoot)('ownership of an embedded data directory (as root)', () => {
  it('an agent that is PID 1 in its own PID namespace starts again after kill -9, though the lock file says pid 1', async () => {
    const dataDir = join(dir, 'pid1');
    const args = ['--pid', '--fork', '--mount-proc', process.execPath, bin, 'run', '--data-dir', dataDir];
    const outer = spawn('unshare', [...args, '--interval', '0.5', '--node-name', 'pid1'], {
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    const endpoint = await endpointOf(dataDir);
    expect(endpoint.pid).toBe(1);
    expect(JSON.parse(readFileSync(join(dataDir, 'owner.lock'), 'utf8'))).toEqual({ pid: 1 });
    await until('a row', async () => ((await rowsInUse(dataDir)) > 0 ? true : undefined));
    // The agent is the namespace's PID 1: its host PID is the unshare process's child.
    const hostPid = Number(readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim());
    expect(readlinkSync(`/proc/${hostPid}/exe`)).toBe(process.execPath);
    process.kill(hostPid, 'SIGKILL');
    await new Promise((r) => outer.once('exit', r));
    // What the dead agent left: its lock file, its agent.json and its socket, all naming PID 1.
    expect(readFileSync(join(dataDir, 'owner.lock'), 'utf8')).toBe('{"pid":1}');
    expect(existsSync(join(dataDir, 'agent.json'))).toBe(true);

    const again = spawnSync(
      'unshare',
      [...args, '--samples', '2', '--interval', '0.5', '--node-name', 'pid1-again'],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 60_000,
      },
    );
    expect(again.stderr).not.toMatch(/in use|refused/);
    expect(again.status).toBe(0);
    expect((await rowsByNode(dataDir))['pid1-again']).toBe(2);
  }, 120_000);

  it('a lock file that is empty, garbage or names a live process nobody locked blocks nobody', async () => {
    const dataDir = join(dir, 'garbage');
    expect(runCli(['run', '--data-dir', dataDir, '--samples', '1', '--node-name', 'n0'], env).status).toBe(0);
    const contents = ['', 'garbage', '{"pid":1}', JSON.stringify({ pid: process.pid })];
    for (const [i, text] of contents.entries()) {
      writeFileSync(join(dataDir, 'owner.lock'), text);
      const result = runCli(
        ['run', '--data-dir', dataDir, '--samples', '1', '--node-name', `n${i + 1}`, '--log-level', 'warn'],
        env,
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    expect(await rowsByNode(dataDir)).toEqual({ n0: 1, n1: 1, n2: 1, n3: 1, n4: 1 });
  }, 120_000);

  it('a start on a full disk fails with one line and leaves nothing that blocks the next start', async () => {
    const mount = join(dir, 'small');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    try {
      const dataDir = join(mount, 'd');
      // Fill the filesystem to its last block.
      spawnSync('dd', ['if=/dev/zero', `of=${join(mount, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      const log = join(dir, 'full.log');
      const full = runCli(['run', '--data-dir', dataDir, '--samples', '1', '--log-file', log], env);
      expect(full.status).not.toBe(0);
      expect(full.stderr.trim().split('\n')).toHaveLength(1);
      expect(full.stderr).toMatch(/no space left on device/);
      // The disk grows (an operator frees space): the next start works at once.
      rmSync(join(mount, 'filler'));
      execFileSync('mount', ['-o', 'remount,size=300m', mount]);
      const after = runCli(
        ['run', '--data-dir', dataDir, '--samples', '2', '--interval', '0.5', '--log-level', 'warn'],
        env,
      );
      expect(after.stderr).toBe('');
      expect(after.status).toBe(0);
    } finally {
      spawnSync('umount', [mount]);
    }
  }, 180_000);

  it('a second agent on the directory writes through the owner and takes the directory over when the owner stops', async () => {
    const dataDir = join(dir, 'two');
    const [logA, logB] = [join(dir, 'two-a.log'), join(dir, 'two-b.log')];
    const a = agent(dataDir, 'a', logA);
    const ownerPid = (await endpointOf(dataDir)).pid;
    const b = agent(dataDir, 'b', logB);
    expect((await logged(logB, /writing through its socket/)).owner).toBe(ownerPid);
    await new Promise((r) => setTimeout(r, 2000));
    a.child.kill('SIGINT');
    expect((await a.done).code).toBe(0);
    await logged(logB, /^took the embedded store over from process/);
    expect((await endpointOf(dataDir)).pid).toBe(b.child.pid);
    await new Promise((r) => setTimeout(r, 2000));
    b.child.kill('SIGINT');
    expect((await b.done).code).toBe(0);
    const counts = { a: stopped(logA), b: stopped(logB) };
    expect(counts.b.rowsUnwritten + counts.b.rowsDropped).toBe(0);
    expect(await rowsByNode(dataDir)).toEqual({ a: counts.a.rowsWritten, b: counts.b.rowsWritten });
    expect(logLines(logB).filter((l) => /took the embedded store over/.test(l.msg))).toHaveLength(1);
  }, 120_000);

  it('an agent started while `serve` owns the directory samples and writes, and takes over when serve stops', async () => {
    const dataDir = join(dir, 'serve-first');
    expect(runCli(['run', '--data-dir', dataDir, '--samples', '1', '--node-name', 'first'], env).status).toBe(
      0,
    );
    const serve = startCli(['serve', '--data-dir', dataDir, '--port', '0'], env);
    const servePid = (await endpointOf(dataDir)).pid;
    expect(servePid).toBe(serve.child.pid);
    const log = join(dir, 'serve-first.log');
    const run = agent(dataDir, 'late', log);
    await logged(log, /writing through its socket/);
    await new Promise((r) => setTimeout(r, 1500));
    serve.child.kill('SIGINT');
    await serve.done;
    await logged(log, /^took the embedded store over from process/);
    await new Promise((r) => setTimeout(r, 1500));
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
    const { rowsWritten, rowsUnwritten } = stopped(log);
    expect(rowsUnwritten).toBe(0);
    expect(rowsWritten).toBeGreaterThan(4);
    expect((await rowsByNode(dataDir)).late).toBe(rowsWritten);
  }, 120_000);

  it('a data directory too long for a socket address serves in a private directory, never on TCP: nobody else gets in', async () => {
    const dataDir = join(dir, 'l'.repeat(119 - dir.length - 1));
    expect(dataDir).toHaveLength(119);
    const log = join(dir, 'long.log');
    const run = agent(dataDir, 'long', log);
    let socketDir = '';
    try {
      ({ socketDir } = await endpointOf(dataDir));
      expect(socketDir.startsWith(join(tmpdir(), 'ringmon-0'))).toBe(true);
      for (const d of [socketDir, join(socketDir, '..')]) expect(statSync(d).mode & 0o777).toBe(0o700);
      await until('a row', async () => ((await rowsInUse(dataDir)) > 0 ? true : undefined));
      expect(tcpListeners(run.child.pid!)).toEqual([]);
      const query = ['-h', socketDir, '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-Atc', 'SELECT 42'];
      const asRoot = spawnSync('psql', query, { encoding: 'utf8', timeout: 20_000 });
      expect(asRoot.stdout.trim()).toBe('42');
      // The attack of the report: another local user connecting to the store, which asks no password.
      const asNobody = spawnSync('runuser', ['-u', 'nobody', '--', 'psql', ...query], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(asNobody.status).not.toBe(0);
      expect(asNobody.stderr).toMatch(/Permission denied/);
      expect(runCli(['status', '--data-dir', dataDir], env).status).toBe(0);
    } finally {
      run.child.kill('SIGINT');
      expect((await run.done).code).toBe(0);
    }
    expect(existsSync(socketDir)).toBe(false); // the private socket directory goes with the agent
  }, 120_000);
});

/** Rows in the ring of a directory an agent is serving, asked through `ringmon status`. */
async function rowsInUse(dataDir: string): Promise<number> {
  const result = runCli(['status', '--data-dir', dataDir, '--json'], env);
  if (result.status !== 0) return 0;
  return (JSON.parse(result.stdout) as { rowsUsed: number }).rowsUsed;
}

/** TCP sockets the process listens on: its socket inodes that /proc/net/tcp{,6} lists in state LISTEN. */
function tcpListeners(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((i): i is string => i !== undefined),
  );
  return ['tcp', 'tcp6'].flatMap((file) =>
    readFileSync(`/proc/${pid}/net/${file}`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A' && inodes.has(f[9] ?? ''))
      .map((f) => f[1] ?? ''),
  );
}
