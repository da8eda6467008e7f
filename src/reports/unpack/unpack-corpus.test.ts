/**
 * Sniffs and unpacks every gzip and zip file of the shared real-world corpus (../shared/corpus,
 * see its INDEX.md), and the Mimecast message whose gzip has trailing bytes. Skipped, with the
 * reason shown, when the corpus is not there. The corpus is read in place, never copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import type { Diagnostic } from '../../core/diagnostic.js';
import { defaultLimits } from '../../core/limits.js';
import { decodeBase64Text } from './base64.js';
import { sliceChunks } from './byte-reader.js';
import { DecompressionBudget } from './decompression-budget.js';
import { gunzipChunks } from './gunzip.js';
import { sniffContent } from './sniff.js';
import { inflateZipMember, listZipMembers } from './unzip.js';
import { corpusDir, corpusSkip } from '../../../test/helpers/corpus.js';

const corpus = corpusDir;
const skip = corpusSkip;

interface Payload {
  readonly location: string;
  readonly bytes: Uint8Array;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Opens containers until something that is not gzip or zip is left. */
async function unpack(bytes: Uint8Array, location: string, budget: DecompressionBudget, warnings: Diagnostic[]): Promise<Payload[]> {
  const kind = sniffContent(bytes.subarray(0, 4096));
  if (kind === 'gzip') {
    const inner = await collect(gunzipChunks(sliceChunks(bytes, 4096), budget, location, (w) => warnings.push(w)));
    return unpack(inner, `${location} > gunzip`, budget, warnings);
  }
  if (kind === 'zip') {
    const listing = listZipMembers(bytes, defaultLimits, location);
    assert.equal(listing.rejection, undefined, listing.rejection?.message);
    warnings.push(...listing.warnings);
    const payloads: Payload[] = [];
    for (const member of listing.members) payloads.push(...(await unpack(await collect(inflateZipMember(bytes, member, budget)), member.location, budget, warnings)));
    return payloads;
  }
  return [{ location, bytes }];
}

function findFiles(dir: string, pattern: RegExp): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((name) => pattern.test(name)).sort();
}

/** What each archive holds: the member names (zip), and the file in the corpus it must equal byte for byte. */
const expected: Record<string, { members?: string[]; size: number; same?: string }> = {
  'dmarc-report-converter/test.xml.gz': { size: 1861, same: 'dmarc-report-converter/test.xml' },
  'dmarc-report-converter/test.xml.gz.gz': { size: 1861, same: 'dmarc-report-converter/test.xml' },
  'dmarc-report-converter/test.xml.zip': { members: ['test.xml'], size: 1861, same: 'dmarc-report-converter/test.xml' },
  'dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml.gz': { size: 6157, same: 'dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml' },
  'dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml.zip': {
    members: ['google.com!example.com!1701129600!1701215999.xml'],
    size: 6157,
    same: 'dmarc-report-visualizer/google.com!example.com!1701129600!1701215999.xml',
  },
  'mail-dmarc/test_dmarc.xml.gz': { size: 1101, same: 'mail-dmarc/test_dmarc.xml' },
  'mail-dmarc/test_dmarc.xml.zip': { members: [''], size: 1101, same: 'mail-dmarc/test_dmarc.xml' }, // a member with an empty name
  'parsedmarc/aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip': {
    members: ['estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml'],
    size: 887,
  },
  'parsedmarc/aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz': { size: 1146 },
  'parsedmarc/extract_report/nice-input.xml.gz': { size: 15159, same: 'parsedmarc/extract_report/nice-input.xml' },
  'parsedmarc/extract_report/nice-input.xml.zip': { members: ['nice-input.xml'], size: 15159, same: 'parsedmarc/extract_report/nice-input.xml' },
};

