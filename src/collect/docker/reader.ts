/** What the sampler needs from a way of reading containers: the Engine API or the docker CLI. */
import type { ContainerInfo, ContainerReaderKind, ContainerReading } from './types.js';

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
  /**
   * Running containers with nothing new since the previous read (the engine refreshes container stats about
   * once a second); they get no reading this time, and keep their previous one.
   */
  unchanged: { selector: string; id: string; name: string }[];
}

/** Options of one read. */
export interface ReadOptions {
  /** Wait (up to a few seconds) for data newer than the previous read rather than report `unchanged`. */
  requireFresh?: boolean;
}

export interface ContainerReader {
  readonly source: ContainerReaderKind;
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
  read(selectors: readonly string[] | 'all', options?: ReadOptions): Promise<ReadResult>;
  /** Frees sockets; the reader is not used afterwards. */
  close(): void;
}
