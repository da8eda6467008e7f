/**
 * `dmarcpilot record spf [--include a,b] [--ip4 …] [--ip6 …] [--mx] [--a] [--all fail|softfail|neutral]
 * [--domain D]`: builds an SPF record, validates it, and prints it as TXT text split into strings of
 * at most 255 octets and as a zone-file line. An invalid request (a bad network, +all, more than 10
 * lookups in the record itself) is refused with the reason and exit status 2. The lookups of the
 * includes can only be counted against the live DNS, by `dmarcpilot check`: the advice says so.
 */
import type { Command } from 'commander';
import { buildSpfRecordFor } from '../app/records.js';
import type { CommonOptions } from './record-output.js';
import { placementOf, printRecord, renderAdvice, renderTxtRecord } from './record-output.js';
import { printErr, printJson, printOut } from './output.js';

interface SpfOptions extends CommonOptions {
  include?: string[];
  ip4?: string[];
  ip6?: string[];
  mx?: boolean;
  a?: boolean;
  all?: string;
}

/** Repeatable, comma-separated list options: `--include a,b --include c`. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((item) => item.trim()).filter((item) => item !== '')];

/**
 * Adds `spf` to the `record` command. `setStatus` receives the exit status (0, or 2 for a refused
 * request); without it the status goes to process.exitCode.
 */
export function addRecordSpfCommand(record: Command, setStatus: (code: number) => void = (code) => (process.exitCode = code)): void {
  record
    .command('spf')
    .description('Build an SPF record (RFC 7208) from options; invalid requests are refused (exit 2). The lookups of includes are counted by `dmarcpilot check` once published.')
    .option('--include <domains>', 'include: targets, comma-separated or repeated (e.g. _spf.google.com,spf.protection.outlook.com)', collect)
    .option('--ip4 <networks>', 'IPv4 addresses or networks that send, comma-separated or repeated (e.g. 192.0.2.0/24)', collect)
    .option('--ip6 <networks>', 'IPv6 addresses or networks that send, comma-separated or repeated (e.g. 2001:db8::/32)', collect)
    .option('--mx', "the domain's MX hosts send mail (costs a DNS lookup)")
    .option('--a', "the domain's own A/AAAA addresses send mail (costs a DNS lookup)")
    .option('--all <result>', 'result for every other server: fail (-all), softfail (~all) or neutral (?all)', 'softfail')
    .option('--domain <domain>', 'the domain the record is for (the zone line then names it)')
    .option('--ttl <seconds>', 'TTL for the zone-file line')
    .option('--json', 'print JSON')
    .action((options: SpfOptions) => setStatus(runSpf(options)));
}

/** Exported for tests: builds and prints; returns the exit status. */
export function runSpf(options: SpfOptions): number {
  return printRecord(
    'spf',
    () =>
      buildSpfRecordFor(
        {
          ...(options.include ? { includes: options.include } : {}),
          ...(options.ip4 ? { ip4: options.ip4 } : {}),
          ...(options.ip6 ? { ip6: options.ip6 } : {}),
          mx: options.mx === true,
          a: options.a === true,
          ...(options.all !== undefined ? { all: options.all } : {}),
        },
        placementOf(options),
      ),
    (record) => {
      if (options.json) {
        const { findings, lookups, ...printed } = record;
        printJson({ ...printed, lookups, findings });
      } else {
        printOut(renderTxtRecord(record, 'SPF record'));
        printErr(renderAdvice(record.findings));
      }
    },
  );
}
