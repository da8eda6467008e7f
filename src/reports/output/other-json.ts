/**
 * Failure and TLS reports in the snake_case wire form of `parse --format json`
 * (docs/formats.md). The field names are those of the models, converted to snake_case.
 */
import type { FailureReport } from '../failure/failure-report.js';
import type { TlsReport } from '../tlsrpt/tls-report.js';

/** A plain-data value with object keys converted from camelCase to snake_case, recursively. */
export function snakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = snakeCaseKeys(inner);
  return out;
}

export function failureReportJson(report: FailureReport): Record<string, unknown> {
  return snakeCaseKeys(report) as Record<string, unknown>;
}

export function tlsReportJson(report: TlsReport): Record<string, unknown> {
  return snakeCaseKeys(report) as Record<string, unknown>;
}
