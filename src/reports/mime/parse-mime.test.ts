import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { defaultLimits } from '../../core/limits.js';
import type { MimeEntity } from './mime-entity.js';
import { decodeEncodedWords, headerValue, headerValues, parseMime, walkEntities } from './parse-mime.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/mime/${name}`, import.meta.url));
const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (body: Uint8Array): string => Buffer.from(body).toString('utf8');
const toCrlf = (input: Uint8Array): Buffer => Buffer.from(Buffer.from(input).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

function parse(input: Uint8Array, limits = defaultLimits): MimeEntity {
  const result = parseMime(input, limits, 'test.eml');
  assert.equal(result.rejection, undefined, JSON.stringify(result.rejection));
  assert.ok(result.entity);
  return result.entity;
}

function outline(entity: MimeEntity): string[] {
  return [...walkEntities(entity)].map((e) => `${e.path || '-'} ${e.contentType} ${e.children.length}`);
}

test('RFC 2047 subject and From, RFC 2231 file names, quoted-printable and unpadded base64 parts', () => {
  const message = parse(fixture('rfc2047-rfc2231.eml'));
  assert.equal(message.contentType, 'multipart/mixed');
  assert.equal(
    decodeEncodedWords(headerValue(message, 'subject') ?? ''),
    'Prüfbericht für example.com and Grüße =?x-unknown-charset?Q?left_alone?= =?UTF-8?B?@@@?=',
  );
  assert.equal(decodeEncodedWords(headerValue(message, 'from') ?? ''), 'René Exemple <rene@example.org>');
  const [plain, attachment, named] = message.children;
  assert.ok(plain && attachment && named);
  assert.equal(plain.path, '1');
  assert.equal(plain.transferEncoding, 'quoted-printable');
  assert.equal(Buffer.from(plain.body).toString('latin1'), 'Voil\xe0 le rapport. \nSoft break.\n');
  assert.equal(attachment.disposition, 'attachment');
  assert.equal(attachment.filename, 'été-report.xml', 'Content-Disposition filename (RFC 2231 continuations) wins over Content-Type name');
  assert.equal(attachment.contentTypeParams.name, 'rapport été.xml');
  assert.equal(text(attachment.body), '<feedback/>');
  assert.equal(named.filename, 'plain "quoted" name.txt');
  assert.equal(named.contentTypeParams.name, '=?UTF-8?B?w6l0w6kudHh0?=', 'parameters stay as sent; only filename is RFC 2047-decoded');
  assert.equal(text(named.body), 'plain');
});

test('message/rfc822 is parsed into children[0] and its body kept; parts numbered IMAP style', () => {
  const message = parse(fixture('nested-message-rfc822.eml'));
  assert.deepEqual(outline(message), [
    '- multipart/mixed 2',
    '1 text/plain 0',
    '2 message/rfc822 1',
    '2 multipart/mixed 2',
    '2.1 text/plain 0',
    '2.2 application/xml 0',
  ]);
  const forwarded = message.children[1];
  assert.ok(forwarded);
  assert.ok(text(forwarded.body).startsWith('From: noreply-dmarc@example.net\n'));
  const inner = forwarded.children[0];
  assert.ok(inner);
  assert.equal(headerValue(inner, 'subject'), 'Report Domain: example.com Submitter: example.net');
  const [innerText, xml] = inner.children;
  assert.equal(text(innerText?.body ?? new Uint8Array()), 'Aggregate report – see attachment.\n');
  assert.equal(xml?.filename, 'example.net!example.com!1719792000!1719878399.xml');
  assert.match(text(xml?.body ?? new Uint8Array()), /^<\?xml version="1.0"\?>\n<feedback><report_metadata><org_name>example.net<\/org_name>/);
});

test('CRLF and LF versions of a message give the same tree and bodies', () => {
  const lf = parse(fixture('nested-message-rfc822.eml'));
  const crlf = parse(toCrlf(fixture('nested-message-rfc822.eml')));
  assert.deepEqual(outline(crlf), outline(lf));
  const leaves = (m: MimeEntity): string[] => [...walkEntities(m)].filter((e) => e.children.length === 0).map((e) => text(e.body).replace(/\r\n/g, '\n'));
  assert.deepEqual(leaves(crlf), leaves(lf));
  assert.deepEqual(crlf.headers, lf.headers);
});

test('RFC 2046 §5.1.1: missing close delimiter tolerated with a warning (CRLF file, folded boundary parameter)', () => {
  const result = parseMime(fixture('multipart-crlf-unterminated.eml'), defaultLimits, 'crlf.eml');
  assert.ok(result.entity);
  assert.deepEqual(result.entity.children.map((c) => text(c.body)), ['first part\r\nline two', 'second part']);
  assert.deepEqual(result.warnings.map((w) => [w.code, w.location]), [['mime-unterminated-multipart', 'crlf.eml > message']]);
});

test('single-part application/gzip body (base64) decodes to the gzip bytes', () => {
  const xml = '<?xml version="1.0"?><feedback><report_metadata><org_name>example.net</org_name></report_metadata></feedback>';
  const gzip = gzipSync(Buffer.from(xml));
  const wrapped = gzip.toString('base64').replace(/.{1,76}/g, '$&\r\n');
  const message = [
    'From: noreply-dmarc@example.net',
    'To: dmarc@example.com',
    'Subject: Report Domain: example.com Submitter: example.net Report-ID: 1',
    'MIME-Version: 1.0',
    'Content-Type: application/gzip; name="example.net!example.com!1!2.xml.gz"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="example.net!example.com!1!2.xml.gz"',
    '',
    wrapped,
  ].join('\r\n');
  const entity = parse(bytes(message));
  assert.equal(entity.contentType, 'application/gzip');
  assert.equal(entity.children.length, 0);
  assert.equal(entity.filename, 'example.net!example.com!1!2.xml.gz');
  assert.deepEqual(Buffer.from(entity.body), gzip);
  assert.equal(gunzipSync(entity.body).toString(), xml);
});

test('RFC 2046 §5.1.1: preamble and epilogue ignored, transport padding after delimiters, longer boundary that starts with ours', () => {
  const message = [
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    'preamble --b not a delimiter',
    '--b  ',
    '',
    'one',
    '--bb',
    'still one',
    '--b',
    'Content-Type: text/html',
    '',
    '<p>two</p>',
    '--b--  trailing',
    'epilogue',
  ].join('\n');
  const entity = parse(bytes(message));
  assert.deepEqual(entity.children.map((c) => [c.contentType, text(c.body)]), [
    ['text/plain', 'one\n--bb\nstill one'],
    ['text/html', '<p>two</p>'],
  ]);
});

test('RFC 2046 §5.1.5: multipart/digest parts default to message/rfc822', () => {
  const message = ['Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: inner', '', 'hi', '--d--'].join('\n');
  const entity = parse(bytes(message));
  const part = entity.children[0];
  assert.equal(part?.contentType, 'message/rfc822');
  assert.equal(part && headerValue(part.children[0] ?? part, 'subject'), 'inner');
});

test('RFC 2045 §5.2: no Content-Type means text/plain; 7bit when no Content-Transfer-Encoding', () => {
  const entity = parse(bytes('Subject: x\n\nhello\n'));
  assert.equal(entity.contentType, 'text/plain');
  assert.equal(entity.transferEncoding, '7bit');
  assert.deepEqual(entity.contentTypeParams, {});
  assert.equal(text(entity.body), 'hello\n');
});

test('a leading mbox "From " envelope line and blank lines are skipped', () => {
  const entity = parse(bytes('\nFrom dmarc@example.net Tue Apr 30 02:09:16 2024\nSubject: x\n\nbody'));
  assert.equal(headerValue(entity, 'subject'), 'x');
  assert.equal(text(entity.body), 'body');
});

test('warnings: multipart without boundary, unknown transfer encoding, invalid Content-Type', () => {
  const noBoundary = parseMime(bytes('Content-Type: multipart/mixed\n\n--x\n\nbody\n--x--\n'), defaultLimits);
  assert.deepEqual(noBoundary.warnings.map((w) => w.code), ['mime-boundary-missing']);
  assert.equal(noBoundary.entity?.children.length, 0);
  const missingDelimiter = parseMime(bytes('Content-Type: multipart/mixed; boundary=zz\n\n--x\n\nbody\n'), defaultLimits);
  assert.deepEqual(missingDelimiter.warnings.map((w) => w.code), ['mime-boundary-missing']);
  const unknown = parseMime(bytes('Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n'), defaultLimits);
  assert.deepEqual(unknown.warnings.map((w) => w.code), ['mime-unknown-encoding']);
  assert.equal(text(unknown.entity?.body ?? new Uint8Array()), 'begin 644 a\n');
  const invalidType = parseMime(bytes('Content-Type: garbage\n\nx'), defaultLimits);
  assert.deepEqual(invalidType.warnings.map((w) => w.code), ['mime-content-type-invalid']);
  assert.equal(invalidType.entity?.contentType, 'text/plain');
});

test('rejections: no header block, empty input (mime-malformed)', () => {
  for (const input of ['just some text\nwithout headers\n', '', '\n\n']) {
    const result = parseMime(bytes(input), defaultLimits, 'x.eml');
    assert.equal(result.entity, undefined);
    assert.equal(result.rejection?.code, 'mime-malformed', JSON.stringify(input));
    assert.equal(result.rejection?.location, 'x.eml');
  }
});

test('limits: more parts than maxMimeParts -> mime-malformed', () => {
  const parts = Array.from({ length: 10 }, (_, i) => `--p\n\npart ${i}`).join('\n');
  const message = bytes(`Content-Type: multipart/mixed; boundary=p\n\n${parts}\n--p--\n`);
  assert.equal(parseMime(message, { ...defaultLimits, maxMimeParts: 11 }).entity?.children.length, 10);
  const refused = parseMime(message, { ...defaultLimits, maxMimeParts: 5 });
  assert.equal(refused.entity, undefined);
  assert.equal(refused.rejection?.code, 'mime-malformed');
  assert.match(refused.rejection?.message ?? '', /more than 5 MIME parts/);
});

test('limits: nesting deeper than maxNestingDepth -> nesting-too-deep', () => {
  let message = 'Subject: innermost\n\nbody\n';
  for (let i = 0; i < 4; i++) message = `Content-Type: message/rfc822\n\n${message}`;
  assert.ok(parseMime(bytes(message), { ...defaultLimits, maxNestingDepth: 4 }).entity);
  const refused = parseMime(bytes(message), { ...defaultLimits, maxNestingDepth: 3 });
  assert.equal(refused.rejection?.code, 'nesting-too-deep');
});

test('walkEntities visits depth-first, parents first; headerValues lists repeated fields', () => {
  const message = parse(fixture('nested-message-rfc822.eml'));
  assert.deepEqual([...walkEntities(message)].map((e) => e.path), ['', '1', '2', '2', '2.1', '2.2']);
  const inner = message.children[1]?.children[0];
  assert.ok(inner);
  assert.deepEqual(headerValues(inner, 'to'), ['dmarc@example.com']);
});

test('a 30 MB base64 attachment is parsed from bytes in reasonable time', () => {
  const payload = Buffer.alloc(30 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
  const encoded = payload.toString('base64').replace(/.{76}/g, '$&\r\n');
  const message = Buffer.concat([
    bytes('Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--big\r\n'),
    bytes('Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
    Buffer.from(encoded, 'latin1'),
    bytes('\r\n--big--\r\n'),
  ]);
  const started = performance.now();
  const entity = parse(message);
  const elapsed = performance.now() - started;
  const attachment = entity.children[1];
  assert.equal(attachment?.body.length, payload.length);
  assert.ok(attachment && Buffer.from(attachment.body).equals(payload));
  assert.ok(elapsed < 5000, `took ${Math.round(elapsed)} ms`);
});
