/** What the sampler needs from a way of reading containers: the Engine API or the docker CLI. */
import type { ContainerInfo, ContainerReading, ContainerSource } from './types.js';

/** A container that could not be read this time, and why. */
export interface ContainerProblem {
  /** The name or ID asked for. */
  selector: string;
  /** `ContainerNotFoundError`, `ContainerNotRunningError`, or another one-line error. */
  error: Error;
}

/** One reading of the asked-for containers. */
export interface ReadResult {
  readings: ContainerReading[];
  /** Asked-for containers that are missing or not running; always empty for `'all'`. */
  problems: ContainerProblem[];
}

export interface ContainerReader {
  readonly source: ContainerSource;
  /** The engine it talks to, as a user would write it (`unix:///var/run/docker.sock`, `docker CLI`). */
  readonly endpoint: string;
  /** Resolves when the engine answers; rejects with `DockerUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** The running containers. */
  listContainers(): Promise<ContainerInfo[]>;
  /**
   * One reading of each selected container (by name or ID), or of every running container.
   * Rejects with `DockerUnavailableError` when the engine cannot be reached at all.
   */
  read(selectors: readonly string[] | 'all'): Promise<ReadResult>;
  /** Frees sockets; the reader is not used afterwards. */
  close(): void;
}
