import { readFileSync } from 'node:fs';
import { isMap, isNode, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { RingmonError } from '../errors.js';
import { type ConfigFile, configFileSchema } from './file-schema.js';

/**
 * Reads and validates a YAML configuration file. Every problem is one line naming the file, the
 * line and the key: `config.yaml:7: monitoring.capacity: must be at least 1`.
 */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new RingmonError(`cannot read config file ${path}: ${reason}`, 'usage');
  }
  return parseConfigText(text, path);
}

/** Parses and validates configuration text; `path` is only used in messages. */
export function parseConfigText(text: string, path: string): ConfigFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new RingmonError(`${path}:${line}: invalid YAML: ${syntaxError.message.split('\n')[0]}`, 'usage');
  }
  const value = document.toJS() ?? {};
  const template = unrenderedTemplate(value, []);
  if (template !== null) {
    const line = lineOf(document.contents, template.path, lineCounter);
    throw new RingmonError(
      `${line === null ? path : `${path}:${line}`}: ${template.path.join('.')}: ${JSON.stringify(template.text)} is a template that was never rendered: render the file first (Ansible's template module, envsubst) or write the value itself`,
      'usage',
    );
  }
  const result = configFileSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keyPath = issuePath(issue);
  const line = lineOf(document.contents, keyPath, lineCounter);
  const where = line === null ? path : `${path}:${line}`;
  const key = keyPath.length > 0 ? keyPath.join('.') : '(top level)';
  throw new RingmonError(`${where}: ${key}: ${issueMessage(issue)}`, 'usage');
}

function issuePath(issue: z.core.$ZodIssue): (string | number)[] {
  const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  // An unknown key is reported on its parent; name the key itself so the line points at it.
  if (issue.code === 'unrecognized_keys') return [...path, issue.keys[0]!];
  return path;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key (check its spelling and where it is nested)';
  return issue.message;
}

/** The line of the deepest key or item along `path` that exists in the YAML document. */
function lineOf(root: unknown, path: (string | number)[], lineCounter: LineCounter): number | null {
  let node: unknown = root;
  let line = rangeLine(node, lineCounter);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isNode(item.key) ? item.key.toJSON() : item.key) === part);
      if (!pair) break;
      line = rangeLine(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      line = rangeLine(node, lineCounter) ?? line;
    } else {
      break;
    }
  }
  return line;
}

function rangeLine(node: unknown, lineCounter: LineCounter): number | null {
  if (!isNode(node)) return null;
  const range = (node as Node).range;
  return range ? lineCounter.linePos(range[0]).line : null;
}

/** Jinja's `{{ … }}` and `{% … %}`: what the spec's example (an Ansible template) holds until rendered. */
const TEMPLATE = /\{\{.*\}\}|\{%.*%\}/s;

/** The first string value (depth first) that is still a template, with its key path. */
function unrenderedTemplate(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; text: string } | null {
  if (typeof value === 'string') return TEMPLATE.test(value) ? { path, text: value } : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unrenderedTemplate(item, [...path, i]);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const found = unrenderedTemplate(item, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}
