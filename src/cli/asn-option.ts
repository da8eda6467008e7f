/**
 * `--asn-db FILE` (default $DMARCPILOT_ASN_DB): an offline IP-to-network database (iptoasn.com
 * TSV, optionally gzipped) that names the network (ASN, organisation, country) of each source.
 * Without one, sources are still grouped and classified; their networks are just not named.
 */
import type { Command } from 'commander';
import type { SourceEnrichment } from '../core/source-facts.js';
import { loadIpAsnDatabase } from '../network/ip-asn-database.js';

export type NetworkLookup = (ip: string) => SourceEnrichment['network'] | undefined;

export function addAsnDbOption(command: Command): Command {
  return command.option('--asn-db <file>', 'offline IP-to-network database (iptoasn.com ip2asn TSV, .gz allowed) naming each source network (default: $DMARCPILOT_ASN_DB)');
}

/** The lookup of the configured database, undefined without one; an unreadable file is a usage error (exit 2). */
export function networkLookupFrom(command: Command, options: { asnDb?: string }): NetworkLookup | undefined {
  try {
    return loadNetworkLookup(options);
  } catch (caught) {
    return command.error(`error: ${caught instanceof Error ? caught.message : String(caught)}`, { exitCode: 2 });
  }
}

function loadNetworkLookup(options: { asnDb?: string }): NetworkLookup | undefined {
  const path = options.asnDb ?? process.env['DMARCPILOT_ASN_DB'];
  if (path === undefined || path === '') return undefined;
  let database;
  try {
    database = loadIpAsnDatabase(path);
  } catch (caught) {
    throw new Error(`--asn-db: cannot read ${path}: ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught });
  }
  if (database.ranges === 0) throw new Error(`--asn-db: ${path} holds no network ranges (expected the iptoasn.com TSV format: start, end, AS number, country, description)`);
  if (database.badLines > 0) process.stderr.write(`warning: --asn-db: ${path}: ${database.badLines} lines not understood (first: line ${database.firstBadLine ?? '?'}), skipped\n`);
  return (ip) => database.lookup(ip);
}
