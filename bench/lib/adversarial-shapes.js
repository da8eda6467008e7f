/**
 * Hostile XML shapes for the aggregate parser, each at any size: the inputs of
 * bench/adversarial-xml.js and test/xml-linear-time.test.ts. A linear parser takes about the same
 * time per byte at every size; a quadratic step (a backtracking regular expression, a search
 * restarted from the start of the buffer, a buffer re-joined on every chunk) shows as time per
 * byte that grows with the size. Most shapes are refused in the end (malformed, or past a limit):
 * what counts is how long the parser takes to get there.
 *
 * `make(size)` returns the document as a string of about `size` characters.
 */

const NS = 'urn:ietf:params:xml:ns:dmarc-2.0';

const HEAD =
  '<report_metadata><org_name>adversarial.example</org_name><email>dmarc@adversarial.example</email><report_id>adv-1</report_id>' +
  '<date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>' +
  '<policy_published><domain>example.com</domain><p>none</p></policy_published>';

const RECORD =
  '<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition>' +
  '<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers>' +
  '<auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>';

/** `unit` repeated to fill about `size` characters once `fixed` characters are taken. */
const fill = (unit, size, fixed = 0) => unit.repeat(Math.max(1, Math.floor((size - fixed) / unit.length)));

/** A whole report whose `place` ('head', 'org_name', 'record' ...) holds `body`. */
function report(body, { root = `<feedback xmlns="${NS}">`, place = 'record' } = {}) {
  const head = place === 'org_name' ? HEAD.replace('adversarial.example</org_name>', `${body}</org_name>`) : HEAD;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}${head}${place === 'record' ? body : ''}${RECORD}</feedback>`;
}

export const SHAPES = [
  {
    name: 'records',
    what: 'an ordinary report: many small records (the baseline)',
    make: (size) => report(fill(RECORD, size, 600)),
  },
  {
    name: 'attribute-run-no-equals',
    what: 'the start tag of <feedback xmlns=...> holds one long run of name characters without "=" (issue 12: 256 KiB took 63 s)',
    make: (size) => `<feedback xmlns="${NS}" ${'a'.repeat(size)}>${HEAD}${RECORD}</feedback>`,
  },
  {
    name: 'attribute-run-with-equals',
    what: 'one attribute whose name is a long run of name characters, with "=" and a value',
    make: (size) => report('', { root: `<feedback xmlns="${NS}" ${'a'.repeat(size)}="1">` }),
  },
  {
    name: 'attribute-value-long',
    what: 'one attribute with a long quoted value full of references and white space',
    make: (size) => report('', { root: `<feedback xmlns="${NS}" note="${fill('a&amp;\t', size)}">` }),
  },
  {
    name: 'many-attributes',
    what: 'a start tag with tens of thousands of distinct attributes',
    make: (size) => {
      const count = Math.floor(size / 12);
      let attributes = '';
      for (let i = 0; i < count; i++) attributes += ` a${i.toString(36)}="1"`;
      return report('', { root: `<feedback xmlns="${NS}"${attributes}>` });
    },
  },
  {
    name: 'many-namespace-declarations',
    what: 'thousands of xmlns:p declarations on the root, and on every record, with prefixed names looked up through them',
    make: (size) => {
      const count = Math.floor(size / 60);
      let declarations = '';
      for (let i = 0; i < count; i++) declarations += ` xmlns:p${i.toString(36)}="urn:x:${i}"`;
      const record = `<d:record xmlns:v="urn:vendor"><d:row><d:source_ip>192.0.2.1</d:source_ip><d:count>1</d:count></d:row><v:x/></d:record>`;
      return `<d:feedback xmlns:d="${NS}"${declarations}>${HEAD.replace(/<(\/?)([a-z_]+)>/g, '<$1d:$2>')}${fill(record, size / 2)}</d:feedback>`;
    },
  },
  {
    name: 'long-element-name',
    what: 'an element whose name is one long run of name characters',
    make: (size) => report(`<${'n'.repeat(size)}/>`),
  },
  {
    name: 'long-close-tag',
    what: 'a close tag with a long name that matches nothing',
    make: (size) => report(`<x></${'n'.repeat(size)}>`),
  },
  {
    name: 'deep-nesting',
    what: 'elements nested 60 deep, over and over',
    make: (size) => report(fill(`${'<a>'.repeat(60)}${'</a>'.repeat(60)}`, size)),
  },
  {
    name: 'many-tiny-elements',
    what: 'a skipped element holding a great many empty elements',
    make: (size) => report(`<vendor>${fill('<x/>', size)}</vendor>`),
  },
  {
    name: 'text-split-by-comments',
    what: 'org_name made of a great many one-character text runs between empty comments (issue 12: a 100 MB org_name)',
    make: (size) => report(fill('x<!---->', size), { place: 'org_name' }),
  },
  {
    name: 'text-split-by-cdata',
    what: 'org_name made of a great many tiny CDATA sections',
    make: (size) => report(fill('<![CDATA[x]]>', size), { place: 'org_name' }),
  },
  {
    name: 'entity-reference-run',
    what: 'org_name made of one long run of &amp; references',
    make: (size) => report(fill('&amp;', size), { place: 'org_name' }),
  },
  {
    name: 'character-reference-run',
    what: 'org_name made of one long run of character references',
    make: (size) => report(fill('&#x41;&#66;', size), { place: 'org_name' }),
  },
  {
    name: 'ampersand-run',
    what: 'org_name made of one long run of bare "&" (each one a possible reference)',
    make: (size) => report(fill('a&', size), { place: 'org_name' }),
  },
  {
    name: 'long-comment',
    what: 'one long comment',
    make: (size) => report(`<!--${'c'.repeat(size)}-->`),
  },
  {
    name: 'comment-of-dashes',
    what: 'one long comment of dashes (each one a possible start of "-->")',
    make: (size) => report(`<!--${'-'.repeat(size)} -->`),
  },
  {
    name: 'long-processing-instruction',
    what: 'one long processing instruction full of "?"',
    make: (size) => report(`<?pi ${'?'.repeat(size)} ?>`),
  },
  {
    name: 'cdata-of-brackets',
    what: 'one long CDATA section of "]" (each one a possible start of "]]>") in a kept value',
    make: (size) => report(`<![CDATA[${']'.repeat(size)}]]>`, { place: 'org_name' }),
  },
  {
    name: 'unclosed-quote',
    what: 'a start tag whose attribute value never ends',
    make: (size) => `<feedback xmlns="${NS}" a="${'v'.repeat(size)}`,
  },
  {
    name: 'long-skipped-text',
    what: 'one long text run in an element nobody reads',
    make: (size) => report(`<vendor>${'t'.repeat(size)}</vendor>`),
  },
];

/** Hands `bytes` to `write` `chunkSize` bytes at a time, as a file or a gunzip stream would. */
export function chunked(bytes, chunkSize, write) {
  for (let i = 0; i < bytes.length; i += chunkSize) write(bytes.subarray(i, i + chunkSize));
}
