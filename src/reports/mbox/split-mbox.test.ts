import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { defaultLimits } from '../../core/limits.js';
import { isInputRejected } from '../../core/input-rejected.js';
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

test('splitMbox: a message larger than maxBufferedBytes -> input-too-large naming the message', async () => {
  const big = `From a@example.com Mon Jul  1 00:00:00 2024\nSubject: small\n\nok\n\nFrom b@example.com Mon Jul  1 00:00:00 2024\nSubject: big\n\n${'x'.repeat(500)}\n`;
  const limits = { ...defaultLimits, maxBufferedBytes: 200 };
  const seen: number[] = [];
  await assert.rejects(
    async () => {
      for await (const message of splitMbox(chunked(Buffer.from(big), 32), limits)) seen.push(message.index);
    },
    (error: unknown) => {
      assert.ok(isInputRejected(error));
      assert.equal(error.rejection.code, 'input-too-large');
      assert.match(error.rejection.message, /^Message 2 of the mbox file/);
      return true;
    },
  );
  assert.deepEqual(seen, [0]);
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
