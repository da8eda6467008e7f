import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEncodedWords } from './encoded-words.js';

const cases: [string, string, string][] = [
  ['RFC 2047 §4.1 B encoding', '=?UTF-8?B?UmVjaG51bmcgZsO8cg==?=', 'Rechnung für'],
  ['RFC 2047 §4.2 Q encoding, underscore is a space', '=?ISO-8859-1?Q?Andr=E9_Exemple?=', 'André Exemple'],
  ['RFC 2047 §4.2 lower-case hex and lower-case q', '=?iso-8859-1?q?caf=e9?=', 'café'],
  ['RFC 2047 §6.2 white space between adjacent words is dropped', '=?UTF-8?Q?a?= =?UTF-8?Q?b?=', 'ab'],
  ['RFC 2047 §6.2 folding white space between words is dropped', '=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=', 'ab'],
  ['RFC 2047 §6.2 text between words is kept', '=?UTF-8?Q?a?= and =?UTF-8?Q?b?=', 'a and b'],
  ['plain text around words is kept', 'Re: =?UTF-8?B?w6l0w6k=?= report', 'Re: été report'],
  ['a multi-byte character split across two words is joined', '=?UTF-8?B?R3LD?= =?UTF-8?B?vMOfZQ==?=', 'Grüße'],
  ['adjacent words in different charsets', '=?ISO-8859-1?Q?=E9?= =?UTF-8?B?w6k=?=', 'éé'],
  ['RFC 2231 §5 language suffix on the charset', '=?UTF-8*en?Q?hello?=', 'hello'],
  ['windows-1250 (any charset TextDecoder knows)', '=?windows-1250?Q?=8A?=', 'Š'],
  ['unknown charset: word left as is', '=?x-unknown?Q?abc?=', '=?x-unknown?Q?abc?='],
  ['malformed B text: word left as is', '=?UTF-8?B?@@@?=', '=?UTF-8?B?@@@?='],
  ['malformed Q escape: word left as is', '=?UTF-8?Q?bad=ZZ?=', '=?UTF-8?Q?bad=ZZ?='],
  ['malformed word between good ones keeps its spaces', '=?UTF-8?Q?a?= =?x-unknown?Q?b?= =?UTF-8?Q?c?=', 'a =?x-unknown?Q?b?= c'],
  ['no encoded words: unchanged', 'Plain subject =? not a word', 'Plain subject =? not a word'],
];

for (const [name, input, expected] of cases) {
  test(`decodeEncodedWords: ${name}`, () => {
    assert.equal(decodeEncodedWords(input), expected);
  });
}
