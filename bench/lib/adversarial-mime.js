/**
 * Hostile e-mail shapes of any size, for the linear-time test (test/adversarial-mime.test.ts)
 * and the benchmark (bench/adversarial-mime.js). Each shape makes one message (or mbox file) of
 * about `size` bytes whose cost grows with one thing a parser might handle in super-linear time:
 * long or folded header lines, parameters with and without `=`, RFC 2231 sections, encoded words,
 * comments, nesting, tiny parts, long boundaries, base64 with garbage, quoted-printable escapes,
 * mbox `From ` lines. Deterministic: the same size gives the same bytes.
 */
import { Buffer } from 'node:buffer';

const HEAD = 'From: reports@example.net\r\nTo: dmarc@example.com\r\nSubject: hostile\r\nMessage-ID: <hostile@example.net>\r\n';

/** `unit` repeated to about `size` bytes. */
const fill = (unit, size) => unit.repeat(Math.max(1, Math.floor(size / unit.length)));
const latin1 = (text) => Buffer.from(text, 'latin1');

/** A small valid aggregate report: the shapes that carry one must still give it. */
export const REPORT_XML =
  '<?xml version="1.0"?><feedback><report_metadata><org_name>example.net</org_name><email>r@example.net</email>' +
  '<report_id>hostile-1</report_id><date_range><begin>1741564800</begin><end>1741651199</end></date_range></report_metadata>' +
  '<policy_published><domain>example.com</domain><p>none</p></policy_published><record><row><source_ip>192.0.2.1</source_ip>' +
  '<count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>' +
  '<identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>example.com</domain>' +
  '<result>pass</result></spf></auth_results></record></feedback>';

/** A multipart/mixed message whose second part is the report, as XML. */
const withReport = (headers, firstPart) =>
  `${HEAD}${headers}Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n${firstPart}\r\n--b1\r\nContent-Type: text/xml\r\n\r\n${REPORT_XML}\r\n--b1--\r\n`;

/**
 * name → { make(size): Uint8Array, mbox?: true, what }. `make` gives about `size` bytes.
 */
