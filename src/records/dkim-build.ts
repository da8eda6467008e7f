/**
 * DKIM key records for `dmarcpilot record dkim`: `v=DKIM1; k=rsa|ed25519; p=<base64>` at
 * `<selector>._domainkey.<domain>` (RFC 6376 §3.6.1, §3.6.2.1). For RSA, p is the base64 of the
 * SubjectPublicKeyInfo DER; for Ed25519 the base64 of the raw 32-byte key (RFC 8463 §4.2). Key
 * sizes follow RFC 8301 §3.2: under 1024 bits refused, under 2048 bits a warning. Extracting the
 * key from a PEM file is the caller's (it needs node:crypto); this module only formats and checks.
 */

export interface DkimKeyInput {
  readonly keyType: 'rsa' | 'ed25519';
  /** Base64 of the SPKI DER (RSA) or of the raw 32-byte key (Ed25519). */
  readonly publicKeyBase64: string;
  /** RSA modulus size in bits. */
  readonly modulusBits?: number;
  /** t=y: the domain is testing DKIM (RFC 6376 §3.6.1). */
  readonly testing?: boolean;
}

export type DkimBuild =
  | { readonly ok: true; readonly text: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const SELECTOR = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The DNS name of a key: `<selector>._domainkey.<domain>` (selectors may contain dots, RFC 6376 §3.1). */
export function formatDkimKeyName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** Why `selector` cannot be a DKIM selector, or undefined when it can. */
export function checkDkimSelector(selector: string): string | undefined {
  return SELECTOR.test(selector) ? undefined : `"${selector}" is not a valid selector: labels of letters, digits and inner hyphens, separated by dots (RFC 6376 §3.1).`;
}

/** Builds the key record, refusing keys receivers must reject. */
export function buildDkimKeyRecord(input: DkimKeyInput): DkimBuild {
  const warnings: string[] = [];
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.publicKeyBase64)) return { ok: false, errors: ['The public key is not base64.'] };
  if (input.keyType === 'rsa') {
    const bits = input.modulusBits ?? 0;
    if (bits < 1024) return { ok: false, errors: [`The RSA key has ${bits} bits; verifiers must not accept keys under 1024 bits (RFC 8301 §3.2). Generate a 2048-bit key.`] };
    if (bits < 2048) warnings.push(`The RSA key has ${bits} bits; signers SHOULD use at least 2048 (RFC 8301 §3.2).`);
    if (bits > 4096) warnings.push(`The RSA key has ${bits} bits; verifiers need only handle up to 4096 (RFC 8301 §3.2), so some may fail to verify.`);
  } else if (decodedLength(input.publicKeyBase64) !== 32) {
    return { ok: false, errors: ['An Ed25519 key must be 32 octets (RFC 8463 §4.2).'] };
  } else {
    warnings.push('Not every verifier supports Ed25519 yet: sign with an RSA key as well (RFC 8463 §1).');
  }
  const tags = ['v=DKIM1', `k=${input.keyType}`, ...(input.testing ? ['t=y'] : []), `p=${input.publicKeyBase64}`];
  return { ok: true, text: tags.join('; '), warnings };
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}
