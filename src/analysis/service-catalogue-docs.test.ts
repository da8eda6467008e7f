/**
 * Keeps the table of services in docs/senders.md equal to the shipped catalogue. When it fails,
 * it prints the table to paste between the two markers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadServiceCatalogue } from './service-catalogue.js';
import type { SendingService } from './sender-model.js';

const START = '<!-- catalogue-table:start (generated from data/sending-services.json; src/analysis/service-catalogue-docs.test.ts prints it) -->';
const END = '<!-- catalogue-table:end -->';

/** One row per service: how it is recognised and what it can do for alignment. */
export function formatCatalogueTable(catalogue: readonly SendingService[]): string {
  const code = (values: readonly string[] | undefined): string => (values ?? []).map((v) => `\`${v}\``).join(' ');
  const lines = [
    '| Service | Category | rDNS suffixes | DKIM d= / return path | SPF include | Own DKIM | Own return path |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of catalogue) {
    const r = s.recognise;
    const name = s.documentation ? `[${s.name}](${s.documentation})` : s.name;
    const ptr = [code(r.ptrSuffixes), r.networks ? `(+${r.networks.length} networks)` : ''].filter(Boolean).join(' ');
    const domains = [...new Set([...(r.dkimDomains ?? []), ...(r.returnPathDomains ?? [])])];
    lines.push(`| ${name} \`${s.id}\` | ${s.category} | ${ptr} | ${code(domains)} | ${code(r.spfIncludes)} | ${s.customDkim ? 'yes' : 'no'} | ${s.customReturnPath ? 'yes' : 'no'} |`);
  }
  return lines.join('\n');
}

test('docs/senders.md: the table of services matches the shipped catalogue', () => {
  const doc = readFileSync(new URL('../../docs/senders.md', import.meta.url), 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  assert.ok(start >= 0 && end > start, `docs/senders.md needs the markers ${START} … ${END}`);
  const table = doc.slice(start + START.length, end).trim();
  const expected = formatCatalogueTable(loadServiceCatalogue());
  assert.equal(table, expected, `paste this table into docs/senders.md between the markers:\n${expected}\n`);
});
