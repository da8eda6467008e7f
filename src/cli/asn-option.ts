/**
 * `--asn-db FILE` (default $DMARCPILOT_ASN_DB, or the configuration's asnDb): an offline
 * IP-to-network database (iptoasn.com TSV, optionally gzipped) that names the network (ASN,
 * organisation, country) of each source. Without one, sources are still grouped and classified;
 * their networks are just not named. The application loads it (app/open-app.ts).
 */
import type { Command } from 'commander';

export function addAsnDbOption(command: Command): Command {
  return command.option('--asn-db <file>', 'offline IP-to-network database (iptoasn.com ip2asn TSV, .gz allowed) naming each source network (default: $DMARCPILOT_ASN_DB)');
}
