/**
 * The DKIM key record at `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1, tag list §3.2), with
 * RFC 8301 (RSA key sizes, no SHA-1) and RFC 8463 (Ed25519). Parsed strictly so the owner sees
 * each fault with its position, while the value says what a verifier would do with the key:
 * revoked (`p=` empty), unusable (corrupt base64, unknown key type, `v` not DKIM1, duplicate
 * tags: the whole record is invalid), or a key of a known size.
 *
 * Diagnostics carry finding codes (docs/findings.md): dkim-key-invalid, dkim-key-revoked,
 * dkim-key-too-short, dkim-key-weak, dkim-key-too-long, dkim-testing-flag, dkim-sha1-only,
 * dkim-service-not-email, dkim-unknown-tag, dkim-key-syntax-lenient; and, as params, the values
 * their messages name (a tag's value, the key size and its limit).
 */
import { inspectRsaPublicKey, isEd25519SubjectPublicKeyInfo } from './public-key-der.js';
import type { RecordDiagnostic } from './record-diagnostic.js';
import type { TagListIssue, TagToken } from './tag-list.js';
import { describeOffset, findRepeatedTags, tokenizeTagList } from './tag-list.js';

export interface DkimKeyRecord {
  readonly kind: 'dkim-key';
  /** The joined record text as published. */
  readonly text: string;
  /** "k", RFC 6376 §3.6.1 (default rsa; ed25519 from RFC 8463 §4.2); other values as written. */
  readonly keyType: string;
  /** "h": acceptable hash algorithms; undefined means all. */
  readonly hashAlgorithms?: readonly string[];
  /** "s": service types (default `*`). */
  readonly serviceTypes: readonly string[];
  /** "t": flags as written, e.g. ["y"], ["s"]. */
  readonly flags: readonly string[];
  /** "n": notes for people. */
  readonly notes?: string;
  /** "p": the base64 key without whitespace; "" when revoked. */
  readonly publicKey: string;
  /** Empty `p=`: the key is revoked (RFC 6376 §3.6.1). */
  readonly revoked: boolean;
  /** `t=y`: the domain is testing DKIM; verifiers treat signed mail like unsigned mail. */
  readonly testing: boolean;
  /** `t=s`: the i= domain must equal d=, not a subdomain. */
  readonly strictSubdomain: boolean;
  /** Size of the key in bits: the RSA modulus, or 256 for Ed25519. Absent when it cannot be read. */
  readonly keyBits?: number;
  /** How the key is encoded: SubjectPublicKeyInfo, bare RSAPublicKey, or the raw Ed25519 key. */
  readonly keyEncoding?: 'spki' | 'pkcs1' | 'raw';
  /** False when a verifier cannot use the key: revoked, or any dkim-key-invalid error. */
  readonly usable: boolean;
  readonly tags: readonly TagToken[];
}

export interface DkimKeyParse {
  readonly record: DkimKeyRecord;
  readonly diagnostics: readonly RecordDiagnostic[];
}

