import { describe, expect, it } from 'vitest';
import { sessionFits, splitHostList } from './host-list.js';

describe('splitHostList', () => {
  it('leaves a one-host URL without target_session_attrs to pg', () => {
    expect(splitHostList('postgresql://u:p@db1:5432/m?sslmode=require')).toBeNull();
  });

  it('splits a host list into one URL per host, in order, without target_session_attrs', () => {
    expect(
      splitHostList(
        'postgresql://u:p%40ss@db1:5432,db2,[::1]:6000/m?sslmode=require&target_session_attrs=read-write',
      ),
    ).toEqual({
      urls: [
        'postgresql://u:p%40ss@db1:5432/m?sslmode=require',
        'postgresql://u:p%40ss@db2/m?sslmode=require',
        'postgresql://u:p%40ss@[::1]:6000/m?sslmode=require',
      ],
      names: ['db1:5432', 'db2:5432', '[::1]:6000'],
      targetSessionAttrs: 'read-write',
    });
  });

  it('takes target_session_attrs on one host too, and refuses an unknown kind or an empty entry', () => {
    expect(splitHostList('postgres://db1/m?target_session_attrs=standby')?.targetSessionAttrs).toBe(
      'standby',
    );
    expect(() => splitHostList('postgres://db1,db2/m?target_session_attrs=writable')).toThrow(
      /target_session_attrs "writable" is not one of any, read-write, read-only, primary, standby, prefer-standby/,
    );
    expect(() => splitHostList('postgres://db1,,db2/m')).toThrow(/empty entry/);
  });
});

describe('sessionFits (libpq)', () => {
  const primary = { standby: false, readOnly: false };
  const standby = { standby: true, readOnly: true };
  const readOnlyPrimary = { standby: false, readOnly: true };
  it.each([
    ['any', [true, true, true]],
    ['read-write', [true, false, false]],
    ['read-only', [false, true, true]],
    ['primary', [true, false, true]],
    ['standby', [false, true, false]],
    ['prefer-standby', [false, true, false]],
  ] as const)('%s: primary, standby, read-only primary → %j', (attrs, expected) => {
    expect([primary, standby, readOnlyPrimary].map((k) => sessionFits(attrs, k))).toEqual(expected);
  });
});
