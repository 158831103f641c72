/** Errors of the container collector. Each message is one line, fit to print as is. */

/** Base class; `code` tells the kinds apart without `instanceof`. */
export class DockerError extends Error {
  readonly code: 'DOCKER_UNAVAILABLE' | 'CONTAINER_NOT_FOUND' | 'CONTAINER_NOT_RUNNING';
  constructor(code: DockerError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Neither the Engine API nor the docker CLI can reach a Docker engine. */
export class DockerUnavailableError extends DockerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DOCKER_UNAVAILABLE', message, options);
  }
}

/** No container has this name or ID. */
export class ContainerNotFoundError extends DockerError {
  readonly selector: string;
  constructor(selector: string, options?: { cause?: unknown }) {
    super('CONTAINER_NOT_FOUND', `no such container: ${selector}`, options);
    this.selector = selector;
  }
}

/** The container exists but is not running, so it has no counters. */
export class ContainerNotRunningError extends DockerError {
  readonly selector: string;
  constructor(selector: string, options?: { cause?: unknown }) {
    super('CONTAINER_NOT_RUNNING', `container ${selector} is not running`, options);
    this.selector = selector;
  }
}
