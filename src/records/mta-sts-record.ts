/**
 * The MTA-STS TXT record at `_mta-sts.<domain>` (RFC 8461 §3.1): `v=STSv1; id=<1–32 letters or
 * digits>`, plus extension fields that senders ignore. Senders keep only TXT records that begin
 * with `v=STSv1;`, and treat anything but exactly one valid record as "no MTA-STS policy", so
 * every fault here is an error (`mta-sts-invalid`) except a repeated field (the first counts).
 */
import type { RecordDiagnostic } from './record-diagnostic.js';
import type { TagListIssue, TagToken } from './tag-list.js';
import { describeOffset, findRepeatedTags, tokenizeTagList } from './tag-list.js';

export interface MtaStsRecord {
  readonly kind: 'mta-sts-record';
  readonly text: string;
  /** "id": changes whenever the policy file changes, telling senders to fetch it again. */
  readonly id?: string;
  readonly tags: readonly TagToken[];
}

export interface MtaStsRecordParse {
  /** Set when the text begins with `v=STSv1` (even with faults elsewhere). */
  readonly record?: MtaStsRecord;
  readonly diagnostics: readonly RecordDiagnostic[];
}

const RFC = 'RFC 8461 §3.1';
/** sts-ext-name (RFC 8461 §3.1): wider than the tag-list's names. */
const EXTENSION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** True for the TXT records senders keep: those beginning with `v=STSv1;` (RFC 8461 §3.1). */
export function isMtaStsRecordText(text: string): boolean {
  return text.startsWith('v=STSv1;');
}

/** True for text that was probably meant as MTA-STS but senders discard (case, spacing, no `;`). */
export function looksLikeMtaStsAttempt(text: string): boolean {
  return !isMtaStsRecordText(text) && /^\s*v\s*=\s*stsv/i.test(text);
}

/** Parses joined TXT text. Never throws. */
export function parseMtaStsRecord(text: string): MtaStsRecordParse {
  const diagnostics: RecordDiagnostic[] = [];
  const invalid = (message: string, where: { tag?: string; offset?: number } = {}, params?: RecordDiagnostic['params']): void => {
    diagnostics.push({ code: 'mta-sts-invalid', severity: 'error', message, rfc: RFC, ...where, ...(params ? { params } : {}) });
  };
  if (!isMtaStsRecordText(text)) {
    const spaced = /^v=STSv1\s+;/.test(text) ? ' (no space before the ";")' : '';
    invalid(`The record does not begin with "v=STSv1;" exactly${spaced}, so senders discard it.`, { tag: 'v', offset: 0 });
    return { diagnostics };
  }
  const list = tokenizeTagList(text);
  for (const issue of list.issues) {
    if (issue.kind === 'bad-tag-name' && EXTENSION_NAME.test(issue.text)) continue; // an extension: ignored
    invalid(describeIssue(issue), { offset: issue.offset }, { kind: issue.kind, text: issue.text });
  }
  for (const repeat of findRepeatedTags(list.tags, false)) {
    diagnostics.push({ code: 'mta-sts-invalid', severity: 'warning', tag: repeat.name, offset: repeat.start, rfc: RFC, message: `Field ${repeat.name} appears again at ${describeOffset(repeat.start)}; senders use the first one.` });
  }
  const id = list.tags.find((tag) => tag.name === 'id');
  if (!id) invalid('The record has no id field, which is required: add "id=" followed by 1 to 32 letters or digits (e.g. the date and time of the policy).', { tag: 'id' });
  else if (!/^[A-Za-z0-9]{1,32}$/.test(id.value)) invalid(`The id "${id.value}" at ${describeOffset(id.valueStart)} must be 1 to 32 letters or digits (no punctuation or spaces).`, { tag: 'id', offset: id.valueStart }, { value: id.value });
  for (const tag of list.tags.slice(1)) {
    if (tag.name !== 'id' && tag.value === '') invalid(`Field ${tag.name} at ${describeOffset(tag.start)} has an empty value, which the grammar does not allow.`, { tag: tag.name, offset: tag.start });
  }
  const record: MtaStsRecord = { kind: 'mta-sts-record', text, ...(id && /^[A-Za-z0-9]{1,32}$/.test(id.value) ? { id: id.value } : {}), tags: list.tags };
  return { record, diagnostics };
}

function describeIssue(issue: TagListIssue): string {
  return `${issue.message} Fields are separated by ";".`;
}
