/** The part of fs-native-extensions (which ships no types) that dir-lock.ts uses. */
declare module 'fs-native-extensions' {
  /** An exclusive (or, with shared, a shared) lock on the open file; false when another holds one. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
