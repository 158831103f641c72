/**
 * Building the pages' elements. Every name and value reaches the page as text (textContent,
 * attribute values), never as markup: a node named `<img onerror=…>` is shown, not run.
 */
import type { WriterEntry } from './answers.js';
import { staleNote } from './nodes.js';

/** Attributes to set; `text` sets the text content; null, undefined and false leave one out. */
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;
/** A child to append: text, or an element; null, undefined and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** An element with its attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Shows a message in the page's error box; null hides it. */
export function showError(message: string | null): void {
  const box = document.getElementById('error');
  if (box === null) return;
  box.hidden = !message;
  box.textContent = message || '';
}

/** The stale / clock-ahead badge of a writer, or null. */
export function staleBadge(entry: Partial<WriterEntry> | null, staleIntervals: number): HTMLElement | null {
  const note = entry ? staleNote(entry, staleIntervals) : null;
  return note === null ? null : h('span', { class: 'stale', title: note.title, text: note.text });
}

/** Why a promise failed, as one line for the error box. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
