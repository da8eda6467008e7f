import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticLog } from '../../core/diagnostic.js';
import { defaultLimits } from '../../core/limits.js';
import type { Limits } from '../../core/limits.js';
import type { XmlAttribute, XmlHandler } from './xml-scanner.js';
import { XML_NAMESPACE, XmlScanner, readAttributes } from './xml-scanner.js';

/** Records every event; collects all text. */
class Recorder implements XmlHandler {
  readonly events: string[] = [];
  readonly collecting = true;
  open(local: string, namespace: string, name: string, attributes: readonly XmlAttribute[]): void {
    const attrs = attributes.map((a) => ` ${a.name}=${JSON.stringify(a.value)}`).join('');
    this.events.push(`<${local}|${namespace}|${name}${attrs}>`);
  }
  text(value: string): void {
    this.events.push(`text ${JSON.stringify(value)}`);
  }
  close(): void {
    this.events.push('</>');
  }
}

interface Scanned {
  events: string[];
  code: string | undefined;
  message: string | undefined;
  warnings: string[];
}

/** Scan `xml` written in chunks of `size` characters (all at once without `size`). */
function scan(xml: string, size?: number, limits: Limits = defaultLimits): Scanned {
  const recorder = new Recorder();
  const log = new DiagnosticLog();
  const scanner = new XmlScanner(recorder, limits, log);
  if (size === undefined) scanner.write(xml);
  else for (let i = 0; i < xml.length; i += size) scanner.write(xml.slice(i, i + size));
  scanner.end();
  return { events: recorder.events, code: scanner.rejection?.code, message: scanner.rejection?.message, warnings: log.list().map((w) => w.code) };
}

const ok = (xml: string): string[] => {
  const result = scan(xml);
  assert.equal(result.code, undefined, result.message);
  return result.events;
};

const refused = (xml: string, code = 'xml-malformed'): string => {
  const result = scan(xml);
  assert.equal(result.code, code, `expected ${code}, got ${result.code ?? 'no refusal'}: ${result.message ?? ''}`);
  return result.message ?? '';
};

// Attributes --------------------------------------------------------------

test('attributes: read in one pass, values normalised (XML 1.0 §3.3.3) and decoded', () => {
  assert.deepEqual(ok(`<a x="1" y = 'two words'\tz="a&amp;b&#x20;c\td\ne"/>`), [`<a||a x="1" y="two words" z="a&b c d e">`, '</>']);
  assert.deepEqual(readAttributes(' a="1"  b=\'2\' '), [{ name: 'a', value: '1' }, { name: 'b', value: '2' }]);
});

for (const [what, tag] of [
  ['a name without "=" (issue 12)', `<a ${'b'.repeat(50)}>`],
  ['a name followed by a value but no "="', '<a b "1">'],
  ['an unquoted value', '<a b=1>'],
  ['attributes not separated by white space', '<a b="1"c="2">'],
  ['the same attribute twice', '<a b="1" b="2">'],
  ['a "<" in a value', '<a b="<">'],
  ['a stray character', '<a b="1" %>'],
] as const) {
  test(`attributes: refused as malformed: ${what}`, () => {
    assert.match(refused(`${tag}</a>`), /start tag of <a>|attribute/);
  });
}

// Namespaces --------------------------------------------------------------

test('namespaces: default and prefixed declarations are inherited, shadowed and undeclared in nested scopes', () => {
  const events = ok(
    '<r xmlns="urn:d" xmlns:p="urn:p1"><a/><p:b/><c xmlns:p="urn:p2"><p:d/><e xmlns=""/></c><p:f/><xml:g/></r>',
  );
  assert.deepEqual(
    events.filter((e) => e.startsWith('<') && e !== '</>'),
    ['<r|urn:d|r xmlns="urn:d" xmlns:p="urn:p1">', '<a|urn:d|a>', '<b|urn:p1|p:b>', '<c|urn:d|c xmlns:p="urn:p2">', '<d|urn:p2|p:d>', '<e||e xmlns="">', '<f|urn:p1|p:f>', `<g|${XML_NAMESPACE}|xml:g>`],
  );
});

test('namespaces: a declaration applies to the element that carries it, and ends with it', () => {
  const events = ok('<r><v:x xmlns:v="urn:v"><v:y/></v:x><w xmlns="urn:w"/><z/></r>');
  assert.deepEqual(
    events.filter((e) => e.startsWith('<') && e !== '</>'),
    ['<r||r>', '<x|urn:v|v:x xmlns:v="urn:v">', '<y|urn:v|v:y>', '<w|urn:w|w xmlns="urn:w">', '<z||z>'],
  );
});

for (const [what, xml] of [
  ['an undeclared element prefix', '<r><v:x/></r>'],
  ['a prefix used outside the element that declared it', '<r><a xmlns:v="urn:v"/><v:x/></r>'],
  ['an undeclared attribute prefix', '<r v:a="1"/>'],
  ['a name with two colons', '<a:b:c xmlns:a="urn:a"/>'],
  ['a name ending in a colon', '<a: xmlns:a="urn:a"/>'],
  ['an empty prefixed declaration', '<r xmlns:v=""/>'],
  ['a declaration of the xmlns prefix', '<r xmlns:xmlns="urn:x"/>'],
  ['the xml prefix bound elsewhere', '<r xmlns:xml="urn:x"/>'],
  ['another prefix bound to the XML namespace', `<r xmlns:x="${XML_NAMESPACE}"/>`],
] as const) {
  test(`namespaces: refused as not namespace-well-formed: ${what}`, () => {
    refused(xml);
  });
}

// Tokens cut by chunk boundaries --------------------------------------------

