import { describe, expect, it } from 'vitest';
import { maskSecrets, oneLine } from './errors.js';

describe('maskSecrets', () => {
  it('masks only the password of a URL', () => {
    expect(maskSecrets('postgres://u:p@h:1/d and postgresql://u@h/d')).toBe(
      'postgres://u:***@h:1/d and postgresql://u@h/d',
    );
  });

  it('masks the password of any scheme and of a password= parameter, and nothing else', () => {
    expect(maskSecrets('redis://:pw@h/0 postgres://h/d?user=u&password=s3cr3t&sslmode=require')).toBe(
      'redis://:***@h/0 postgres://h/d?user=u&password=***&sslmode=require',
    );
    expect(maskSecrets('no secrets at all: user@host password')).toBe(
      'no secrets at all: user@host password',
    );
  });
});

describe('oneLine', () => {
  it('collapses a multi-line server message to one line', () => {
    expect(oneLine('  ERROR:  relation "x"\n  does not exist\n')).toBe('ERROR: relation "x" does not exist');
  });
});
