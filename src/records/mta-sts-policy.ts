/**
 * The MTA-STS policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`
 * (RFC 8461 §3.2): `key: value` lines ended by LF or CRLF with `version: STSv1`, `mode`
 * (enforce, testing, none), `max_age` (seconds, at most 31557600) and one `mx` line per allowed
 * MX pattern (a name, or `*.` and a name for one leftmost label, §4.1). Unknown keys are ignored;
 * a repeated key other than `mx` counts only once (the first).
 *
 * Diagnostics carry `mta-sts-invalid` with a line number and, as params, the value at fault;
 * what senders do with a valid policy (mode, max_age advice, MX coverage) is the check's
 * business (evaluate/check-mta-sts.ts).
 */
import type { RecordDiagnostic } from './record-diagnostic.js';

export type MtaStsMode = 'enforce' | 'testing' | 'none';

export interface MtaStsPolicy {
  readonly kind: 'mta-sts-policy';
  /** "version": must be STSv1. */
  readonly version?: string;
  /** "mode"; absent when missing or invalid. */
  readonly mode?: MtaStsMode;
  /** "max_age" in seconds; absent when missing or invalid. */
  readonly maxAge?: number;
  /** "mx" patterns as written (lower-cased), valid ones only. */
  readonly mx: readonly string[];
  /** True when every required field is present and valid: senders can apply the policy. */
  readonly valid: boolean;
}

export interface MtaStsPolicyParse {
  readonly policy: MtaStsPolicy;
  readonly diagnostics: readonly RecordDiagnostic[];
}

/** The largest max_age (RFC 8461 §3.2): one year of 365.25 days. */
export const MTA_STS_MAX_AGE_LIMIT = 31_557_600;

const RFC = 'RFC 8461 §3.2';
const MODES: readonly MtaStsMode[] = ['enforce', 'testing', 'none'];
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** Parses the body of the policy file. Never throws. */
export function parseMtaStsPolicy(text: string): MtaStsPolicyParse {
  const diagnostics: RecordDiagnostic[] = [];
  const invalid = (line: number | undefined, tag: string | undefined, message: string, severity: 'error' | 'warning' = 'error', params?: RecordDiagnostic['params']): void => {
    diagnostics.push({ code: 'mta-sts-invalid', severity, message, rfc: RFC, ...(line !== undefined ? { line } : {}), ...(tag !== undefined ? { tag } : {}), ...(params ? { params } : {}) });
  };
  const first = new Map<string, { value: string; line: number }>();
  const mx: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the terminator of the last line
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') {
      invalid(line, undefined, `Line ${line} is empty; the policy grammar has no blank lines, and strict senders may reject the file.`, 'warning');
      return;
    }
    const colon = content.indexOf(':');
    if (colon === -1) {
      invalid(line, undefined, `Line ${line} ("${truncate(content)}") is not a "key: value" line.`, 'error', { text: content });
      return;
    }
    const key = content.slice(0, colon);
    const value = content.slice(colon + 1).trim();
    if (!KEY.test(key)) {
      invalid(line, key.trim(), `Line ${line}: "${truncate(key)}" is not a valid key${/\s/.test(key) ? ' (no whitespace before the ":")' : ''}.`);
      return;
    }
    if (key === 'mx') {
      const pattern = value.toLowerCase().replace(/\.$/, '');
      if (pattern !== value.toLowerCase() && isValidMxPattern(pattern)) {
        invalid(line, 'mx', `Line ${line}: the MX pattern "${value}" ends with a dot; the grammar has none, and some senders then match nothing: write "${pattern}".`, 'warning', { value, suggestion: pattern });
      }
      if (isValidMxPattern(pattern)) mx.push(pattern);
      else invalid(line, 'mx', `Line ${line}: "${truncate(value)}" is not an MX pattern (a host name, or "*." followed by a host name).`, 'error', { value });
      return;
    }
    const known = ['version', 'mode', 'max_age'];
    if (!known.includes(key) && known.includes(key.toLowerCase())) {
      invalid(line, key, `Line ${line}: key "${key}" is not recognised; keys are case-sensitive (write "${key.toLowerCase()}").`, 'error', { suggestion: key.toLowerCase() });
      return;
    }
    if (first.has(key)) {
      if (known.includes(key)) invalid(line, key, `Line ${line} repeats "${key}"; senders use the first one (line ${first.get(key)?.line ?? 0}).`, 'warning', { value, firstLine: first.get(key)?.line ?? 0 });
      return;
    }
    first.set(key, { value, line });
  });

  const version = first.get('version');
  if (!version) invalid(undefined, 'version', 'The policy has no "version: STSv1" line, which is required.');
  else if (version.value !== 'STSv1') invalid(version.line, 'version', `Line ${version.line}: version "${version.value}" must be exactly "STSv1".`, 'error', { value: version.value, allowed: ['STSv1'] });
  const modeField = first.get('mode');
  const mode = MODES.find((m) => m === modeField?.value);
  if (!modeField) invalid(undefined, 'mode', 'The policy has no "mode" line (enforce, testing or none), which is required.');
  else if (!mode) invalid(modeField.line, 'mode', `Line ${modeField.line}: mode "${modeField.value}" must be enforce, testing or none.`, 'error', { value: modeField.value, allowed: [...MODES] });
  const maxAgeField = first.get('max_age');
  let maxAge: number | undefined;
  if (!maxAgeField) invalid(undefined, 'max_age', 'The policy has no "max_age" line (seconds to cache the policy), which is required.');
  else if (!/^\d{1,10}$/.test(maxAgeField.value)) invalid(maxAgeField.line, 'max_age', `Line ${maxAgeField.line}: max_age "${maxAgeField.value}" must be a whole number of seconds.`, 'error', { value: maxAgeField.value });
  else if (Number(maxAgeField.value) > MTA_STS_MAX_AGE_LIMIT) invalid(maxAgeField.line, 'max_age', `Line ${maxAgeField.line}: max_age ${maxAgeField.value} is over the limit of ${MTA_STS_MAX_AGE_LIMIT} seconds (one year).`, 'error', { value: maxAgeField.value, limit: MTA_STS_MAX_AGE_LIMIT });
  else maxAge = Number(maxAgeField.value);
  if (mx.length === 0 && mode !== 'none') {
    invalid(undefined, 'mx', 'The policy lists no valid "mx" line; with mode enforce or testing every MX host must match one, so add one "mx:" line per MX host or pattern.');
  }
  const policy: MtaStsPolicy = {
    kind: 'mta-sts-policy',
    ...(version ? { version: version.value } : {}),
    ...(mode ? { mode } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
    mx,
    valid: !diagnostics.some((d) => d.severity === 'error'),
  };
  return { policy, diagnostics };
}

/**
 * Whether an MX host matches a policy pattern (RFC 8461 §4.1): exactly, or `*.example.com`
 * matching one extra leftmost label (`mx1.example.com`, not `example.com` or `a.b.example.com`).
 */
export function matchesMxPattern(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

function isValidMxPattern(pattern: string): boolean {
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) && name.includes('.');
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
