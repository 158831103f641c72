/**
 * Errors of the container collector. They are `RingmonError`s (kind `runtime`), so the CLI prints the
 * one-line message alone; `code` tells the kinds apart.
 */
import { RingmonError } from '../../errors.js';

/** Base class of the container collector's errors. */
export class DockerError extends RingmonError {
  readonly code: 'DOCKER_UNAVAILABLE' | 'CONTAINER_NOT_FOUND' | 'CONTAINER_NOT_RUNNING';
  constructor(code: DockerError['code'], message: string, options?: ErrorOptions) {
    super(message, 'runtime', options);
    this.code = code;
    // RingmonError fixes `name`; keep the subclass's own name in logs and stack traces.
    Object.defineProperty(this, 'name', { value: new.target.name });
  }
}

/** Neither the Engine API nor the docker CLI can reach a Docker engine. */
export class DockerUnavailableError extends DockerError {
  constructor(message: string, options?: ErrorOptions) {
    super('DOCKER_UNAVAILABLE', message, options);
  }
}

/** No container has this name or ID. */
export class ContainerNotFoundError extends DockerError {
  readonly selector: string;
  constructor(selector: string, options?: ErrorOptions) {
    super('CONTAINER_NOT_FOUND', `no such container: ${selector}`, options);
    this.selector = selector;
  }
}

/** The container exists but is not running, so it has no counters. */
export class ContainerNotRunningError extends DockerError {
  readonly selector: string;
  constructor(selector: string, options?: ErrorOptions) {
    super('CONTAINER_NOT_RUNNING', `container ${selector} is not running`, options);
    this.selector = selector;
  }
}
