/**
 * Just enough DER (ITU-T X.690) to size the public key in a DKIM record without a crypto library,
 * so records/ stays pure and runs in a browser: an RSA key as SubjectPublicKeyInfo (RFC 5280
 * §4.1.2.7, what `openssl rsa -pubout` and every DKIM tool publish) or as a bare RSAPublicKey
 * (RFC 8017 App. A.1.1, the form RFC 6376 §3.6.1 names), and the Ed25519 SubjectPublicKeyInfo
 * that people paste where RFC 8463 wants the raw 32-byte key.
 */

export type RsaKeyInspection =
  | { readonly ok: true; readonly encoding: 'spki' | 'pkcs1'; readonly modulusBits: number; readonly exponent: number | undefined }
  | { readonly ok: false; readonly reason: string };

interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OID = 0x06;
/** 1.2.840.113549.1.1.1 (rsaEncryption), content octets. */
const RSA_ENCRYPTION = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/** 1.3.101.112 (id-Ed25519, RFC 8410), content octets. */
const ED25519 = [0x2b, 0x65, 0x70];

/** Reads one TLV at `offset`; undefined when it does not fit inside `limit` or uses forms DER forbids. */
function readElement(bytes: Uint8Array, offset: number, limit: number): Element | undefined {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) return undefined;
  let cursor = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[cursor++];
      if (lengthByte === undefined) return undefined;
      length = length * 256 + lengthByte;
    }
  }
  const end = cursor + length;
  if (end > limit) return undefined;
  return { tag, start: cursor, end };
}

/** The children of a constructed element, or undefined when they do not tile it exactly. */
function readChildren(bytes: Uint8Array, parent: Element): Element[] | undefined {
  const children: Element[] = [];
  let offset = parent.start;
  while (offset < parent.end) {
    const child = readElement(bytes, offset, parent.end);
    if (!child) return undefined;
    children.push(child);
    offset = child.end;
  }
  return children;
}

function contentEquals(bytes: Uint8Array, element: Element, expected: readonly number[]): boolean {
  if (element.end - element.start !== expected.length) return false;
  return expected.every((value, i) => bytes[element.start + i] === value);
}

/** Significant bits of a non-negative INTEGER's content octets. */
function integerBits(bytes: Uint8Array, element: Element): number {
  let start = element.start;
  while (start < element.end && bytes[start] === 0) start++;
  if (start === element.end) return 0;
  const first = bytes[start] ?? 0;
  return (element.end - start - 1) * 8 + (32 - Math.clz32(first));
}

function smallInteger(bytes: Uint8Array, element: Element): number | undefined {
  if (element.end - element.start > 6) return undefined;
  let value = 0;
  for (let i = element.start; i < element.end; i++) value = value * 256 + (bytes[i] ?? 0);
  return value;
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } spanning [from, to). */
function readRsaPublicKey(bytes: Uint8Array, from: number, to: number): { modulusBits: number; exponent: number | undefined } | undefined {
  const sequence = readElement(bytes, from, to);
  if (!sequence || sequence.tag !== SEQUENCE || sequence.end !== to) return undefined;
  const parts = readChildren(bytes, sequence);
  if (!parts || parts.length !== 2 || parts.some((part) => part.tag !== INTEGER)) return undefined;
  const [modulus, exponent] = parts as [Element, Element];
  if ((bytes[modulus.start] ?? 0) & 0x80) return undefined; // a negative modulus
  return { modulusBits: integerBits(bytes, modulus), exponent: smallInteger(bytes, exponent) };
}

/** The size of an RSA public key in either encoding DKIM records use. */
export function inspectRsaPublicKey(bytes: Uint8Array): RsaKeyInspection {
  const pkcs1 = readRsaPublicKey(bytes, 0, bytes.length);
  if (pkcs1) return { ok: true, encoding: 'pkcs1', ...pkcs1 };
  const outer = readElement(bytes, 0, bytes.length);
  if (!outer || outer.tag !== SEQUENCE || outer.end !== bytes.length) return { ok: false, reason: 'the key is not DER (a SubjectPublicKeyInfo or RSAPublicKey)' };
  const parts = readChildren(bytes, outer);
  const [algorithm, key] = parts ?? [];
  if (!parts || parts.length !== 2 || !algorithm || !key || algorithm.tag !== SEQUENCE || key.tag !== BIT_STRING) {
    return { ok: false, reason: 'the key is not a SubjectPublicKeyInfo' };
  }
  const oid = readChildren(bytes, algorithm)?.[0];
  if (!oid || oid.tag !== OID) return { ok: false, reason: 'the key has no algorithm identifier' };
  if (contentEquals(bytes, oid, ED25519)) return { ok: false, reason: 'the key is an Ed25519 key, not RSA' };
  if (!contentEquals(bytes, oid, RSA_ENCRYPTION)) return { ok: false, reason: 'the key is not an RSA key (its algorithm is not rsaEncryption)' };
  if (bytes[key.start] !== 0) return { ok: false, reason: 'the key bit string has unused bits' };
  const rsa = readRsaPublicKey(bytes, key.start + 1, key.end);
  if (!rsa) return { ok: false, reason: 'the RSA key inside the SubjectPublicKeyInfo is malformed' };
  return { ok: true, encoding: 'spki', ...rsa };
}

/** True when `bytes` is an Ed25519 SubjectPublicKeyInfo (44 octets) rather than the raw key. */
export function isEd25519SubjectPublicKeyInfo(bytes: Uint8Array): boolean {
  const outer = readElement(bytes, 0, bytes.length);
  if (!outer || outer.tag !== SEQUENCE || outer.end !== bytes.length) return false;
  const algorithm = readChildren(bytes, outer)?.[0];
  const oid = algorithm && algorithm.tag === SEQUENCE ? readChildren(bytes, algorithm)?.[0] : undefined;
  return oid !== undefined && oid.tag === OID && contentEquals(bytes, oid, ED25519);
}
