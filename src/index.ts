/**
 * ringmon: sample a Linux host and its Docker containers and keep every sample as one complete row
 * in a fixed-size circular-buffer table in PostgreSQL or embedded PGlite.
 *
 * @packageDocumentation
 */
export * from './columns.js';
export { DEFAULTS } from './defaults.js';
export * from './collect/docker/index.js';
