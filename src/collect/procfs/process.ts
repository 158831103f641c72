import { type Counter, isCounter, parseCounter } from './counter.js';
import { ParseError, quote } from './parse-error.js';

/**
 * Parses a signed decimal (`-1024`) exactly: a number while it fits in 2^53, a bigint beyond.
 * NaN where the text is not one.
 */
function parseSigned(text: string): Counter {
  const negative = text.startsWith('-');
  const magnitude = parseCounter(text, negative ? 1 : 0, text.length);
  if (!negative || !isCounter(magnitude)) return magnitude;
  return typeof magnitude === 'bigint' ? -magnitude : -magnitude;
}

/** The numeric fields of /proc/PID/stat after `state`, in the kernel's order (man 5 proc). */
const PID_STAT_FIELDS = [
  'ppid',
  'pgrp',
  'session',
  'ttyNr',
  'tpgid',
  'flags',
  'minflt',
  'cminflt',
  'majflt',
  'cmajflt',
  'utime',
  'stime',
  'cutime',
  'cstime',
  'priority',
  'nice',
  'numThreads',
  'itrealvalue',
  'starttime',
  'vsize',
  'rss',
  'rsslim',
  'startcode',
  'endcode',
  'startstack',
  'kstkesp',
  'kstkeip',
  'signal',
  'blocked',
  'sigignore',
  'sigcatch',
  'wchan',
  'nswap',
  'cnswap',
  'exitSignal',
  'processor',
  'rtPriority',
  'policy',
  'delayacctBlkioTicks',
  'guestTime',
  'cguestTime',
] as const;

type PidStatField = (typeof PID_STAT_FIELDS)[number];

/**
 * /proc/PID/stat. Times (utime, stime, cutime, cstime, guestTime, cguestTime, delayacctBlkioTicks)
 * are USER_HZ clock ticks; starttime is ticks after boot; vsize is bytes; rss is pages; rsslim is
 * bytes (18446744073709551615 = unlimited, kept exact as a bigint). Fields a kernel does not write
 * (older kernels stop earlier) are null.
 */
export type ProcPidStat = {
  pid: number;
  /** The command name as the kernel stores it: may contain spaces and parentheses. */
  comm: string;
  /** One letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, … */
  state: string;
} & { [K in PidStatField]: Counter | null };

/** Parses /proc/PID/stat. comm is split off at the LAST `)`, since comm itself may hold `)`. */
export function parseProcPidStat(text: string): ProcPidStat {
  const FILE = '/proc/PID/stat';
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) throw new ParseError(FILE, `malformed ${quote(text.trim())}`);
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[0] ?? '';
  if (!Number.isInteger(pid) || !/^[A-Za-z]$/.test(state)) {
    throw new ParseError(FILE, `malformed ${quote(text.trim())}`);
  }
  const result = { pid, comm: text.slice(open + 1, close), state } as ProcPidStat;
  PID_STAT_FIELDS.forEach((name, i) => {
    const field = rest[i + 1];
    if (field === undefined) {
      result[name] = null;
      return;
    }
    const value = parseSigned(field);
    if (!isCounter(value)) throw new ParseError(FILE, `field ${name} is not a number: ${quote(field)}`);
    result[name] = value;
  });
  return result;
}

/**
 * /proc/PID/io, all in bytes except syscr/syscw (read/write system calls). cancelled_write_bytes is
 * signed: the kernel can report it negative (procfs' fixture has -1024).
 */
export interface ProcPidIo {
  rchar: Counter;
  wchar: Counter;
  syscr: Counter;
  syscw: Counter;
  readBytes: Counter;
  writeBytes: Counter;
  cancelledWriteBytes: Counter;
}

const IO_KEYS: Record<string, keyof ProcPidIo> = {
  rchar: 'rchar',
  wchar: 'wchar',
  syscr: 'syscr',
  syscw: 'syscw',
  read_bytes: 'readBytes',
  write_bytes: 'writeBytes',
  cancelled_write_bytes: 'cancelledWriteBytes',
};

