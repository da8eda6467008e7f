/**
 * The SMTP TLS Reporting record at `_smtp._tls.<domain>` (RFC 8460 §3):
 * `v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt`. Senders keep
 * only TXT records that begin with `v=TLSRPTv1;` and ignore the domain unless exactly one remains;
 * `rua` is required and its URIs are `mailto:` or `https:` (commas and semicolons inside a URI
 * percent-encoded). Diagnostics carry `tlsrpt-invalid`.
 */
import type { RecordDiagnostic } from './record-diagnostic.js';
import type { TagToken } from './tag-list.js';
import { describeOffset, findRepeatedTags, tokenizeTagList } from './tag-list.js';

export interface TlsRptUri {
  /** The URI as written. */
  readonly uri: string;
  readonly scheme: 'mailto' | 'https';
  /** Offset of the URI in the record. */
  readonly offset: number;
}

export interface TlsRptRecord {
  readonly kind: 'tlsrpt';
  readonly text: string;
  /** "rua": where reports go; the usable URIs only. */
  readonly rua: readonly TlsRptUri[];
  readonly tags: readonly TagToken[];
}

export interface TlsRptParse {
  /** Set when the text begins with `v=TLSRPTv1;` (even with faults elsewhere). */
  readonly record?: TlsRptRecord;
  readonly diagnostics: readonly RecordDiagnostic[];
}

const RFC = 'RFC 8460 §3';
const EXTENSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** True for the TXT records senders keep (RFC 8460 §3). */
export function isTlsRptRecordText(text: string): boolean {
  return text.startsWith('v=TLSRPTv1;');
}

/** True for text probably meant as TLS-RPT that senders discard (case, spacing, no `;`). */
export function looksLikeTlsRptAttempt(text: string): boolean {
  return !isTlsRptRecordText(text) && /^\s*v\s*=\s*tlsrpt/i.test(text);
}

/** Parses joined TXT text. Never throws. */
export function parseTlsRptRecord(text: string): TlsRptParse {
  const diagnostics: RecordDiagnostic[] = [];
  const invalid = (message: string, where: { tag?: string; offset?: number } = {}, severity: 'error' | 'warning' = 'error', params?: RecordDiagnostic['params']): void => {
    diagnostics.push({ code: 'tlsrpt-invalid', severity, message, rfc: RFC, ...where, ...(params ? { params } : {}) });
  };
  if (!isTlsRptRecordText(text)) {
    const spaced = /^v=TLSRPTv1\s+;/.test(text) ? ' (no space before the ";")' : '';
    invalid(`The record does not begin with "v=TLSRPTv1;" exactly${spaced}, so senders discard it.`, { tag: 'v', offset: 0 });
    return { diagnostics };
  }
  const list = tokenizeTagList(text);
  for (const issue of list.issues) {
    if (issue.kind === 'bad-tag-name' && EXTENSION_NAME.test(issue.text)) continue; // an extension: ignored
    invalid(`${issue.message} Fields are separated by ";".`, { offset: issue.offset }, 'error', { kind: issue.kind, text: issue.text });
  }
  for (const repeat of findRepeatedTags(list.tags, false)) {
    invalid(`Field ${repeat.name} appears again at ${describeOffset(repeat.start)}; the grammar allows it once, and senders may use only the first or reject the record.`, { tag: repeat.name, offset: repeat.start }, 'warning');
  }
  const ruaTag = list.tags.find((tag) => tag.name === 'rua');
  const rua: TlsRptUri[] = [];
  if (!ruaTag) invalid('The record has no rua field, which is required: add "rua=mailto:tlsrpt@<your domain>" (or an https: URL).', { tag: 'rua' });
  else readUris(ruaTag, rua, invalid);
  return { record: { kind: 'tlsrpt', text, rua, tags: list.tags }, diagnostics };
}

type Invalid = (message: string, where?: { tag?: string; offset?: number }, severity?: 'error' | 'warning', params?: RecordDiagnostic['params']) => void;

function readUris(tag: TagToken, rua: TlsRptUri[], invalid: Invalid): void {
  if (tag.value === '') {
    invalid(`Field rua at ${describeOffset(tag.start)} is empty; it needs at least one mailto: or https: URI.`, { tag: 'rua', offset: tag.start });
    return;
  }
  let offset = tag.valueStart;
  for (const part of tag.value.split(',')) {
    const uri = part.trim();
    const at = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const problem = checkUri(uri);
    if (problem) invalid(`The rua URI "${uri}" at ${describeOffset(at)} ${problem}`, { tag: 'rua', offset: at }, 'error', { uri });
    else rua.push({ uri, scheme: uri.toLowerCase().startsWith('mailto:') ? 'mailto' : 'https', offset: at });
  }
}

/** Why a rua URI is unusable, or undefined when it is fine. */
function checkUri(uri: string): string | undefined {
  if (uri === '') return 'is empty (a stray comma?).';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'mailto') {
    const address = decodeSafely(uri.slice('mailto:'.length).split('?')[0] ?? '');
    return /^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(address) ? undefined : 'is not a mailto: URI with one e-mail address.';
  }
  if (scheme === 'https') {
    try {
      const url = new URL(uri);
      return url.hostname === '' ? 'has no host.' : undefined;
    } catch {
      return 'is not a valid https: URL.';
    }
  }
  if (scheme === undefined) return 'has no scheme: write "mailto:" before an address, or give an https: URL.';
  return `uses the scheme "${scheme}:"; only mailto: and https: are defined.`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