test('corpus: every .gz and .zip is sniffed by content and unpacked to the aggregate XML it holds', { skip }, async () => {
  const files = findFiles(corpus, /\.(gz|zip)$/);
  assert.ok(files.length >= Object.keys(expected).length, `found ${files.length} archives`);
  for (const file of files) {
    const bytes = readFileSync(join(corpus, file));
    assert.equal(sniffContent(bytes.subarray(0, 4096)), file.endsWith('.zip') ? 'zip' : 'gzip', file);
    const warnings: Diagnostic[] = [];
    const payloads = await unpack(bytes, file, new DecompressionBudget(bytes.length, defaultLimits), warnings);
    assert.deepEqual(warnings, [], file);
    assert.ok(payloads.length >= 1, file);
    for (const payload of payloads) {
      assert.equal(sniffContent(payload.bytes.subarray(0, 4096)), 'xml', payload.location);
      const text = Buffer.from(payload.bytes).toString('utf8');
      assert.match(text, /<feedback[\s>]/, payload.location);
      assert.match(text, /<\/feedback>\s*$/, payload.location);
    }
    const want = expected[file];
    if (!want) continue;
    if (want.members) assert.deepEqual(payloads.map((p) => p.location), want.members.map((name) => `${file} > ${name}`), file);
    assert.equal(payloads[0]?.bytes.length, want.size, file);
    if (want.same) assert.deepEqual(Buffer.from(payloads[0]?.bytes ?? []), readFileSync(join(corpus, want.same)), `${file} equals ${want.same}`);
  }
  for (const file of Object.keys(expected)) assert.ok(files.includes(file), `${file} is in the corpus`);
});

test('corpus: Mimecast single-part message: base64 body -> gzip with 2 trailing bytes (gzip-trailing-bytes)', { skip }, async () => {
  const file = 'parsedmarc/aggregate/mimecast-weird-gzip.eml';
  const message = readFileSync(join(corpus, file));
  assert.equal(sniffContent(message.subarray(0, 4096)), 'email');
  const blankLine = message.indexOf('\r\n\r\n');
  const body = message.subarray(blankLine + 4);
  assert.equal(sniffContent(body.subarray(0, 4096)), 'base64');
  const gzip = decodeBase64Text(body);
  assert.ok(gzip);
  assert.equal(sniffContent(gzip.subarray(0, 4096)), 'gzip');
  const warnings: Diagnostic[] = [];
  const payloads = await unpack(gzip, file, new DecompressionBudget(gzip.length, defaultLimits), warnings);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.code, 'gzip-trailing-bytes');
  assert.match(warnings[0]?.message ?? '', /^2 bytes after/);
  const text = Buffer.from(payloads[0]?.bytes ?? []).toString('utf8');
  assert.match(text, /<org_name>Mimecast<\/org_name>/);
  assert.match(text, /<\/feedback>\s*$/);
});

/** Saved with the mbox "From " separator line in front: one-message mbox files. */
const mboxFiles = new Set(['parsedmarc/failure/dmarc_ruf_report_linkedin.eml', 'parsedmarc/failure/dmarc_ruf_report_linkedin.crlf.eml']);

test('corpus: every .eml is sniffed as e-mail (or mbox when it starts with "From "), every .xml as XML (or empty)', { skip }, () => {
  const emails = findFiles(corpus, /\.eml$/);
  assert.ok(emails.length >= 20, `found ${emails.length} messages`);
  for (const file of emails) assert.equal(sniffContent(readFileSync(join(corpus, file)).subarray(0, 4096)), mboxFiles.has(file) ? 'mbox' : 'email', file);
  for (const file of findFiles(corpus, /\.xml$/)) {
    const bytes = readFileSync(join(corpus, file));
    const kind = sniffContent(bytes.subarray(0, 4096));
    // A few files are git symbolic links saved as their target's path (`../schema/x.xml`): not XML.
    const symlinkText = /^\.\.\/[\w./-]+$/.test(bytes.toString('latin1'));
    assert.equal(kind, file === 'parsedmarc/empty.xml' ? 'empty' : symlinkText ? 'unknown' : 'xml', file);
  }
});
