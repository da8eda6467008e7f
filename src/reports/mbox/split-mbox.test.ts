import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { defaultLimits } from '../../core/limits.js';
import type { Limits } from '../../core/limits.js';
import { looksLikeMbox, splitMbox } from './split-mbox.js';

const mbox = readFileSync(new URL('../../../test/fixtures/mime/three-messages.mbox', import.meta.url));

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield await Promise.resolve(bytes.subarray(i, i + size));
}

async function split(bytes: Uint8Array, size: number, limits: Limits = defaultLimits): Promise<{ index: number; text: string }[]> {
  const out: { index: number; text: string }[] = [];
  for await (const message of splitMbox(chunked(bytes, size), limits)) out.push({ index: message.index, text: Buffer.from(message.bytes).toString('utf8') });
  return out;
}

const expected = [
  { index: 0, text: 'From: dmarc@example.net\nTo: a@example.com\nSubject: first\n\nBody one\nFrom the desk of the first message.\n' },
  { index: 1, text: 'From: reports@example.org\nTo: b@example.com\nSubject: second\n\nBody two\n>From is quoted twice here.\n> From with a space after > stays as it is.\n' },
  { index: 2, text: 'From: other@example.com\nTo: c@example.com\nSubject: third\n\nBody three' },
];

// Chunk sizes that cut separator lines, `>From ` prefixes and line breaks at every position.
for (const size of [1, 2, 3, 5, 7, 13, 64, 1 << 20]) {
  test(`splitMbox: RFC 4155 three messages, mboxrd >From unquoting, chunks of ${size} bytes`, async () => {
    assert.deepEqual(await split(mbox, size), expected);
  });
}

test('splitMbox: CRLF mbox gives the same messages with CRLF kept inside', async () => {
  const crlf = Buffer.from(mbox.toString('utf8').replace(/\n/g, '\r\n'));
  const messages = await split(crlf, 7);
  assert.deepEqual(messages.map((m) => m.text.replace(/\r\n/g, '\n')), expected.map((m) => m.text));
  assert.ok(messages[0]?.text.includes('\r\nFrom the desk'));
});

test('splitMbox: "From " only counts at the start of a line; text before the first separator is a message', async () => {
  const input = Buffer.from('Subject: no separator first\n\nbody From x\n\nFrom a@example.com Mon Jul  1 00:00:00 2024\nSubject: two\n\nb\n');
  const messages = await split(input, 4);
  assert.deepEqual(messages.map((m) => m.text), ['Subject: no separator first\n\nbody From x\n', 'Subject: two\n\nb']);
});

test('splitMbox: empty input and separators without content yield nothing', async () => {
  assert.deepEqual(await split(Buffer.from(''), 5), []);
  assert.deepEqual(await split(Buffer.from('From a@example.com Mon Jul  1 00:00:00 2024\n\nFrom b@example.com Mon Jul  1 00:00:00 2024\n'), 3), []);
});

test('splitMbox: a message larger than maxBufferedBytes is yielded tooLarge (input-too-large, its first bytes kept), and the next messages still come', async () => {
  const big = `From a@example.com Mon Jul  1 00:00:00 2024\nSubject: small\n\nok\n\nFrom b@example.com Mon Jul  1 00:00:00 2024\nSubject: big\n\n${'x'.repeat(500)}\n\nFrom c@example.com Mon Jul  1 00:00:00 2024\nSubject: after\n\nok\n`;
  const limits = { ...defaultLimits, maxBufferedBytes: 200 };
  const seen: { index: number; text: string; size?: number; code?: string; message?: string }[] = [];
  for await (const message of splitMbox(chunked(Buffer.from(big), 32), limits)) {
    const text = Buffer.from(message.bytes).toString('utf8');
    seen.push(message.tooLarge ? { index: message.index, text: text.slice(0, 13), size: message.tooLarge.size, code: message.tooLarge.rejection.code, message: message.tooLarge.rejection.message } : { index: message.index, text });
  }
  assert.deepEqual(seen.map((m) => m.index), [0, 1, 2]);
  assert.equal(seen[0]?.text, 'Subject: small\n\nok\n');
  assert.equal(seen[1]?.code, 'input-too-large');
  assert.equal(seen[1]?.size, 'Subject: big\n\n'.length + 500 + 2, 'the size of the whole message, counted without keeping it');
  assert.equal(seen[1]?.text, 'Subject: big\n');
  assert.match(seen[1]?.message ?? '', /^Message 2 of the mbox file is 516 bytes, larger than 200 bytes, the most read into memory \(--max-buffered\)\.$/);
  assert.equal(seen[2]?.text, 'Subject: after\n\nok');
});

async function splitWithWarnings(bytes: Uint8Array, size: number): Promise<{ text: string; warnings: string[] }[]> {
  const out: { text: string; warnings: string[] }[] = [];
  for await (const message of splitMbox(chunked(bytes, size), defaultLimits)) {
    out.push({ text: Buffer.from(message.bytes).toString('utf8'), warnings: message.warnings.map((w) => `${w.code} ${w.location ?? ''} ${w.count ?? 1}`) });
  }
  return out;
}

