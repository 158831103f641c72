import { describe, expect, it } from 'vitest';
import { maskedCommandLine } from './process-title.js';

describe('maskedCommandLine', () => {
  it('masks --password and --token values, both spellings, and URL passwords', () => {
    expect(
      maskedCommandLine([
        '/usr/bin/node',
        '/x/ringmon.js',
        'run',
        '--password',
        'hunter2',
        '--token=t0k',
        '--database-url',
        'postgresql://u:p%40ss@db:5432/m?sslmode=require&password=again',
      ]),
    ).toBe(
      '/usr/bin/node /x/ringmon.js run --password *** --token=*** --database-url postgresql://u:***@db:5432/m?sslmode=require&password=***',
    );
  });

  it('leaves a command line without secrets alone', () => {
    expect(maskedCommandLine(['node', 'ringmon', 'run', '--host', 'db', '--user', 'u'])).toBeNull();
    expect(
      maskedCommandLine(['node', 'ringmon', 'recent', '--database-url', 'postgresql://u@db/m']),
    ).toBeNull();
  });
});
