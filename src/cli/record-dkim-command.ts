/**
 * `dmarcpilot record dkim --selector S --public-key FILE.pem [--domain D]`: the DKIM key record for
 * a PEM public key (or a private key, from which only the public half is taken). RSA keys under
 * 1024 bits are refused (RFC 8301 §3.2), under 2048 bits warned about; Ed25519 keys are published
 * as the raw 32-byte key (RFC 8463 §4.2). Other key types are refused: DKIM defines only these two.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildDkimKeyRecord, checkDkimSelector, formatDkimKeyName } from '../records/dkim-build.js';
import type { DkimKeyInput } from '../records/dkim-build.js';
import { describeTxtRecord, readCommonOptions, renderTxtRecord } from './record-output.js';

interface DkimOptions {
  selector: string;
  publicKey: string;
  domain?: string;
  ttl?: string;
  testing?: boolean;
  json?: boolean;
}

/** Reads a PEM key file into the key fields of a DKIM record, or gives the reason it cannot. */
export function readDkimPublicKey(pem: string): { input: Omit<DkimKeyInput, 'testing'>; privateKeyGiven: boolean } | { error: string } {
  let key;
  try {
    key = createPublicKey(pem);
  } catch (caught) {
    return { error: `not a PEM public or private key (${caught instanceof Error ? caught.message : String(caught)}).` };
  }
  const privateKeyGiven = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);
  if (key.asymmetricKeyType === 'rsa') {
    const der = key.export({ type: 'spki', format: 'der' });
    return { input: { keyType: 'rsa', publicKeyBase64: der.toString('base64'), modulusBits: key.asymmetricKeyDetails?.modulusLength ?? 0 }, privateKeyGiven };
  }
  if (key.asymmetricKeyType === 'ed25519') {
    const jwk = key.export({ format: 'jwk' });
    return { input: { keyType: 'ed25519', publicKeyBase64: Buffer.from(jwk.x ?? '', 'base64url').toString('base64') }, privateKeyGiven };
  }
  return { error: `the key type ${key.asymmetricKeyType ?? 'unknown'} cannot be used: DKIM defines rsa (RFC 6376) and ed25519 (RFC 8463).` };
}

export function addRecordDkimCommand(record: Command, setStatus: (code: number) => void): void {
  record
    .command('dkim')
    .description('Build the DKIM key record (v=DKIM1; k=rsa|ed25519; p=…) for a PEM public key; RSA under 1024 bits is refused, under 2048 warned about.')
    .requiredOption('--selector <selector>', 'the selector (the s= of the signatures)')
    .requiredOption('--public-key <file>', 'PEM file with the public key (a private key works too: only its public half is printed)')
    .option('--domain <domain>', 'the signing domain (d=); the zone line then names <selector>._domainkey.<domain>.')
    .option('--testing', 'add t=y: the domain is testing DKIM, verifiers treat its signatures like none')
    .option('--ttl <seconds>', 'TTL for the zone-file line')
    .option('--json', 'print JSON')
    .action((options: DkimOptions) => setStatus(runDkim(options)));
}

function runDkim(options: DkimOptions): number {
  const refuse = (reason: string): number => {
    process.stderr.write(`dmarcpilot record dkim: refused: ${reason}\n`);
    return 2;
  };
  const common = readCommonOptions('dkim', options);
  if (!common) return 2;
  const badSelector = checkDkimSelector(options.selector);
  if (badSelector) return refuse(badSelector);
  let pem: string;
  try {
    pem = readFileSync(options.publicKey, 'utf8');
  } catch (caught) {
    return refuse(`${options.publicKey}: ${caught instanceof Error ? caught.message : String(caught)}`);
  }
  const key = readDkimPublicKey(pem);
  if ('error' in key) return refuse(`${options.publicKey}: ${key.error}`);
  const built = buildDkimKeyRecord({ ...key.input, testing: options.testing === true });
  if (!built.ok) return refuse(built.errors.join(' '));
  const warnings = [...built.warnings];
  if (key.privateKeyGiven) warnings.push(`${options.publicKey} holds a PRIVATE key: only its public half is printed here; keep that file secret and off DNS.`);
  const name = common.domain ? formatDkimKeyName(options.selector, common.domain) : formatDkimKeyName(options.selector, '').replace(/\.$/, '');
  const printed = describeTxtRecord(name, built.text, { ...(common.ttl !== undefined ? { ttl: common.ttl } : {}), absolute: common.domain !== undefined });
  if (options.json) process.stdout.write(`${JSON.stringify({ ...printed, keyType: key.input.keyType, bits: key.input.modulusBits ?? 256, warnings })}\n`);
  else {
    process.stdout.write(renderTxtRecord(printed, `DKIM key (${key.input.keyType}${key.input.modulusBits ? `, ${key.input.modulusBits} bits` : ''})`));
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  }
  return 0;
}
