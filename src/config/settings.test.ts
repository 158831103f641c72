import { describe, expect, it } from 'vitest';
import type { ConfigFile } from './file-schema.js';
import { resolveSettings } from './settings.js';

const env = { HOME: '/home/ann', USER: 'ann' };

describe('resolveSettings', () => {
  it('defaults to the embedded store under the user data directory', () => {
    const s = resolveSettings({}, {}, env);
    expect(s.db).toEqual({
      kind: 'embedded',
      dataDir: '/home/ann/.local/share/ringmon',
      describe: 'embedded PGlite at /home/ann/.local/share/ringmon',
      password: null,
    });
    expect(s).toMatchObject({
      tableName: 'monitor_samples_ring',
      capacity: undefined,
      master: false,
      nodeIntervalSeconds: 1,
      containerIntervalSeconds: 1,
      bufferRows: 10_000,
      logLevel: 'info',
    });
  });

  it('honours XDG_DATA_HOME and --data-dir', () => {
    expect(resolveSettings({}, {}, { ...env, XDG_DATA_HOME: '/xdg' }).db).toMatchObject({
      dataDir: '/xdg/ringmon',
    });
    expect(resolveSettings({ dataDir: '/d' }, {}, env).db).toMatchObject({ dataDir: '/d' });
  });

  it("builds a server URL from the spec's flags with the password from POSTGRES_PASSWORD", () => {
    const s = resolveSettings(
      { host: 'db.example', database: 'monitoring', user: 'monitor_user' },
      {},
      { ...env, POSTGRES_PASSWORD: 'p@ss word' },
    );
    expect(s.db).toEqual({
      kind: 'server',
      url: 'postgresql://monitor_user:p%40ss%20word@db.example:5432/monitoring',
      describe: 'monitor_user@db.example:5432/monitoring',
      password: 'p@ss word',
    });
  });

  it('reads the password from the variable the config file names', () => {
    const s = resolveSettings(
      {},
      { database: { host: 'h', user: 'u', password_env: 'MY_PW' } },
      { ...env, MY_PW: 'x' },
    );
    expect(s.db).toMatchObject({ url: 'postgresql://u:x@h:5432/u', password: 'x' });
  });

  it('lets flags override the file, and the file override defaults', () => {
    const file: ConfigFile = {
      monitoring: {
        table_name: 'from_file',
        capacity: 50_000,
        master: true,
        intervals: { node_seconds: 5, container_seconds: 2 },
        containers: ['a', 'b'],
      },
      logging: { level: 'warning' },
    };
    expect(resolveSettings({}, file, env)).toMatchObject({
      tableName: 'from_file',
      capacity: 50_000,
      master: true,
      nodeIntervalSeconds: 5,
      containerIntervalSeconds: 2,
      containers: ['a', 'b'],
      logLevel: 'warn',
    });
    expect(
      resolveSettings(
        { table: 'flag_t', capacity: 7, master: false, interval: 3, container: ['c'] },
        file,
        env,
      ),
    ).toMatchObject({
      tableName: 'flag_t',
      capacity: 7,
      master: false,
      nodeIntervalSeconds: 3,
      containerIntervalSeconds: 3,
      containers: ['c'],
    });
  });

  it('reads /proc and /sys and counts the automatic devices unless the flags or the file say otherwise', () => {
    expect(resolveSettings({}, {}, env).host).toEqual({
      procRoot: '/proc',
      sysRoot: '/sys',
      disks: { include: undefined, exclude: undefined },
      interfaces: { include: undefined, exclude: undefined },
    });
    const file: ConfigFile = {
      monitoring: {
        proc_root: '/host/proc',
        sys_root: '/host/sys',
        disk_include: ['nvme*'],
        disk_exclude: ['nvme1n1'],
        net_include: ['eth*'],
        net_exclude: ['eth9'],
      },
    };
    expect(resolveSettings({}, file, env).host).toEqual({
      procRoot: '/host/proc',
      sysRoot: '/host/sys',
      disks: { include: ['nvme*'], exclude: ['nvme1n1'] },
      interfaces: { include: ['eth*'], exclude: ['eth9'] },
    });
    // Each flag replaces its key (a list flag the file's list, as --container does); the rest stay.
    expect(
      resolveSettings({ proc: '/mnt/proc', diskInclude: ['sd?'], netExclude: ['wg*'] }, file, env).host,
    ).toEqual({
      procRoot: '/mnt/proc',
      sysRoot: '/host/sys',
      disks: { include: ['sd?'], exclude: ['nvme1n1'] },
      interfaces: { include: ['eth*'], exclude: ['wg*'] },
    });
  });

  it("takes the node share from the flag, else the file; 'off' (or null) is one pool, absent is the ring's own", () => {
    const file = (node_share: number | 'off' | null): ConfigFile => ({ monitoring: { node_share } });
    expect(resolveSettings({}, {}, env).nodeShare).toBeUndefined();
    expect(resolveSettings({}, file(500), env).nodeShare).toBe(500);
    expect(resolveSettings({}, file('off'), env).nodeShare).toBeNull();
    expect(resolveSettings({}, file(null), env).nodeShare).toBeNull();
    expect(resolveSettings({ nodeShare: 'off' }, file(500), env).nodeShare).toBeNull();
    expect(resolveSettings({ nodeShare: 20 }, file('off'), env).nodeShare).toBe(20);
  });

  it('uses DATABASE_URL, filling in a missing password from the environment but never over a given one', () => {
    expect(
      resolveSettings({}, {}, { ...env, DATABASE_URL: 'postgres://u@h/d', POSTGRES_PASSWORD: 'pw' }).db,
    ).toMatchObject({
      url: 'postgres://u:pw@h/d',
      describe: 'u@h:5432/d',
    });
    expect(
      resolveSettings({ databaseUrl: 'postgres://u:url@h/d' }, {}, { ...env, POSTGRES_PASSWORD: 'pw' }).db,
    ).toMatchObject({
      url: 'postgres://u:url@h/d',
      password: 'url',
    });
    expect(
      resolveSettings({ databaseUrl: 'postgres://u:url@h/d', password: 'flag' }, {}, env).db,
    ).toMatchObject({
      url: 'postgres://u:flag@h/d',
    });
  });

  it('rejects a URL that does not parse or is not PostgreSQL, without echoing it', () => {
    expect(() => resolveSettings({ databaseUrl: 'not a url :secret@' }, {}, env)).toThrow(
      'the database URL does not parse: write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE',
    );
    expect(() => resolveSettings({ databaseUrl: 'mysql://u:secret@h/d' }, {}, env)).toThrow(
      /must start with postgresql:\/\//,
    );
    try {
      resolveSettings({ databaseUrl: 'mysql://u:secret@h/d' }, {}, env);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('uses a server when PGHOST is set', () => {
    expect(resolveSettings({}, {}, { ...env, PGHOST: '/run/postgresql', PGUSER: 'x' }).db.kind).toBe(
      'server',
    );
  });

  it('takes several hosts for failover from a URL, --host, the file and PGHOST, with target_session_attrs', () => {
    const url = 'postgresql://u@db1:5432,db2:5433/m?target_session_attrs=read-write';
    expect(resolveSettings({ databaseUrl: url, password: 'pw' }, {}, env).db).toMatchObject({
      url: 'postgresql://u:pw@db1:5432,db2:5433/m?target_session_attrs=read-write',
      describe: 'u@db1:5432,db2:5433/m',
    });
    expect(
      resolveSettings(
        { host: 'db1,db2:5433,::1', port: 6000, user: 'u', targetSessionAttrs: 'primary' },
        {},
        env,
      ).db,
    ).toMatchObject({ url: 'postgresql://u@db1:6000,db2:5433,[::1]:6000/u?target_session_attrs=primary' });
    expect(
      resolveSettings(
        {},
        { database: { host: ['db1', 'db2'], database: 'm', user: 'u', target_session_attrs: 'read-write' } },
        env,
      ).db,
    ).toMatchObject({ url: 'postgresql://u@db1:5432,db2:5432/m?target_session_attrs=read-write' });
    expect(
      resolveSettings(
        {},
        {},
        { ...env, PGHOST: 'db1,db2', PGUSER: 'u', PGTARGETSESSIONATTRS: 'prefer-standby' },
      ).db,
    ).toMatchObject({ url: 'postgresql://u@db1:5432,db2:5432/u?target_session_attrs=prefer-standby' });
  });
});