const everything =
  '<?xml version="1.0"?>\r\n<!-- head -- comment -->\r\n<r xmlns="urn:d" xmlns:v="urn:v" a="x&gt;y" b=\'q"q\' c="1>2">' +
  '<t>a&amp;b&#x41;&#66;\r\nc\rd<!--in-->e<![CDATA[<raw> & ]] ]>\r\n]]>f</t>' +
  '<v:ext v:attr="1"><?pi data ? > ?></v:ext>' +
  `<long>${'x'.repeat(300)}<!--${'-'.repeat(50)}--></long>` +
  `<${'n'.repeat(100)} ${'m'.repeat(100)}="${'v'.repeat(100)}"/>` +
  '<s   ></s   ><e/></r>\n<!-- tail -->\n';

test('every split of the input into chunks gives the same events', () => {
  const whole = scan(everything);
  assert.equal(whole.code, undefined, whole.message);
  for (let size = 1; size <= 40; size++) {
    assert.deepEqual(scan(everything, size), whole, `chunks of ${size}`);
  }
  for (const size of [64, 100, 127, 128, 129, 255, 256, 300, 511]) assert.deepEqual(scan(everything, size), whole, `chunks of ${size}`);
});

test('a refusal is the same whatever the chunks', () => {
  for (const bad of ['<r><a b="1" c></a></r>', '<r><!-- never ends </r>', '<r><![CDATA[ x </r>', '<r><?pi </r>', '<r></r', '<r>&nbsp;</r>']) {
    const whole = scan(bad);
    assert.equal(whole.code, 'xml-malformed', bad);
    for (let size = 1; size <= 9; size++) assert.equal(scan(bad, size).code, whole.code, `${bad} in chunks of ${size}`);
  }
});

test('the token limit is the same whatever the chunks', () => {
  const limits = { ...defaultLimits, maxXmlTokenBytes: 100 };
  for (const token of [`<a b="${'c'.repeat(200)}"/>`, `<!--${'c'.repeat(200)}-->`, `<![CDATA[${'c'.repeat(200)}]]>`, `<?p ${'c'.repeat(200)}?>`, 'c'.repeat(200), `<${'n'.repeat(200)}/>`]) {
    const xml = `<r>${token}</r>`;
    for (const size of [undefined, 1, 7, 64]) assert.equal(scan(xml, size, limits).code, 'xml-limit-exceeded', `${token.slice(0, 12)} in chunks of ${size ?? 'all'}`);
  }
});

// Characters ----------------------------------------------------------------

test('line ends: CR LF and a lone CR become LF in text, CDATA and attributes (XML 1.0 §2.11); &#13; stays CR', () => {
  assert.deepEqual(ok('<r a="1\r\n2\r3">x\r\ny\rz<![CDATA[p\r\nq\rr]]>&#13;</r>'), ['<r||r a="1 2 3">', 'text "x\\ny\\nz"', 'text "p\\nq\\nr"', 'text "\\r"', '</>']);
  for (let size = 1; size <= 4; size++) {
    assert.deepEqual(scan('<r>x\r\ny</r>', size).events, ['<r||r>', 'text "x\\ny"', '</>'], `chunks of ${size}`);
  }
});

test('C0 controls (raw or as references) are not XML characters: refused', () => {
  assert.match(refused('<r>a\u001b[31mred</r>'), /U\+001B/);
  assert.match(refused('<r><![CDATA[\u0007]]></r>'), /U\+0007/);
  assert.match(refused('<r a="\u0000"/>'), /U\+0000/);
  for (const reference of ['&#1;', '&#x1B;', '&#0;', '&#xFFFE;', '&#xD800;', '&#x110000;', '&#99999999999;']) refused(`<r>${reference}</r>`);
  // TAB, LF and CR are allowed.
  assert.deepEqual(ok('<r>\t&#9;&#10;</r>'), ['<r||r>', 'text "\\t\\t\\n"', '</>']);
});

test('DEL and C1 controls become U+FFFD with a warning (raw and as references)', () => {
  const result = scan('<r>a\u009b31mb&#x85;c\u007fd<![CDATA[\u0090]]></r>');
  assert.equal(result.code, undefined);
  assert.deepEqual(result.events, ['<r||r>', 'text "a\uFFFD31mb\uFFFDc\uFFFDd"', 'text "\uFFFD"', '</>']);
  assert.deepEqual(result.warnings, ['control-character']);
});

test('references: the five predefined entities and character references; bare & kept with a warning', () => {
  const result = scan('<r>&lt;&gt;&amp;&quot;&apos;&#233;&#x1F600; A & B &#x; &#12 &amp</r>');
  assert.deepEqual(result.events[1], `text ${JSON.stringify('<>&"\'é😀 A & B &#x; &#12 &amp')}`);
  assert.deepEqual(result.warnings, ['xml-bare-ampersand']);
  assert.match(refused('<r>&constructor;</r>'), /Undefined entity/);
  assert.match(refused('<r>&__proto__;</r>'), /Undefined entity/);
});

test('text the handler does not collect is skipped, not decoded', () => {
  const handler: XmlHandler = { collecting: false, open: () => undefined, text: () => assert.fail('no text expected'), close: () => undefined };
  const scanner = new XmlScanner(handler, defaultLimits, new DiagnosticLog());
  scanner.write('<r>skipped &amp; <![CDATA[also]]> text</r>');
  scanner.end();
  assert.equal(scanner.rejection, undefined);
});

test('names: an empty prefix or local part is refused wherever the element stands', () => {
  for (const xml of ['<:a/>', '<r><:a/></r>', '<r><a:/></r>', '<r xmlns:a="urn:a"><a:b:c/></r>']) refused(xml);
});
