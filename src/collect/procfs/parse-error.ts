/** A kernel file whose text is not what the kernel writes: names the file and quotes the bad part. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

/** Quotes at most 60 characters of a bad line, so a message stays one readable line. */
export function quote(text: string): string {
  const line = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(line);
}
