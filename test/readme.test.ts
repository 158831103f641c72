import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { columnsMarkdown } from '../src/cli/columns-doc.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the column table of src/columns.ts (run `npm run docs` after changing columns)', () => {
    expect(readme).toContain(`<!-- columns:start -->\n${columnsMarkdown()}\n<!-- columns:end -->`);
  });

  it('starts with the two commands a new user types', () => {
    const firstBlock = readme.match(/```bash\n([\s\S]*?)```/)![1]!;
    expect(firstBlock).toMatch(/^npm ci && \.\/bin\/ringmon\.js /m);
    expect(firstBlock).toMatch(/^npm test /m);
  });

  it('runs every TypeScript block as written, on this Node.js, with ringmon installed beside it', () => {
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-readme-'));
    try {
      // A project of a user's: ringmon in its node_modules (this checkout, built), nothing else.
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(fileURLToPath(new URL('..', import.meta.url)), join(dir, 'node_modules', 'ringmon'));
      for (const [i, code] of blocks.entries()) {
        const file = join(dir, `block-${i}.mjs`);
        writeFileSync(file, code);
        const result = spawnSync(process.execPath, [file], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, DATABASE_URL: '', PGHOST: '' },
        });
        expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(result.status).toBe(0);
        if (code.includes('printSampleSummary')) expect(result.stdout).toContain('server-01');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
