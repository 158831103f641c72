/** Rewrites the README's column table from src/columns.ts (`npm run docs`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { columnsMarkdown } from '../src/cli/columns-doc.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const updated = readme.replace(
  /<!-- columns:start -->[\s\S]*<!-- columns:end -->/,
  `<!-- columns:start -->\n${columnsMarkdown()}\n<!-- columns:end -->`,
);
writeFileSync(path, updated);
