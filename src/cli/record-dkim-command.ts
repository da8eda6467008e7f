/**
 * `dmarcpilot record dkim --selector S --public-key FILE.pem [--domain D]`: the DKIM key record for
 * a PEM public key (or a private key, from which only the public half is taken). RSA keys under
 * 1024 bits are refused (RFC 8301 §3.2), under 2048 bits warned about; Ed25519 keys are published
 * as the raw 32-byte key (RFC 8463 §4.2). Other key types are refused: DKIM defines only these two.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildDkimRecordFor } from '../app/records.js';
import { placementOf, printRecord, renderTxtRecord } from './record-output.js';
import { printErr, printJson, printOut } from './output.js';

interface DkimOptions {
  selector: string;
  publicKey: string;
  domain?: string;
  ttl?: string;
  testing?: boolean;
  json?: boolean;
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
  let pem: string;
  try {
    pem = readFileSync(options.publicKey, 'utf8');
  } catch (caught) {
    printErr(`dmarcpilot record dkim: refused: ${options.publicKey}: ${caught instanceof Error ? caught.message : String(caught)}\n`);
    return 2;
  }
  return printRecord(
    'dkim',
    () => buildDkimRecordFor(options.selector, pem, options.publicKey, { testing: options.testing === true, ...placementOf(options) }),
    (record) => {
      if (options.json) {
        const { keyType, bits, warnings, ...printed } = record;
        printJson({ ...printed, keyType, bits, warnings });
      } else {
        printOut(renderTxtRecord(record, `DKIM key (${record.keyType}${record.keyType === 'rsa' ? `, ${record.bits} bits` : ''})`));
        for (const warning of record.warnings) printErr(`warning: ${warning}\n`);
      }
    },
  );
}
