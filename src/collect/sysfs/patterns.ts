/** Name filters given by users: `*` matches any run of characters, `?` one character. */
export interface NameFilter {
  /** When given, only names matching one of these are counted (virtual devices included). */
  include?: readonly string[] | undefined;
  /** Names matching one of these are never counted. */
  exclude?: readonly string[] | undefined;
}

export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

const matchesAny = (name: string, patterns: readonly RegExp[]) => patterns.some((p) => p.test(name));

/**
 * Decides which device names count: an include list replaces the automatic choice, an exclude list
 * always applies.
 */
export function makeDeviceFilter(
  filter: NameFilter,
  isPhysical: (name: string) => boolean,
): (name: string) => boolean {
  const include = filter.include?.map(globToRegExp);
  const exclude = (filter.exclude ?? []).map(globToRegExp);
  return (name) => {
    if (matchesAny(name, exclude)) return false;
    return include && include.length > 0 ? matchesAny(name, include) : isPhysical(name);
  };
}