export const SHAPES = {
  'long-header-line': {
    what: 'one Subject line of the whole size',
    make: (size) => latin1(withReport(`X-Long: ${fill('a', size)}\r\n`, 'Content-Type: text/plain\r\n\r\nhello')),
  },
  'folded-header': {
    what: 'one field folded over many short lines',
    make: (size) => latin1(withReport(`X-Folded: a${fill('\r\n a', size)}\r\n`, 'Content-Type: text/plain\r\n\r\nhello')),
  },
  'many-header-fields': {
    what: 'many short header fields',
    make: (size) => latin1(withReport(fill('X-A: b\r\n', size), 'Content-Type: text/plain\r\n\r\nhello')),
  },
  'params-without-equals': {
    what: 'Content-Type: text/plain; x; x; … (the quadratic case of issue 12)',
    make: (size) => latin1(withReport('', `Content-Type: text/plain${fill('; x', size)}\r\n\r\nhello`)),
  },
  'params-with-equals': {
    what: 'Content-Disposition with many a=b parameters (past the 1,000 read)',
    make: (size) => latin1(withReport('', `Content-Type: text/plain\r\nContent-Disposition: inline${fill('; a=b', size)}\r\n\r\nhello`)),
  },
  'params-long-quoted': {
    what: 'parameters with long quoted values full of backslash escapes',
    make: (size) => latin1(withReport('', `Content-Type: text/plain${fill(`; n="${'\\"'.repeat(500)}"`, size)}\r\n\r\nhello`)),
  },
  'params-unclosed-quotes': {
    what: 'parameters whose values open quotes that never close',
    make: (size) => latin1(withReport('', `Content-Type: text/plain; a=${fill('"x;', size)}\r\n\r\nhello`)),
  },
  'rfc2231-segments': {
    what: '1,000 RFC 2231 sections of one file name, percent-encoded',
    make: (size) => {
      const each = '%41'.repeat(Math.max(1, Math.floor(size / 1000 / 3)));
      const sections = Array.from({ length: 1000 }, (_, i) => `;\r\n filename*${999 - i}*=${i === 999 ? "utf-8''" : ''}${each}`).join('');
      return latin1(withReport('', `Content-Type: text/plain\r\nContent-Disposition: attachment${sections}\r\n\r\nhello`));
    },
  },
  'rfc2231-star-names': {
    what: 'parameter names full of `*` and digits',
    make: (size) => latin1(withReport('', `Content-Type: text/plain; ${fill('a*1*2', size)}=x\r\n\r\nhello`)),
  },
  'encoded-words': {
    what: 'a file name of many RFC 2047 encoded words, charsets alternating',
    make: (size) => latin1(withReport('', `Content-Type: text/plain; name="${fill('=?utf-8?Q?a=C3=A9?= =?iso-8859-1?B?6Q==?= ', size)}"\r\n\r\nhello`)),
  },
  'encoded-words-broken': {
    what: 'many `=?` openings that never close',
    make: (size) => latin1(withReport('', `Content-Type: text/plain; name="${fill('=?utf-8?Q?', size)}"\r\n\r\nhello`)),
  },
  'comments-nested': {
    what: 'Content-Transfer-Encoding of unclosed `(` (a quadratic regex before)',
    make: (size) => latin1(withReport('', `Content-Type: text/plain\r\nContent-Transfer-Encoding: ${fill('(', size)}\r\n\r\nhello`)),
  },
  'comments-many': {
    what: 'Content-Type with many (comments)',
    make: (size) => latin1(withReport('', `Content-Type: text/plain${fill(' (c (d) e)', size)}; charset=us-ascii\r\n\r\nhello`)),
  },
  'deep-nesting': {
    what: 'multiparts nested far past the limit, then padding',
    make: (size) => {
      let open = '';
      for (let i = 0; i < 100; i++) open += `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n`;
      return latin1(`${HEAD}${open}\r\n${fill('x', size)}\r\n`);
    },
  },
  'nesting-at-limit': {
    what: 'multiparts nested to the depth limit, a large part at the bottom',
    make: (size) => {
      let open = '';
      let close = '';
      for (let i = 0; i < 5; i++) {
        open += `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n`;
        close = `\r\n--n${i}--\r\n${close}`;
      }
      return latin1(`${HEAD}${open}Content-Type: text/plain\r\n\r\n${fill('--n4x\r\n', size)}${close}`);
    },
  },
  'many-tiny-parts': {
    what: '480 tiny parts (under the 500-part limit), padded to the size by their preamble',
    make: (size) => latin1(`${HEAD}Content-Type: multipart/mixed; boundary="b"\r\n\r\n${fill('preamble\r\n', size)}${'--b\r\n\r\nx\r\n'.repeat(480)}--b--\r\n`),
  },
  'too-many-parts': {
    what: 'tiny parts far past the part limit',
    make: (size) => latin1(`${HEAD}Content-Type: multipart/mixed; boundary="b"\r\n\r\n${fill('--b\r\n\r\nx\r\n', size)}--b--\r\n`),
  },
  'delimiter-lookalikes': {
    what: 'many lines that start like the delimiter but are not',
    make: (size) => latin1(`${HEAD}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${fill('--bx --b--b\r\n', size)}\r\n--b--\r\n`),
  },
  'long-boundary': {
    what: 'a boundary of a quarter of the size, a body of near-misses',
    make: (size) => {
      const boundary = 'a'.repeat(Math.max(1, Math.floor(size / 4)));
      return latin1(`${HEAD}Content-Type: multipart/mixed; boundary="${boundary}b"\r\n\r\n--${'a'.repeat(Math.floor(size / 2))}\r\n--${boundary}b--\r\n`);
    },
  },
  'base64-garbage': {
    what: 'base64 padding after every two characters, and bytes outside the alphabet',
    make: (size) => latin1(withReport('', `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n${fill('QQ=!*\r\n', size)}`)),
  },
  'quoted-printable-escapes': {
    what: 'quoted-printable with `=` before runs of blanks, soft breaks and bad escapes',
    make: (size) => latin1(withReport('', `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${fill('= \t =\r\n=ZZ=41  \t\r\n', size)}`)),
  },
  'text-like-xml': {
    what: 'a readable text part starting with `<`, tried as a report and ignored',
    make: (size) => latin1(withReport('', `Content-Type: text/plain\r\n\r\n<${fill('not xml <', size)}`)),
  },
  'mbox-from-lines': {
    what: 'an mbox whose one message has many body lines starting `From ` and `>From `',
    mbox: true,
    make: (size) => latin1(`From reports@example.net Mon Mar 10 00:00:00 2025\r\n${withReport('', `Content-Type: text/plain\r\n\r\n${fill('>From here\r\nFrom there\r\n', size)}`)}`),
  },
  'mbox-many-messages': {
    what: 'an mbox of many small messages (1 KiB each)',
    mbox: true,
    make: (size) => latin1(fill(`From a@example.net Mon Mar 10 00:00:00 2025\r\nSubject: x\r\n\r\n${'x'.repeat(960)}\r\n\r\n`, size)),
  },
};