const RFC_TAGS = 'RFC 6376 §3.6.1';
const RFC_TAG_LIST = 'RFC 6376 §3.2';
const KNOWN_TAGS = new Set(['v', 'h', 'k', 'n', 'p', 's', 't']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses the joined text of one TXT record at a selector. Never throws. */
export function parseDkimKeyRecord(text: string): DkimKeyParse {
  const diagnostics: RecordDiagnostic[] = [];
  const invalid = (message: string, where: { tag?: string; offset?: number } = {}, rfc = RFC_TAGS, params?: RecordDiagnostic['params']): void => {
    diagnostics.push({ code: 'dkim-key-invalid', severity: 'error', message, rfc, ...where, ...(params ? { params } : {}) });
  };
  const list = tokenizeTagList(text);
  for (const issue of list.issues) {
    const diagnostic = fromTagListIssue(issue);
    if (diagnostic) diagnostics.push(diagnostic);
  }
  // DKIM tag names are case-sensitive (RFC 6376 §3.2): "P=" is an unknown tag, not p.
  for (const repeat of findRepeatedTags(list.tags, false)) {
    invalid(`Tag ${repeat.name} appears again at ${describeOffset(repeat.start)}; a tag list with a repeated tag is invalid as a whole.`, { tag: repeat.name, offset: repeat.start }, RFC_TAG_LIST);
  }
  const tag = (name: string): TagToken | undefined => list.tags.find((t) => t.name === name);
  checkVersion(list.tags, invalid);
  for (const unknown of list.tags.filter((t) => !KNOWN_TAGS.has(t.name))) {
    const known = KNOWN_TAGS.has(unknown.name.toLowerCase());
    const hint = known ? ` Tag names are case-sensitive: write "${unknown.name.toLowerCase()}".` : '';
    diagnostics.push({ code: 'dkim-unknown-tag', severity: 'info', tag: unknown.name, offset: unknown.start, rfc: RFC_TAGS, message: `Tag ${unknown.name} at ${describeOffset(unknown.start)} is not a DKIM key tag; verifiers ignore it.${hint}`, params: { value: unknown.value, ...(known ? { suggestion: unknown.name.toLowerCase() } : {}) } });
  }

  const keyType = tag('k')?.value ?? 'rsa';
  const k = tag('k');
  if (k && keyType !== 'rsa' && keyType !== 'ed25519') {
    invalid(`Key type k=${keyType} at ${describeOffset(k.valueStart)} is unknown; verifiers ignore the key (use rsa or ed25519).`, { tag: 'k', offset: k.valueStart }, RFC_TAGS, { value: keyType, allowed: ['rsa', 'ed25519'] });
  }
  const hashAlgorithms = readHashes(tag('h'), diagnostics, invalid);
  const serviceTypes = splitColonList(tag('s')?.value ?? '*');
  const s = tag('s');
  if (s && !serviceTypes.includes('*') && !serviceTypes.includes('email')) {
    diagnostics.push({ code: 'dkim-service-not-email', severity: 'error', tag: 's', offset: s.valueStart, rfc: RFC_TAGS, message: `Service types s=${s.value} do not include "email" or "*", so verifiers must not use this key for e-mail.`, params: { value: s.value } });
  }
  const flags = splitColonList(tag('t')?.value ?? '');
  const t = tag('t');
  if (t && flags.includes('y')) {
    diagnostics.push({ code: 'dkim-testing-flag', severity: 'warning', tag: 't', offset: t.valueStart, rfc: RFC_TAGS, message: `The key has t=y (testing): verifiers must treat mail signed with it like unsigned mail, so its signatures carry no weight.`, params: { value: t.value } });
  }

  const p = tag('p');
  const publicKey = (p?.value ?? '').replace(/[ \t\r\n]+/g, '');
  const revoked = p !== undefined && publicKey === '';
  const key = p === undefined ? undefined : revoked ? undefined : readKey(p, publicKey, keyType, diagnostics, invalid);
  if (p === undefined) invalid('The record has no p tag (the public key), which is required.', { tag: 'p' });
  if (revoked) {
    diagnostics.push({ code: 'dkim-key-revoked', severity: 'warning', tag: 'p', offset: p.valueStart, rfc: RFC_TAGS, message: 'The key is revoked (p= is empty): verifiers fail every signature made with this selector.' });
  }
  const notes = tag('n')?.value;
  const record: DkimKeyRecord = {
    kind: 'dkim-key',
    text,
    keyType,
    ...(hashAlgorithms !== undefined ? { hashAlgorithms } : {}),
    serviceTypes,
    flags,
    ...(notes !== undefined ? { notes } : {}),
    publicKey,
    revoked,
    testing: flags.includes('y'),
    strictSubdomain: flags.includes('s'),
    ...(key?.bits !== undefined ? { keyBits: key.bits } : {}),
    ...(key?.encoding !== undefined ? { keyEncoding: key.encoding } : {}),
    usable: !revoked && !diagnostics.some((d) => d.severity === 'error'),
    tags: list.tags,
  };
  return { record, diagnostics: diagnostics.sort((a, b) => (a.offset ?? Infinity) - (b.offset ?? Infinity)) };
}

type Invalid = (message: string, where?: { tag?: string; offset?: number }, rfc?: string, params?: RecordDiagnostic['params']) => void;

/** `v`, when present, MUST be first and exactly DKIM1; otherwise the record is discarded (RFC 6376 §3.6.1). */
function checkVersion(tags: readonly TagToken[], invalid: Invalid): void {
  const v = tags.find((t) => t.name === 'v');
  if (!v) return;
  if (v.index !== 0) invalid(`Tag v is at ${describeOffset(v.start)}, not first; verifiers discard such a record (remove v or move it to the start).`, { tag: 'v', offset: v.start });
  else if (v.value !== 'DKIM1') invalid(`Tag v has the value "${v.value}" at ${describeOffset(v.valueStart)}; it must be exactly "DKIM1", or verifiers discard the record.`, { tag: 'v', offset: v.valueStart }, RFC_TAGS, { value: v.value });
}

function readHashes(h: TagToken | undefined, diagnostics: RecordDiagnostic[], invalid: Invalid): string[] | undefined {
  if (h === undefined) return undefined;
  const hashes = splitColonList(h.value);
  if (hashes.includes('sha256')) return hashes;
  if (hashes.includes('sha1')) {
    diagnostics.push({ code: 'dkim-sha1-only', severity: 'error', tag: 'h', offset: h.valueStart, rfc: 'RFC 8301 §3.1', message: `The key allows only SHA-1 (h=${h.value}); verifiers must not accept rsa-sha1 signatures, so no signature with this key verifies.`, params: { value: h.value } });
  } else {
    invalid(`Tag h=${h.value} at ${describeOffset(h.valueStart)} names no known hash algorithm (sha256), so no signature can use the key.`, { tag: 'h', offset: h.valueStart }, RFC_TAGS, { value: h.value });
  }
  return hashes;
}

interface KeyFacts {
  readonly bits?: number;
  readonly encoding?: 'spki' | 'pkcs1' | 'raw';
}

function readKey(p: TagToken, base64: string, keyType: string, diagnostics: RecordDiagnostic[], invalid: Invalid): KeyFacts | undefined {
  const where = { tag: 'p', offset: p.valueStart };
  const badCharacter = /[^A-Za-z0-9+/=]/.exec(base64);
  if (badCharacter || !BASE64.test(base64) || base64.length % 4 !== 0) {
    const detail = badCharacter ? `the character "${badCharacter[0]}" is not base64` : base64.length % 4 !== 0 ? `its length (${base64.length}) is not a multiple of 4 (a truncated copy?)` : '"=" padding appears before the end';
    const params: RecordDiagnostic['params'] = badCharacter ? { reason: 'bad-character', character: badCharacter[0] } : base64.length % 4 !== 0 ? { reason: 'bad-length', length: base64.length } : { reason: 'misplaced-padding' };
    invalid(`The public key in p= is corrupt base64: ${detail}; copy the key again from the signing system.`, where, 'RFC 6376 §3.6.1, §2.4', params);
    return undefined;
  }
  const bytes = decodeBase64(base64);
  if (keyType === 'ed25519') {
    if (bytes.length === 32) return { bits: 256, encoding: 'raw' };
    const hint = isEd25519SubjectPublicKeyInfo(bytes) ? ' It is a SubjectPublicKeyInfo: publish only its last 32 octets (the raw key).' : '';
    invalid(`An Ed25519 key in p= must be the raw 32-octet key, but it decodes to ${bytes.length} octets.${hint}`, where, 'RFC 8463 §4.2', { keyType, octets: bytes.length });
    return undefined;
  }
  if (keyType !== 'rsa') return undefined;
  const rsa = inspectRsaPublicKey(bytes);
  if (!rsa.ok) {
    const hint = bytes.length === 32 ? ' It is 32 octets: an Ed25519 key published without k=ed25519?' : '';
    invalid(`The public key in p= cannot be read as an RSA key: ${rsa.reason}.${hint}`, where, RFC_TAGS, { keyType, octets: bytes.length });
    return undefined;
  }
  const bits = rsa.modulusBits;
  if (bits < 1024) {
    diagnostics.push({ code: 'dkim-key-too-short', severity: 'error', ...where, rfc: 'RFC 8301 §3.2', message: `The RSA key has ${bits} bits; verifiers must not accept keys under 1024 bits, so its signatures fail. Use a 2048-bit key.`, params: { bits, limit: 1024 } });
  } else if (bits < 2048) {
    diagnostics.push({ code: 'dkim-key-weak', severity: 'warning', ...where, rfc: 'RFC 8301 §3.2', message: `The RSA key has ${bits} bits; signers should use at least 2048 bits.`, params: { bits, limit: 2048 } });
  } else if (bits > 4096) {
    diagnostics.push({ code: 'dkim-key-too-long', severity: 'warning', ...where, rfc: 'RFC 8301 §3.2', message: `The RSA key has ${bits} bits; verifiers are only required to handle keys up to 4096 bits, so some may fail its signatures.`, params: { bits, limit: 4096 } });
  }
  return { bits, encoding: rsa.encoding };
}

/** Colon-separated values with the whitespace around them removed (RFC 6376 §3.6.1 h, s, t). */
function splitColonList(value: string): string[] {
  return value
    .split(':')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function fromTagListIssue(issue: TagListIssue): RecordDiagnostic | undefined {
  // RFC 6376 §3.2 allows whitespace around tags, so leading whitespace is fine here.
  if (issue.kind === 'leading-whitespace') return undefined;
  const params = { kind: issue.kind, text: issue.text };
  if (issue.kind === 'empty-entry') return { code: 'dkim-key-syntax-lenient', severity: 'warning', offset: issue.offset, rfc: RFC_TAG_LIST, message: `${issue.message} Most verifiers accept it, but the grammar does not.`, params };
  return { code: 'dkim-key-invalid', severity: 'error', offset: issue.offset, rfc: RFC_TAG_LIST, message: `${issue.message} Tags are separated by ";".`, params };
}
