/** What the publishing engine needs from the edge: storage, time, logs and metrics. */
export type { ObjectInfo, ObjectStore, PutOptions, StoredObject } from '../store';
export { NOT_MODIFIED, PreconditionFailed } from '../store';

export interface Logger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface Metrics {
  count(name: string, value?: number): void;
}

/** Epoch milliseconds. */
export type Clock = () => number;
