import { COLUMNS } from '../columns.js';

/** The Markdown table of every column (name, SQL type, rows, unit, source), as the README shows it. */
export function columnsMarkdown(): string {
  const lines = ['| column | SQL type | rows | unit | what and where from |', '|---|---|---|---|---|'];
  for (const c of COLUMNS) {
    const rows = { identity: 'all', node: 'host', container: 'container', both: 'host, container' }[c.scope];
    lines.push(`| \`${c.name}\` | ${c.sql} | ${rows} | ${c.unit || '–'} | ${c.help} |`);
  }
  return lines.join('\n');
}
