/**
 * Secrets on the command line: anyone on the host can read a process's arguments (`ps`,
 * /proc/PID/cmdline), so the CLI masks --password, --token and URL passwords in its process title
 * as soon as it starts. Read here as another user would, from /proc, of a real running agent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ringNames } from '../src/store/ring/schema.js';
import { startCli } from './cli-helpers.js';
import { dropRing, PG_URL } from './store/backends.js';

const PASSWORD = 'pw-4f9d2c-secret';
const TOKEN = 'tok-81b7e0-secret';

describe('secrets given as flags', () => {
  it('are masked in ps and /proc/PID/cmdline of a running agent', async () => {
    const agent = startCli(
      [
        'run',
        '--database-url',
        `postgresql://postgres:${PASSWORD}@127.0.0.1:5432/test`,
        '--password',
        PASSWORD,
        '--table',
        'secrets_title_ring',
        '--serve',
        '--serve-port',
        '0',
        '--token',
        TOKEN,
      ],
      { DATABASE_URL: '', PGHOST: '' },
    );
    try {
      const pid = agent.child.pid!;
      const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      for (let i = 0; i < 100 && !agent.stderr().includes('agent started'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(agent.stderr()).toContain('agent started');
      const seen = [cmdline(), execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })];
      for (const text of seen) {
        expect(text).toContain('--password ***');
        expect(text).toContain('--token ***');
        expect(text).toContain('postgresql://postgres:***@127.0.0.1:5432/test');
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(TOKEN);
      }
    } finally {
      agent.child.kill('SIGINT');
      const { code, stderr } = await agent.done;
      expect(stderr).not.toContain(PASSWORD);
      expect(stderr).not.toContain(TOKEN);
      expect(code).toBe(0);
      const names = ringNames('secrets_title_ring');
      const admin = new pg.Client(PG_URL);
      await admin.connect();
      await dropRing(admin, names.table);
      await admin.end();
    }
  }, 60_000);
});
