/**
 * The BIMI assertion record at `<selector>._bimi.<domain>` (draft-brand-indicators-for-message-
 * identification; an Internet-Draft, not an RFC): `v=BIMI1; l=<https URL of an SVG Tiny PS
 * logo>; a=<https URL of the PEM evidence document (VMC/CMC)>`. `v` must come first; `l` is
 * required but may be empty, and an empty `l` with an empty or absent `a` declines BIMI for the
 * domain. Unknown tags are ignored. Diagnostics carry `bimi-invalid`, `bimi-declined` and
 * `bimi-no-evidence`.
 */
import type { RecordDiagnostic } from './record-diagnostic.js';
import type { TagToken } from './tag-list.js';
import { describeOffset, findRepeatedTags, tokenizeTagList } from './tag-list.js';

export interface BimiRecord {
  readonly kind: 'bimi';
  readonly text: string;
  /** "l": the logo's https URL; absent when empty or invalid. */
  readonly logoUrl?: string;
  /** "a": the evidence document's https URL; absent when empty, missing or invalid. */
  readonly evidenceUrl?: string;
  /** An empty `l` (and no `a`): the domain asks receivers to show no logo. */
  readonly declined: boolean;
  readonly tags: readonly TagToken[];
}

export interface BimiParse {
  /** Set when the text begins with `v=BIMI1`. */
  readonly record?: BimiRecord;
  readonly diagnostics: readonly RecordDiagnostic[];
}

const DRAFT = 'draft-brand-indicators-for-message-identification §4.2';

/** True for TXT text receivers treat as BIMI: it starts with `v=BIMI1` and a separator or the end. */
export function isBimiRecordText(text: string): boolean {
  return /^v=BIMI1[ \t]*(;|$)/.test(text);
}

/** True for text probably meant as BIMI that receivers discard. */
export function looksLikeBimiAttempt(text: string): boolean {
  return !isBimiRecordText(text) && /^\s*v\s*=\s*bimi/i.test(text);
}

/** Parses joined TXT text. Never throws. */
export function parseBimiRecord(text: string): BimiParse {
  const diagnostics: RecordDiagnostic[] = [];
  const invalid = (message: string, where: { tag?: string; offset?: number } = {}, severity: 'error' | 'warning' = 'error', params?: RecordDiagnostic['params']): void => {
    diagnostics.push({ code: 'bimi-invalid', severity, message, rfc: DRAFT, ...where, ...(params ? { params } : {}) });
  };
  if (!isBimiRecordText(text)) {
    invalid('The record does not begin with "v=BIMI1", so receivers ignore it.', { tag: 'v', offset: 0 });
    return { diagnostics };
  }
  const list = tokenizeTagList(text);
  for (const issue of list.issues) invalid(`${issue.message} Tags are separated by ";".`, { offset: issue.offset }, 'error', { kind: issue.kind, text: issue.text });
  for (const repeat of findRepeatedTags(list.tags, true)) {
    invalid(`Tag ${repeat.name} appears again at ${describeOffset(repeat.start)}; receivers may reject the record.`, { tag: repeat.name, offset: repeat.start });
  }
  const l = list.tags.find((tag) => tag.name.toLowerCase() === 'l');
  const a = list.tags.find((tag) => tag.name.toLowerCase() === 'a');
  const logoUrl = l && l.value !== '' ? readHttpsUrl(l, 'the logo (an SVG Tiny PS file)', invalid) : undefined;
  const evidenceUrl = a && a.value !== '' ? readHttpsUrl(a, 'the evidence document (a PEM VMC or CMC)', invalid) : undefined;
  if (!l) invalid('The record has no l tag (the logo URL), which is required; write "l=" with an empty value to decline BIMI.', { tag: 'l' });
  const declined = l !== undefined && l.value === '' && (a === undefined || a.value === '');
  if (declined) {
    diagnostics.push({ code: 'bimi-declined', severity: 'info', tag: 'l', offset: l.valueStart, rfc: DRAFT, message: 'The record declines BIMI (empty l=): receivers show no logo for this domain.' });
  } else if (l && l.value === '' && a && a.value !== '') {
    invalid('The record has an evidence document (a=) but no logo (l= is empty).', { tag: 'l', offset: l.valueStart });
  } else if (logoUrl && !evidenceUrl && !(a && a.value !== '')) {
    diagnostics.push({ code: 'bimi-no-evidence', severity: 'info', tag: 'a', rfc: DRAFT, message: 'The record has no evidence document (a=): the largest mailbox providers show a logo only with a Verified Mark Certificate or Common Mark Certificate.' });
  }
  return {
    record: { kind: 'bimi', text, ...(logoUrl ? { logoUrl } : {}), ...(evidenceUrl ? { evidenceUrl } : {}), declined, tags: list.tags },
    diagnostics,
  };
}

type Invalid = (message: string, where?: { tag?: string; offset?: number }, severity?: 'error' | 'warning', params?: RecordDiagnostic['params']) => void;

function readHttpsUrl(tag: TagToken, what: string, invalid: Invalid): string | undefined {
  const where = { tag: tag.name, offset: tag.valueStart };
  if (tag.value.includes(',')) {
    invalid(`Tag ${tag.name} at ${describeOffset(tag.valueStart)} holds a list; give one https URL of ${what}.`, where, 'error', { value: tag.value });
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(tag.value);
  } catch {
    invalid(`Tag ${tag.name}="${tag.value}" at ${describeOffset(tag.valueStart)} is not a URL; give the https URL of ${what}.`, where, 'error', { value: tag.value });
    return undefined;
  }
  if (url.protocol !== 'https:') {
    invalid(`Tag ${tag.name} at ${describeOffset(tag.valueStart)} uses ${url.protocol}; receivers fetch ${what} only over https.`, where, 'error', { value: tag.value, scheme: url.protocol.replace(/:$/, '') });
    return undefined;
  }
  return tag.value;
}
