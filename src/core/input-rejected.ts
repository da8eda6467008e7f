import type { Rejection } from './diagnostic.js';

/**
 * Thrown inside streaming unpackers (async iterables over bytes) when an input must be refused,
 * e.g. a decompression bomb detected half-way. The extraction pipeline turns it into a Rejection;
 * it never escapes to callers of the library.
 */
export class InputRejectedError extends Error {
  readonly rejection: Rejection;

  constructor(rejection: Rejection) {
    super(`${rejection.code}: ${rejection.message}`);
    this.name = 'InputRejectedError';
    this.rejection = rejection;
  }
}

export function isInputRejected(value: unknown): value is InputRejectedError {
  return value instanceof InputRejectedError;
}