// mboxo: body lines starting "From " were written unquoted. Such a line is a separator only when
// it looks like an envelope line and a header block follows it.
const mboxo = [
  'From a@example.com Mon Jul  1 00:00:00 2024',
  'From: a@example.com',
  'Subject: one',
  '',
  'Hello,',
  'From here on the report is attached.',
  'From a@example.com Mon Jul  1 00:00:00 2024',
  'was quoted by a person, then a blank line:',
  '',
  'From b@example.com Tue Jul  2 00:00:00 2024',
  'From: b@example.com',
  'Subject: two',
  '',
  'body two',
  '',
].join('\n');

for (const size of [1, 3, 7, 64, 1 << 20]) {
  test(`splitMbox: mboxo "From " body lines stay in their message, with a warning naming the line (chunks of ${size} bytes)`, async () => {
    const messages = await splitWithWarnings(Buffer.from(mboxo), size);
    assert.deepEqual(messages, [
      {
        text: 'From: a@example.com\nSubject: one\n\nHello,\nFrom here on the report is attached.\nFrom a@example.com Mon Jul  1 00:00:00 2024\nwas quoted by a person, then a blank line:\n',
        warnings: ['mbox-from-line-in-body line 6 1', 'mbox-from-line-in-body line 7 1'],
      },
      { text: 'From: b@example.com\nSubject: two\n\nbody two', warnings: [] },
    ]);
  });
}

test('splitMbox: the warning says which convention was assumed', async () => {
  const [first] = await splitWithWarnings(Buffer.from(mboxo), 5);
  assert.ok(first);
  const messages = (await (async () => {
    const out: string[] = [];
    for await (const m of splitMbox(chunked(Buffer.from(mboxo), 5), defaultLimits)) out.push(...m.warnings.map((w) => w.message));
    return out;
  })());
  assert.match(messages[0] ?? '', /^Line 6 of the mbox file starts with "From " but was kept as a line of this message.*not an envelope line.*mboxo/);
  assert.match(messages[1] ?? '', /^Line 7 .*no header block follows it \(mboxo/);
});

test('splitMbox: mboxcl Content-Length keeps a whole embedded message (envelope line, headers) inside the body', async () => {
  const body = 'Forwarded:\nFrom c@example.com Mon Jul  1 00:00:00 2024\nSubject: inner\n\ninner body\n';
  const input = `From a@example.com Mon Jul  1 00:00:00 2024\nSubject: outer\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}\nFrom b@example.com Tue Jul  2 00:00:00 2024\nSubject: next\n\nnext body\n`;
  for (const size of [1, 4, 1 << 20]) {
    const messages = await splitWithWarnings(Buffer.from(input), size);
    assert.deepEqual(messages.map((m) => m.text), [`Subject: outer\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`, 'Subject: next\n\nnext body'], `chunks of ${size}`);
    assert.deepEqual(messages.map((m) => m.warnings), [['mbox-from-line-in-body line 6 1'], []]);
  }
  // Without Content-Length the embedded message is one of its own (mboxrd would have quoted it).
  const plain = await splitWithWarnings(Buffer.from(input.replace(/Content-Length: \d+\n/, '')), 1 << 20);
  assert.equal(plain.length, 3);
});

test('splitMbox: a "From " line after nothing but blank lines is a separator; many body From lines are counted in one warning', async () => {
  const input = `\n\nFrom a@example.com Mon Jul  1 00:00:00 2024\nSubject: x\n\n${'From the body\n'.repeat(5)}`;
  const messages = await splitWithWarnings(Buffer.from(input), 3);
  assert.deepEqual(messages, [{ text: `Subject: x\n\n${'From the body\n'.repeat(5).slice(0, -1)}`, warnings: ['mbox-from-line-in-body line 6 5'] }]);
});

const sniffCases: [string, string, boolean][] = [
  ['RFC 4155 separator with address and asctime date', 'From dmarc@example.net Mon Jan  1 00:00:00 2024\nReturn-Path: <a@example.net>\n', true],
  ['MAILER-DAEMON separator', 'From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nSubject: x\n', true],
  ['CRLF separator', 'From a@example.net Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n', true],
  ['a From: header is an e-mail, not mbox', 'From: a@example.net\nSubject: x\n', false],
  ['"From " with prose, no date', 'From here on\nmore text\n', false],
  ['no second line', 'From a@example.net Mon Jan  1 00:00:00 2024', false],
  ['not at byte 0', ' From a@example.net Mon Jan  1 00:00:00 2024\nx\n', false],
];

for (const [name, input, result] of sniffCases) {
  test(`looksLikeMbox: ${name}`, () => {
    assert.equal(looksLikeMbox(Buffer.from(input)), result);
  });
}
