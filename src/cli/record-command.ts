/**
 * `dmarcpilot record dmarc|parked|dkim …`: build a DNS record from options, validate it, and print
 * it ready to publish (TXT text in ≤255-octet strings and a zone-file line). An invalid request is
 * refused with the reason and exit status 2; advice about a valid record (a weak policy, a mix of
 * RFC 7489 and RFC 9989 tags that the two generations read differently) goes to standard error.
 * `record spf` is added by record-spf-command.ts (`addRecordSpfCommand(record)`).
 */
import type { Command } from 'commander';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { buildDmarcRecordFor, buildParkedRecords } from '../app/records.js';
import { addRecordDkimCommand } from './record-dkim-command.js';
import { addRecordSpfCommand } from './record-spf-command.js';
import type { CommonOptions } from './record-output.js';
import { placementOf, printRecord, renderAdvice, renderTxtRecord } from './record-output.js';
import { printErr, printJson, printOut } from './output.js';
interface DmarcOptions extends CommonOptions {
  p?: string;
  sp?: string;
  np?: string;
  pct?: string;
  t?: string;
  psd?: string;
  adkim?: string;
  aspf?: string;
  fo?: string;
  rua?: string;
  ruf?: string;
  rf?: string;
  ri?: string;
}

const splitList = (value: string | undefined): string[] | undefined => (value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

/** Registers `record` and its subcommands; returns the `record` command so more can be added (spf). */
export function registerRecordCommand(program: Command, setStatus: (code: number) => void): Command {
  const record = program.command('record').description('Build a DNS record (DMARC, DKIM, a parked domain set), validate it and print it as TXT text and as zone-file lines.');

  record
    .command('dmarc')
    .description('Build a DMARC record (RFC 7489 and RFC 9989) from options; invalid values are refused (exit 2), weak or generation-dependent choices are explained on standard error.')
    .option('--p <policy>', 'policy for the domain: none, quarantine or reject (required)')
    .option('--sp <policy>', 'policy for existing subdomains')
    .option('--np <policy>', 'policy for non-existent subdomains (RFC 9989; RFC 7489 receivers use sp)')
    .option('--pct <percent>', 'share of failing mail the policy applies to, 0-100 (RFC 7489 only)')
    .option('--t <y|n>', 'test mode (RFC 9989): receivers apply one level below p')
    .option('--psd <y|n|u>', 'public suffix domain flag (RFC 9989; for PSD operators)')
    .option('--adkim <r|s>', 'DKIM alignment: relaxed or strict')
    .option('--aspf <r|s>', 'SPF alignment: relaxed or strict')
    .option('--fo <options>', 'failure report options, e.g. 1 or 1:d:s (needs --ruf)')
    .option('--rua <uris>', 'aggregate report URIs, comma-separated (mailto:…)')
    .option('--ruf <uris>', 'failure report URIs, comma-separated')
    .option('--rf <formats>', 'failure report format (RFC 7489 only; afrf)')
    .option('--ri <seconds>', 'aggregate report interval (RFC 7489 only)')
    .option('--domain <domain>', 'the domain the record is for (the zone line then names _dmarc.<domain>.)')
    .option('--ttl <seconds>', 'TTL for the zone-file line')
    .option('--json', 'print JSON')
    .action((options: DmarcOptions) => setStatus(runDmarc(options)));

  record
    .command('parked')
    .description('Print the records for a domain that sends and receives no mail: SPF -all, DMARC reject, null MX, and the optional DKIM wildcard revocation.')
    .option('--domain <domain>', 'the parked domain (names are relative to the zone origin without it)')
    .option('--rua <uris>', 'aggregate report URIs for the DMARC record, comma-separated (to see who tries to send as the domain)')
    .option('--ttl <seconds>', 'TTL for the zone-file lines', '3600')
    .option('--json', 'print JSON')
    .action((options: CommonOptions & { rua?: string }) => setStatus(runParked(options)));

  addRecordSpfCommand(record, setStatus);
  addRecordDkimCommand(record, setStatus);
  return record;
}

function runDmarc(options: DmarcOptions): number {
  const build: DmarcBuildOptions = Object.fromEntries(
    Object.entries({
      policy: options.p,
      subdomainPolicy: options.sp,
      nonexistentSubdomainPolicy: options.np,
      percentage: options.pct,
      testing: options.t,
      publicSuffixDomain: options.psd,
      dkimAlignment: options.adkim,
      spfAlignment: options.aspf,
      failureOptions: options.fo,
      aggregateUris: splitList(options.rua),
      failureUris: splitList(options.ruf),
      reportFormats: options.rf,
      reportInterval: options.ri,
    }).filter(([, value]) => value !== undefined),
  );
  return printRecord(
    'dmarc',
    () => buildDmarcRecordFor(build, placementOf(options)),
    (record) => {
      if (options.json) printJson(record);
      else {
        printOut(renderTxtRecord(record, 'DMARC record'));
        printErr(renderAdvice(record.findings));
      }
    },
  );
}

function runParked(options: CommonOptions & { rua?: string }): number {
  return printRecord(
    'parked',
    () => buildParkedRecords(splitList(options.rua), placementOf(options)),
    (set) => {
      if (options.json) {
        const { findings: _advice, ...records } = set;
        printJson(records);
        return;
      }
      const who = set.domain ?? 'the domain';
      printOut(
        [
          `; Records for ${who}, which sends and receives no mail.${set.domain !== null ? '' : ' Names are relative to the zone origin.'}`,
          `; SPF (RFC 7208): no host may send as ${who}.`,
          set.spf.zone,
          '; DMARC (RFC 7489, RFC 9989): reject failing mail from the domain and from every subdomain, existing (sp) or not (np).',
          set.dmarc.zone,
          '; Null MX (RFC 7505): the domain accepts no mail. Remove every other MX record.',
          set.mx.zone,
          `; DKIM wildcard revocation. ${set.dkim.note}`,
          set.dkim.zone,
          '; Subdomains that exist (have any record) need their own "v=spf1 -all" and null MX to be covered the same way; DMARC sp/np already covers them.',
          '',
        ].join('\n'),
      );
      printErr(renderAdvice(set.findings));
    },
  );
}
