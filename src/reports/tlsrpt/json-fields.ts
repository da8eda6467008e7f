/**
 * Typed reads of fields from parsed JSON for the TLS report parser. A missing or mistyped
 * required field stops the parse with a refusal naming the field (thrown as FieldError and
 * caught by the parser, never by its callers); optional fields of the wrong type are dropped
 * with a warning.
 */
import type { DiagnosticLog } from '../../core/diagnostic.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/** A refusal found while reading fields; caught inside parseTlsReport. */
export class FieldError extends Error {
  constructor(
    readonly code: 'tlsrpt-invalid' | 'impossible-value',
    message: string,
    readonly location: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parent.key` in messages and locations; `key` at the top. */
export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function requireObject(value: unknown, path: string): JsonObject {
  if (value === undefined) throw new FieldError('tlsrpt-invalid', `The TLS report has no "${path}" (RFC 8460 §4).`, path);
  if (!isJsonObject(value)) throw new FieldError('tlsrpt-invalid', `"${path}" must be an object, not ${describeType(value)}.`, path);
  return value;
}

export function requireArray(value: unknown, path: string): readonly unknown[] {
  if (value === undefined) throw new FieldError('tlsrpt-invalid', `The TLS report has no "${path}" (RFC 8460 §4).`, path);
  if (!Array.isArray(value)) throw new FieldError('tlsrpt-invalid', `"${path}" must be an array, not ${describeType(value)}.`, path);
  return value;
}

/** A required string, trimmed (warning `value-whitespace` when that changed it). */
export function requireString(object: JsonObject, key: string, parent: string, log: DiagnosticLog): string {
  const path = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined || value === null) throw new FieldError('tlsrpt-invalid', `The TLS report has no "${path}" (RFC 8460 §4).`, path);
  if (typeof value !== 'string') throw new FieldError('tlsrpt-invalid', `"${path}" must be a string, not ${describeType(value)}.`, path);
  return trimmed(value, path, log);
}

/** An optional string: null when absent or null; dropped with the warning `tlsrpt-wrong-type` when not a string. */
export function optionalString(object: JsonObject, key: string, parent: string, log: DiagnosticLog, trim = true): string | null {
  const path = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    log.warn('tlsrpt-wrong-type', `"${path}" should be a string, not ${describeType(value)}; ignored.`, path);
    return null;
  }
  return trim ? trimmed(value, path, log) : value;
}

/** One string or an array of strings (`mx-host` is sent both ways); [] when absent. */
export function stringList(object: JsonObject, key: string, parent: string, log: DiagnosticLog): string[] {
  const path = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined || value === null) return [];
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  const strings: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') strings.push(item);
    else log.warn('tlsrpt-wrong-type', `"${path}" should hold strings, not ${describeType(item)}; ignored.`, path);
  }
  return strings;
}

/**
 * A session count: a whole number from 0 to 2^53 - 1. Absent: 0, with the warning
 * `tlsrpt-missing-field`. Not a number: `tlsrpt-invalid`. Negative or fractional: `impossible-value`.
 */
export function readCount(object: JsonObject, key: string, parent: string, log: DiagnosticLog): number {
  const path = fieldPath(parent, key);
  const value = object[key];
  if (value === undefined || value === null) {
    log.warn('tlsrpt-missing-field', `"${path}" is missing (required by RFC 8460 §4); taken as 0.`, path);
    return 0;
  }
  if (typeof value !== 'number') throw new FieldError('tlsrpt-invalid', `"${path}" must be a number, not ${describeType(value)}.`, path);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new FieldError('impossible-value', `"${path}" is ${value}; a session count is a whole number from 0.`, path);
  }
  return value;
}

function trimmed(value: string, path: string, log: DiagnosticLog): string {
  const result = value.trim();
  if (result !== value) log.warn('value-whitespace', `White space around "${path}" removed.`, path);
  return result;
}
