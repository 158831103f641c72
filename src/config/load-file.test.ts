import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from './load-file.js';

const specExample = readFileSync(new URL('../../deploy/config.example.yaml', import.meta.url), 'utf8');

describe('loadConfigFile', () => {
  it("refuses the spec's example as written: its node name is an Ansible template never rendered", () => {
    expect(() => parseConfigText(specExample, 'config.example.yaml')).toThrow(
      'config.example.yaml:13: monitoring.node_name: "{{ ansible_hostname }}" is a template that was never rendered: render the file first',
    );
    expect(() => parseConfigText('monitoring:\n  containers: [web, "{% raw %}x"]\n', 'c.yaml')).toThrow(
      /^c\.yaml:2: monitoring\.containers\.1: /,
    );
  });

  it("reads the spec's example configuration once rendered", () => {
    const rendered = specExample.replace('{{ ansible_hostname }}', 'web-1'); // as Ansible would
    expect(parseConfigText(rendered, 'config.example.yaml')).toEqual({
      database: {
        host: 'localhost',
        port: 5432,
        database: 'monitoring',
        user: 'monitor_user',
        password_env: 'POSTGRES_PASSWORD',
      },
      monitoring: {
        table_name: 'performance_metrics',
        capacity: 50000,
        node_name: 'web-1',
        master: false,
        intervals: { node_seconds: 5, container_seconds: 2 },
        containers: ['web-server', 'database', 'cache'],
      },
      logging: { level: 'info', file: '/var/log/performance-monitor.log' },
    });
  });

  it("reads the example's commented ringmon keys once they are uncommented", () => {
    const rendered = specExample.replace('{{ ansible_hostname }}', 'web-1');
    const uncommented = rendered.replace(/^ {2}# ([a-z_]+: .*)$/gm, '  $1');
    expect(uncommented).not.toBe(rendered);
    expect(parseConfigText(uncommented, 'config.example.yaml').monitoring).toMatchObject({
      proc_root: '/host/proc',
      sys_root: '/host/sys',
      disk_include: ['nvme*'],
      disk_exclude: [],
      net_include: [],
      net_exclude: ['wg*'],
    });
  });

  it('accepts an empty file (every setting has a default)', () => {
    expect(parseConfigText('', 'empty.yaml')).toEqual({});
  });

  it.each([
    [
      'an unknown key',
      'monitoring:\n  capacity: 10\n  capacty: 20\n',
      'c.yaml:3: monitoring.capacty: unknown key',
    ],
    [
      'an unknown section',
      'database:\n  host: x\nmonitor:\n  capacity: 1\n',
      'c.yaml:3: monitor: unknown key',
    ],
    [
      'a wrong type',
      'monitoring:\n  capacity: "lots"\n',
      'c.yaml:2: monitoring.capacity: must be a whole number of rows',
    ],
    [
      'a fractional capacity',
      'monitoring:\n  capacity: 1.5\n',
      'c.yaml:2: monitoring.capacity: must be a whole number',
    ],
    ['a zero capacity', 'monitoring:\n  capacity: 0\n', 'c.yaml:2: monitoring.capacity: must be at least 1'],
    [
      'a zero node share',
      'monitoring:\n  node_share: 0\n',
      'c.yaml:2: monitoring.node_share: must be at least 1',
    ],
    [
      'a node share that is neither rows nor off',
      'monitoring:\n  node_share: half\n',
      "c.yaml:2: monitoring.node_share: must be a whole number of rows or 'off'",
    ],
    [
      'a nested bad value',
      'monitoring:\n  intervals:\n    node_seconds: -5\n',
      'c.yaml:3: monitoring.intervals.node_seconds: must be above 0',
    ],
    ['a port out of range', 'database:\n  port: 70000\n', 'c.yaml:2: database.port: must be 1 to 65535'],
    [
      'a bad table name',
      'monitoring:\n  table_name: "x; DROP TABLE y"\n',
      'c.yaml:2: monitoring.table_name: must be a plain identifier',
    ],
    [
      'a bad list item',
      'monitoring:\n  containers:\n    - web\n    - 42\n',
      'c.yaml:4: monitoring.containers.1: must be a container name',
    ],
    [
      'a device list given as one name',
      'monitoring:\n  disk_include: nvme0n1\n',
      'c.yaml:2: monitoring.disk_include: must be a list of device names (globs * and ? allowed)',
    ],
    [
      'an empty device name',
      'monitoring:\n  net_exclude: [wg0, ""]\n',
      'c.yaml:2: monitoring.net_exclude.1: must not be empty',
    ],
    [
      'a proc root that is not a path',
      'monitoring:\n  proc_root: 5\n',
      'c.yaml:2: monitoring.proc_root: must be a directory path',
    ],
    ['a bad log level', 'logging:\n  level: loud\n', 'c.yaml:2: logging.level: must be one of'],
    ['invalid YAML', 'monitoring:\n  containers: [a,\n  capacity: 1\n', 'c.yaml:3: invalid YAML'],
    ['a duplicate key', 'monitoring:\n  capacity: 1\n  capacity: 2\n', 'c.yaml:3: invalid YAML'],
    ['a list at the top', '- a\n- b\n', 'c.yaml:1: (top level):'],
  ])('rejects %s with file, line and key', (_, text, message) => {
    expect(() => parseConfigText(text, 'c.yaml')).toThrow(message);
  });

  it('reads the host trees and device filters (ringmon keys)', () => {
    const text = [
      'monitoring:',
      '  proc_root: /host/proc',
      '  sys_root: /host/sys',
      "  disk_include: ['nvme*', sda]",
      '  disk_exclude: [sdb]',
      '  net_include: [eth0]',
      "  net_exclude: ['wg*']",
      '',
    ].join('\n');
    expect(parseConfigText(text, 'c.yaml')).toEqual({
      monitoring: {
        proc_root: '/host/proc',
        sys_root: '/host/sys',
        disk_include: ['nvme*', 'sda'],
        disk_exclude: ['sdb'],
        net_include: ['eth0'],
        net_exclude: ['wg*'],
      },
    });
  });

  describe('files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringmon-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names a missing file', () => {
      expect(() => loadConfigFile(join(dir, 'nope.yaml'))).toThrow(
        `cannot read config file ${join(dir, 'nope.yaml')}: no such file`,
      );
    });

    it('names an unreadable path', () => {
      expect(() => loadConfigFile(dir)).toThrow(/cannot read config file .*EISDIR/);
    });

    it('reads a file from disk', () => {
      const path = join(dir, 'ok.yaml');
      writeFileSync(path, 'monitoring:\n  capacity: 7\n');
      expect(loadConfigFile(path)).toEqual({ monitoring: { capacity: 7 } });
    });
  });
});
