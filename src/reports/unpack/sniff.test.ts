import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import type { ContentKind } from './sniff.js';
import { sniffContent } from './sniff.js';
import { makeZip } from './zip-writer.test-helper.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const utf16 = (s: string, bom: 'le' | 'be'): Uint8Array => {
  const le = Buffer.from(s, 'utf16le');
  if (bom === 'le') return Buffer.concat([bytes(0xff, 0xfe), le]);
  return Buffer.concat([bytes(0xfe, 0xff), le.swap16()]);
};

const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata/></feedback>\n';
const email = 'Return-Path: <dmarc@example.net>\r\nReceived: from mx.example.net\r\n\tby mx.example.com\r\nSubject: Report\r\n\r\nbody\r\n';

const cases: [string, Uint8Array, ContentKind][] = [
  ['zero bytes', new Uint8Array(0), 'empty'],
  ['only white space', text(' \r\n\t\n'), 'empty'],
  ['UTF-8 BOM and white space only', bytes(0xef, 0xbb, 0xbf, 0x0a), 'empty'],
  ['gzip magic 1f 8b (RFC 1952 §2.3.1)', gzipSync(xml), 'gzip'],
  ['gzip magic alone', bytes(0x1f, 0x8b), 'gzip'],
  ['zip local file header PK\\3\\4 (APPNOTE §4.3.7)', makeZip([{ name: 'a.xml', data: text(xml) }]), 'zip'],
  ['empty zip archive PK\\5\\6 (EOCD only)', makeZip([]), 'zip'],
  ['XML declaration', text(xml), 'xml'],
  ['XML without declaration after blank lines', text('\r\n\r\n  <feedback/>'), 'xml'],
  ['XML after a UTF-8 BOM', Buffer.concat([bytes(0xef, 0xbb, 0xbf), text(xml)]), 'xml'],
  ['XML in UTF-16LE with BOM', utf16(xml, 'le'), 'xml'],
  ['XML in UTF-16BE with BOM', utf16(`  ${xml}`, 'be'), 'xml'],
  ['XML in UTF-16LE without BOM', Buffer.from(xml, 'utf16le'), 'xml'],
  ['JSON object (RFC 8460 §4)', text('{"organization-name":"Example"}'), 'json'],
  ['JSON after BOM and white space', Buffer.concat([bytes(0xef, 0xbb, 0xbf), text('\n {}')]), 'json'],
  ['JSON in UTF-16LE with BOM', utf16('{"a":1}', 'le'), 'json'],
  ['mbox "From " separator line', text('From dmarc@example.net Mon Jan  1 00:00:00 2024\nReturn-Path: <a@example.net>\n'), 'mbox'],
  ['"From " without a second line is not mbox', text('From dmarc@example.net Mon Jan  1 00:00:00 2024'), 'unknown'],
  ['e-mail starting with Return-Path (RFC 5322 §2.2)', text(email), 'email'],
  ['e-mail starting with a folded Received field', text('Received: from a\n by b\nFrom: x@example.com\n'), 'email'],
  ['e-mail starting with X- header', text('X-Mailer: test\nMIME-Version: 1.0\n\nbody'), 'email'],
  ['e-mail starting with Delivered-To', text('Delivered-To: dmarc@example.com\r\nFrom: a@example.net\r\n'), 'email'],
  ['one header line then prose is not e-mail', text('Note: this is text\nand more text\n'), 'unknown'],
  ['base64 of gzip (H4sI...)', text(gzipSync(xml).toString('base64')), 'base64'],
  ['base64 of zip, wrapped at 76 columns', text(Buffer.from(makeZip([{ name: 'a.xml', data: text(xml) }])).toString('base64').replace(/.{76}/g, '$&\r\n')), 'base64'],
  ['base64 of XML', text(Buffer.from(xml).toString('base64')), 'base64'],
  ['base64 of JSON after white space', text(`\n${Buffer.from('{"policies":[]}').toString('base64')}\n`), 'base64'],
  ['base64 alphabet text that decodes to nothing known', text('SGVsbG8gd29ybGQ='), 'unknown'],
  ['plain words are not base64', text('hello world this is text'), 'unknown'],
  ['PDF', text('%PDF-1.7\n'), 'unknown'],
  ['PK but not a zip signature', text('PKxx'), 'unknown'],
];

for (const [name, input, expected] of cases) {
  test(`sniffContent: ${name} -> ${expected}`, () => {
    assert.equal(sniffContent(input.subarray(0, 4096)), expected);
  });
}

test('sniffContent: a zip named .gz is still a zip (content, never name)', () => {
  const zip = makeZip([{ name: 'report.xml.gz', data: text(xml), method: 'deflate' }]);
  assert.equal(sniffContent(zip), 'zip');
});
