import { describe, expect, it } from 'vitest';
import { plainUsageMessage } from './usage-message.js';

describe('plainUsageMessage', () => {
  it.each([
    [
      "error: option '--capacity <rows>' argument '0' is invalid. must be a whole number of rows from 1 to 2,147,483,647\n",
      'ringmon: --capacity 0: must be a whole number of rows from 1 to 2,147,483,647\n',
    ],
    [
      "error: option '--table <name>' argument 'x; DROP TABLE y' is invalid. must be a plain identifier\n",
      "ringmon: --table 'x; DROP TABLE y': must be a plain identifier\n",
    ],
    [
      "error: command-argument value '0' is invalid for argument 'capacity'. must be a whole number of rows\n",
      'ringmon: capacity 0: must be a whole number of rows\n',
    ],
    [
      "error: option '--interval <seconds>' argument missing\n",
      'ringmon: --interval needs a value: --interval <seconds>\n',
    ],
    [
      "error: required option '--keep-hours <hours>' not specified\n",
      'ringmon: --keep-hours <hours> is required\n',
    ],
    ["error: missing required argument 'capacity'\n", 'ringmon: the <capacity> argument is required\n'],
    [
      "error: unknown option '--keep-hour'\n(Did you mean --keep-hours?)\n",
      "ringmon: unknown option '--keep-hour' (did you mean --keep-hours?)\n",
    ],
    ["error: unknown option '--bogus'\n", "ringmon: unknown option '--bogus'\n"],
  ])('%j', (commander, plain) => {
    expect(plainUsageMessage(commander)).toBe(plain);
  });
});

describe('plainUsageMessage on text that is not an error', () => {
  it('passes help printed on stderr through unchanged', () => {
    const help = 'Usage: ringmon [options] [command]\n\nOptions:\n';
    expect(plainUsageMessage(help)).toBe(help);
  });
});