export function parseProcPidIo(text: string): ProcPidIo {
  const FILE = '/proc/PID/io';
  const found: Partial<ProcPidIo> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const value = colon <= 0 ? Number.NaN : parseSigned(line.slice(colon + 1).trim());
    if (!isCounter(value)) throw new ParseError(FILE, `malformed line ${quote(line)}`);
    const key = IO_KEYS[line.slice(0, colon)];
    if (key !== undefined) found[key] = value; // unknown keys: tolerated
  }
  for (const [kernelName, key] of Object.entries(IO_KEYS)) {
    if (found[key] === undefined) throw new ParseError(FILE, `no ${kernelName} line`);
  }
  return found as ProcPidIo;
}

/**
 * /proc/PID/statm, every field in pages. u64: `shared` can read 18446744073709551615, which stays
 * exact as a bigint.
 */
export interface ProcPidStatm {
  /** Total program size (same as VmSize). */
  size: Counter;
  /** Resident set size (same as VmRSS). */
  resident: Counter;
  /** Resident shared pages (file-backed and shared memory). */
  shared: Counter;
  /** Text (code). */
  text: Counter;
  /** Library: unused since Linux 2.6, always 0. */
  lib: Counter;
  /** Data + stack. */
  data: Counter;
  /** Dirty pages: unused since Linux 2.6, always 0. */
  dt: Counter;
}

const STATM_FIELDS = ['size', 'resident', 'shared', 'text', 'lib', 'data', 'dt'] as const;

export function parseProcPidStatm(text: string): ProcPidStatm {
  const fields = text.trim().split(/\s+/);
  const result = {} as ProcPidStatm;
  STATM_FIELDS.forEach((name, i) => {
    const field = fields[i] ?? '';
    const value = parseCounter(field, 0, field.length);
    if (!isCounter(value)) throw new ParseError('/proc/PID/statm', `malformed ${quote(text.trim())}`);
    result[name] = value;
  });
  return result;
}

/** /proc/PID/status: the fields ringmon uses, typed, plus every `… kB` line in bytes. */
export interface ProcPidStatus {
  name: string | null;
  /** `S (sleeping)` as written. */
  state: string | null;
  tgid: number | null;
  pid: number | null;
  ppid: number | null;
  /** The PID in each nested PID namespace, outermost first (`NSpid`, Linux 4.1+); [] where absent. */
  nsPid: number[];
  threads: number | null;
  voluntaryCtxtSwitches: Counter | null;
  nonvoluntaryCtxtSwitches: Counter | null;
  /** Every line in kB (VmPeak, VmRSS, RssAnon, VmSwap, HugetlbPages, …), converted to bytes (× 1024). */
  bytes: ReadonlyMap<string, number>;
}

export function parseProcPidStatus(text: string): ProcPidStatus {
  const FILE = '/proc/PID/status';
  const result: ProcPidStatus = {
    name: null,
    state: null,
    tgid: null,
    pid: null,
    ppid: null,
    nsPid: [],
    threads: null,
    voluntaryCtxtSwitches: null,
    nonvoluntaryCtxtSwitches: null,
    bytes: new Map(),
  };
  const bytes = new Map<string, number>();
  const integer = (line: string, value: string): number => {
    if (!/^\d+$/.test(value)) throw new ParseError(FILE, `malformed line ${quote(line)}`);
    return Number(value);
  };
  const counter = (line: string, value: string): Counter => {
    const parsed = parseCounter(value, 0, value.length);
    if (!isCounter(parsed)) throw new ParseError(FILE, `malformed line ${quote(line)}`);
    return parsed;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ParseError(FILE, `malformed line ${quote(line)}`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case 'Name':
        result.name = value;
        continue;
      case 'State':
        result.state = value;
        continue;
      case 'Tgid':
        result.tgid = integer(line, value);
        continue;
      case 'Pid':
        result.pid = integer(line, value);
        continue;
      case 'PPid':
        result.ppid = integer(line, value);
        continue;
      case 'Threads':
        result.threads = integer(line, value);
        continue;
      case 'NSpid':
        result.nsPid = value === '' ? [] : value.split(/\s+/).map((pid) => integer(line, pid));
        continue;
      case 'voluntary_ctxt_switches':
        result.voluntaryCtxtSwitches = counter(line, value);
        continue;
      case 'nonvoluntary_ctxt_switches':
        result.nonvoluntaryCtxtSwitches = counter(line, value);
        continue;
    }
    if (value.endsWith(' kB')) bytes.set(key, integer(line, value.slice(0, -3).trim()) * 1024);
    // Other lines (Uid, SigQ, Cpus_allowed, …) are tolerated and skipped.
  }
  result.bytes = bytes;
  return result;
}
