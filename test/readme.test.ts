import { readFileSync } from 'node:fs';
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
});
