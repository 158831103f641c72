/**
 * Commander's usage errors in plain English, on one line. Commander says `option '--capacity
 * <rows>' argument '0' is invalid. must be …`; people read `--capacity 0: must be …`, the flag as
 * they typed it and then what the value must be. A suggestion commander prints on a second line
 * (`(Did you mean --keep-hours?)`) joins the first, so every usage error stays one line.
 */
export function plainUsageMessage(text: string): string {
  // Help that commander prints on stderr (`ringmon help bogus`) passes as it is.
  if (!text.startsWith('error: ')) return text;
  const message = text
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .trimEnd();
  const rewritten =
    rewrite(
      message,
      /^option '(-[^' ]+)[^']*' argument '(.*)' is invalid\. (.*)$/s,
      (flag, value, rule) => `${flag} ${shown(value)}: ${rule}`,
    ) ??
    rewrite(
      message,
      /^command-argument value '(.*)' is invalid for argument '([^']+)'\. (.*)$/s,
      (value, name, rule) => `${name} ${shown(value)}: ${rule}`,
    ) ??
    rewrite(
      message,
      /^option '(-[^' ]+) (<[^>]+>)' argument missing$/,
      (flag, value) => `${flag} needs a value: ${flag} ${value}`,
    ) ??
    rewrite(
      message,
      /^required option '(-[^' ]+)( <[^>]+>)?' not specified$/,
      (flag, value) => `${flag}${value ?? ''} is required`,
    ) ??
    rewrite(
      message,
      /^missing required argument '([^']+)'$/,
      (name) => `the <${name}> argument is required`,
    ) ??
    message;
  return `ringmon: ${rewritten}\n`;
}

function rewrite(
  message: string,
  pattern: RegExp,
  build: (...parts: string[]) => string,
): string | undefined {
  const match = pattern.exec(message);
  return match ? build(...match.slice(1).map((part) => part ?? '')) : undefined;
}

/** A value as typed, quoted only when it would not read as one word (empty, or with spaces). */
function shown(value: string): string {
  return value === '' || /\s/.test(value) ? `'${value}'` : value;
}
