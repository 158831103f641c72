/**
 * Parsers for the docker CLI's human-readable numbers (docker/go-units): `units.BytesSize` (binary, 4
 * significant digits: `596KiB`, `23.54GiB`) in MemUsage, `units.HumanSizeWithPrecision(x, 3)` (decimal,
 * 3 significant digits: `4.1kB`, `1.21GB`, `1e+03MB`) in NetIO and BlockIO, and `45.67%` in CPUPerc.
 * `--` (the CLI's "no data") parses to `null`.
 */

const DECIMAL: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, pb: 1e15, eb: 1e18 };
const BINARY: Record<string, number> = {
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  eib: 2 ** 60,
};

const NUMBER = String.raw`\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SIZE_RE = new RegExp(`^(${NUMBER})\\s*([A-Za-z]*)$`);

/**
 * A size such as `1.5GiB`, `12.3kB`, `0B` or `1e+03MB` in bytes: `k/M/G…B` are powers of 1000, `Ki/Mi/Gi…B`
 * powers of 1024 (case-insensitive, like go-units). `null` for `--`; throws on anything else.
 */
export function parseHumanSize(text: string): number | null {
  const t = text.trim();
  if (t === '--' || t === '') return null;
  const m = SIZE_RE.exec(t);
  const unit = (m?.[2] ?? '').toLowerCase() || 'b';
  const factor = DECIMAL[unit] ?? BINARY[unit];
  if (!m || factor === undefined) throw new Error(`not a docker size: ${JSON.stringify(text)}`);
  return Number(m[1]) * factor;
}

/** `used / limit` pairs (`MemUsage`, `NetIO`, `BlockIO`) as two byte counts. */
export function parseHumanSizePair(text: string): [number | null, number | null] {
  const parts = text.split('/');
  if (parts.length !== 2) throw new Error(`not a docker "a / b" pair: ${JSON.stringify(text)}`);
  return [parseHumanSize(parts[0] ?? ''), parseHumanSize(parts[1] ?? '')];
}

/** `45.67%` as 45.67; `null` for `--`; throws on anything else. */
export function parsePercent(text: string): number | null {
  const t = text.trim();
  if (t === '--' || t === '') return null;
  const m = new RegExp(`^(${NUMBER})%$`).exec(t);
  if (!m) throw new Error(`not a docker percentage: ${JSON.stringify(text)}`);
  return Number(m[1]);
}
