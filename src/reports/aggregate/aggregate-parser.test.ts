import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregateParser, parseAggregateReport, parseAggregateReports } from './aggregate-parser.js';
import type { AggregateHeader, AggregateRecord } from './aggregate-report.js';
import { defaultLimits } from '../../core/limits.js';

function report(records: string, { policy = '<p>none</p>', root = '<feedback>', version = '<version>1.0</version>', metadata = '' } = {}): string {
  const close = root.startsWith('<dmarc:') ? '</dmarc:feedback>' : '</feedback>';
  return `<?xml version="1.0" encoding="UTF-8"?>
${root}
  ${version}
  <report_metadata>
    <org_name>receiver.example</org_name>
    <email>dmarc@receiver.example</email>
    <report_id>r-1</report_id>
    <date_range><begin>1700000000</begin><end>1700086399</end></date_range>${metadata}
  </report_metadata>
  <policy_published><domain>example.com</domain>${policy}</policy_published>
${records}
${close}`;
}

function row(ip = '192.0.2.1', count = '3', extra = ''): string {
  return `<record><row><source_ip>${ip}</source_ip><count>${count}</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from><envelope_from>bounce.example.com</envelope_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
    <spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>pass</result></spf></auth_results>${extra}</record>`;
}

function accepted(xml: string | Uint8Array) {
  const result = parseAggregateReport(xml);
  assert.equal(result.rejection, undefined, result.rejection?.message);
  return result.report!;
}

function refusedWith(xml: string | Uint8Array, code: string): string {
  const result = parseAggregateReport(xml);
  assert.equal(result.report, undefined, 'expected the report to be refused');
  assert.equal(result.rejection?.code, code, result.rejection?.message);
  return result.rejection?.message ?? '';
}

const oneReport = (): void => assert.fail('the document holds one report');

const warningCodes = (xml: string): string[] => accepted(xml).warnings.map((w) => w.code).sort();

test('RFC 7489 App. C: a version 1.0 report normalises every field', () => {
  const r = accepted(report(row() + row('198.51.100.7', '10')));
  assert.equal(r.schema, 'rfc7489');
  assert.equal(r.metadata.orgName, 'receiver.example');
  assert.equal(r.metadata.reportId, 'r-1');
  assert.equal(r.metadata.begin, 1700000000);
  assert.equal(r.policy.domain, 'example.com');
  assert.equal(r.policy.p, 'none');
  assert.equal(r.policy.adkim, 'r', 'adkim defaults to r (RFC 7489 §6.3)');
  assert.equal(r.records.length, 2);
  assert.equal(r.recordCount, 2);
  assert.equal(r.messageCount, 13);
  assert.deepEqual(r.records[0], {
    sourceIp: '192.0.2.1',
    count: 3,
    disposition: 'none',
    dkim: 'pass',
    spf: 'fail',
    reasons: [],
    headerFrom: 'example.com',
    envelopeFrom: 'bounce.example.com',
    envelopeTo: null,
    authDkim: [{ domain: 'example.com', selector: 's1', result: 'pass', humanResult: null }],
    authSpf: [{ domain: 'bounce.example.com', scope: 'mfrom', result: 'pass', humanResult: null }],
  });
  assert.deepEqual(r.warnings, []);
});

test('pre-1.0 draft: no <version> gives schema "draft"', () => {
  assert.equal(accepted(report(row(), { version: '' })).schema, 'draft');
});

test('RFC 9990 §3.1: default namespace, np, testing, discovery_method, generator', () => {
  const r = accepted(
    report(row(), {
      root: '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
      policy: '<p>quarantine</p><np>reject</np><testing>y</testing><discovery_method>treewalk</discovery_method>',
      metadata: '<generator>Example MTA 2.1</generator>',
    }),
  );
  assert.equal(r.schema, 'rfc9990');
  assert.equal(r.namespace, 'urn:ietf:params:xml:ns:dmarc-2.0');
  assert.deepEqual([r.policy.np, r.policy.testing, r.policy.discoveryMethod, r.policy.pct], ['reject', 'y', 'treewalk', null]);
  assert.equal(r.metadata.generator, 'Example MTA 2.1');
});

test('RFC 9990: a prefixed namespace is matched on local names', () => {
  const prefixed = report(row(), { root: '<dmarc:feedback xmlns:dmarc="urn:ietf:params:xml:ns:dmarc-2.0">' }).replace(
    /<(\/?)(?!dmarc:|\?)([a-z_]+)/g,
    '<$1dmarc:$2',
  );
  const r = accepted(prefixed);
  assert.equal(r.namespace, 'urn:ietf:params:xml:ns:dmarc-2.0');
  assert.equal(r.records[0]?.sourceIp, '192.0.2.1');
});

test('RFC 9990 App. A: record-level and report-level extensions are kept, never fatal', () => {
  const xml = report(row('192.0.2.1', '1', '<ext:category xmlns:ext="urn:example:ext">bulk</ext:category>')).replace(
    '<record>',
    '<extension><ext:note xmlns:ext="urn:example:ext">hello</ext:note></extension><record>',
  );
  const r = accepted(xml);
  assert.deepEqual(r.extensions, [{ name: 'extension', children: [{ name: 'note', namespace: 'urn:example:ext', text: 'hello' }] }]);
  assert.deepEqual(r.records[0]?.extensions, [{ name: 'category', namespace: 'urn:example:ext', text: 'bulk' }]);
});

test('every split of the input into chunks gives the same report', () => {
  const xml = report(row('2001:DB8::1', ' 4 ') + row() + '<!-- a comment --><record><row><source_ip>192.0.2.9</source_ip><count>1</count></row><identifiers><header_from>a&amp;b.example</header_from></identifiers><auth_results/></record>');
  const bytes = new TextEncoder().encode(xml);
  const whole = JSON.stringify(accepted(bytes));
  for (const size of [1, 2, 3, 5, 7, 13, 64, 1000]) {
    let header: AggregateHeader | undefined;
    const records: AggregateRecord[] = [];
    const parser = new AggregateParser({ header: (h) => (header = h), record: (r) => records.push(r), reportEnd: oneReport });
    for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
    const outcome = parser.end();
    assert.ok(outcome.ok, `chunk size ${size}`);
    assert.equal(JSON.stringify({ ...header, ...outcome.trailer, records }), whole, `chunk size ${size}`);
  }
});

test('the header reaches the sink before the first record', () => {
  const events: string[] = [];
  const parser = new AggregateParser({ header: () => events.push('header'), record: () => events.push('record'), reportEnd: oneReport });
  parser.write(new TextEncoder().encode(report(row() + row())));
  assert.ok(parser.end().ok);
  assert.deepEqual(events, ['header', 'record', 'record']);
});

test('elements out of order: records before policy_published are held, then emitted', () => {
  const xml = `<feedback><report_metadata><org_name>o</org_name><email>e@o.example</email><report_id>x</report_id>
    <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>${row()}
    <policy_published><domain>example.com</domain><p>reject</p></policy_published></feedback>`;
  const r = accepted(xml);
  assert.equal(r.records.length, 1);
  assert.equal(r.policy.p, 'reject');
});

const quirks: [string, string, (xml: string) => string, string[]][] = [
  ['a UTF-8 byte-order mark', 'bom', (x) => `\uFEFF${x}`, ['bom']],
  ['CR LF line endings', 'crlf', (x) => x.replace(/\n/g, '\r\n'), ['crlf-line-endings']],
  ['white space around values', 'padding', (x) => x.replace('<count>3</count>', '<count>\n 3 \n</count>'), ['value-whitespace']],
  ['upper-case result words', 'case', (x) => x.replace('<dkim>pass</dkim>', '<dkim>PASS</dkim>').replace('<disposition>none', '<disposition>None'), ['value-case']],
  ['an expanded IPv6 source', 'ipv6', (x) => x.replace('192.0.2.1', '2001:0DB8:0000:0000:0000:0000:0000:0001'), ['ip-not-canonical']],
  ['an unknown element', 'unknown', (x) => x.replace('<row>', '<row><vendor_note>x</vendor_note>'), ['unknown-element']],
  ['a bare ampersand', 'ampersand', (x) => x.replace('receiver.example</org_name>', 'Smith & Sons</org_name>'), ['xml-bare-ampersand']],
  ['a report spanning a week', 'week', (x) => x.replace('1700086399', String(1700000000 + 7 * 86400)), ['long-date-range']],
  ['count 0', 'zero', (x) => x.replace('<count>3</count>', '<count>0</count>'), ['zero-count']],
  ['an empty org_name', 'org', (x) => x.replace('<org_name>receiver.example</org_name>', '<org_name></org_name>'), ['org-name-from-email']],
  ['an unclosed wrapper before <feedback>', 'wrapper', (x) => x.replace('<feedback>', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"> <feedback>'), ['xml-unclosed-wrapper']],
];

for (const [what, , change, expected] of quirks) {
  test(`quirk accepted with a warning: ${what}`, () => {
    assert.deepEqual(warningCodes(change(report(row()))), expected);
  });
}

test('quirk values are normalised, not just accepted', () => {
  const r = accepted(
    report(row('2001:0DB8:0000:0000:0000:0000:0000:0001', ' 7 ').replace('<dkim>pass</dkim>', '<dkim>PASS</dkim>')).replace('receiver.example</org_name>', 'Caf&#233; &quot;Q&quot;</org_name>'),
  );
  assert.equal(r.records[0]?.sourceIp, '2001:db8::1');
  assert.equal(r.records[0]?.count, 7);
  assert.equal(r.records[0]?.dkim, 'pass');
  assert.equal(r.metadata.orgName, 'Café "Q"');
});

test('org_name falls back to the domain of the e-mail address', () => {
  const r = accepted(report(row()).replace('<org_name>receiver.example</org_name>', '<org_name> </org_name>'));
  assert.equal(r.metadata.orgName, 'receiver.example');
});

test('encoding="ISO-8859-1" is honoured', () => {
  const xml = report(row()).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('receiver.example</org_name>', 'Caf\u00e9</org_name>');
  const latin1 = Uint8Array.from(xml, (c) => c.charCodeAt(0));
  const r = accepted(latin1);
  assert.equal(r.metadata.orgName, 'Café');
  assert.deepEqual(r.warnings.map((w) => w.code), ['declared-encoding']);
});

test('a bad record is dropped and the others survive', () => {
  const r = accepted(report(row() + row('999.1.1.1') + row('192.0.2.3', '-2') + row('192.0.2.4', '1.5') + '<record><row><count>1</count></row></record>' + row('192.0.2.5')));
  assert.deepEqual(r.records.map((x) => x.sourceIp), ['192.0.2.1', '192.0.2.5']);
  assert.deepEqual(r.recordErrors.map((e) => [e.code, e.count ?? 1]).sort(), [['record-impossible-value', 2], ['record-invalid-ip', 1], ['record-missing-field', 1]]);
});

const hostile: [string, string, string][] = [
  ['XXE: an external entity', 'xml-dtd-forbidden', `<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><feedback>&xxe;</feedback>`],
  [
    'billion laughs',
    'xml-dtd-forbidden',
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><feedback>&lol2;</feedback>`,
  ],
  ['a bare DOCTYPE', 'xml-dtd-forbidden', `<!DOCTYPE feedback><feedback/>`],
  ['an undefined entity', 'xml-malformed', report(row()).replace('receiver.example</org_name>', '&nbsp;</org_name>')],
  ['mismatched tags', 'xml-malformed', report(row()).replace('</count>', '</cont>')],
  ['an unescaped < in a value', 'xml-malformed', report(row()).replace('example.com</header_from>', 'bad<x.example</header_from>')],
  ['truncated mid-record', 'xml-malformed', report(row() + row()).slice(0, -200)],
  ['the wrong root element', 'xml-wrong-root', `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>`],
  ['no report_id', 'missing-required-field', report(row()).replace('<report_id>r-1</report_id>', '')],
  ['no policy domain', 'missing-required-field', report(row()).replace('<domain>example.com</domain><p>', '<p>')],
  ['no date_range', 'missing-required-field', report(row()).replace(/<date_range>.*<\/date_range>/, '')],
  ['begin not a number', 'impossible-value', report(row()).replace('<begin>1700000000', '<begin>yesterday')],
  ['end before begin', 'impossible-value', report(row()).replace('<end>1700086399', '<end>1690000000')],
  ['a timestamp in 1969', 'impossible-value', report(row()).replace('<begin>1700000000', '<begin>0')],
  ['a timestamp in 2200', 'impossible-value', report(row()).replace('<end>1700086399', '<end>7258118400')],
  ['text before the root', 'xml-malformed', `junk<feedback/>`],
  ['an empty document', 'xml-malformed', ''],
];

for (const [what, code, xml] of hostile) {
  test(`refused with ${code}: ${what}`, () => {
    refusedWith(xml, code);
  });
}

test('invalid UTF-8 is refused with the byte offset', () => {
  const xml = new TextEncoder().encode(report(row()));
  const at = xml.indexOf(0x3e, 300) + 1; // just after some '>'
  const bad = Uint8Array.from([...xml.subarray(0, at), 0x91, ...xml.subarray(at)]);
  const message = refusedWith(bad, 'invalid-utf8');
  assert.match(message, new RegExp(`byte offset ${at}\\b`));
});

test('entity expansion never happens: the refusal comes before any record', () => {
  let records = 0;
  const parser = new AggregateParser({ header: () => undefined, record: () => records++, reportEnd: oneReport });
  parser.write(new TextEncoder().encode(`<!DOCTYPE x [<!ENTITY a "${'b'.repeat(1000)}">]><feedback>${'&a;'.repeat(1000)}</feedback>`));
  const outcome = parser.end();
  assert.equal(outcome.ok, false);
  assert.equal(records, 0);
});

test('xml-limit-exceeded: a text node longer than the token limit', () => {
  const parser = new AggregateParser({ header: () => undefined, record: () => undefined, reportEnd: oneReport }, { ...defaultLimits, maxXmlTokenBytes: 1000 });
  parser.write(new TextEncoder().encode(report(row()).replace('receiver.example</org_name>', `${'x'.repeat(5000)}</org_name>`)));
  const outcome = parser.end();
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.rejection.code, 'xml-limit-exceeded');
});

test('xml-limit-exceeded: elements nested deeper than the limit', () => {
  refusedWith(`<feedback>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</feedback>`, 'xml-limit-exceeded');
});

// Issue 12: namespaces ---------------------------------------------------------

const NS = 'urn:ietf:params:xml:ns:dmarc-2.0';

test('foreign-namespace elements are never fields: <v:domain>, <v:row>, <ext:p>, a default namespace on <p>', () => {
  const xml = report(row('192.0.2.1', '3', '<v:row xmlns:v="urn:vendor"><source_ip>203.0.113.66</source_ip><count>999</count></v:row>'), {
    policy: '<v:domain xmlns:v="urn:vendor">evil.example</v:domain><p>none</p><ext:p xmlns:ext="urn:ext">reject</ext:p><sp xmlns="urn:vendor">reject</sp>',
  }).replace('<org_name>receiver.example</org_name>', '<org_name>receiver.example</org_name><x:report_id xmlns:x="urn:x">forged</x:report_id>');
  const r = accepted(xml);
  assert.equal(r.policy.domain, 'example.com');
  assert.equal(r.policy.p, 'none');
  assert.equal(r.policy.sp, null);
  assert.equal(r.metadata.reportId, 'r-1');
  assert.deepEqual(r.records.map((x) => [x.sourceIp, x.count]), [['192.0.2.1', 3]]);
  // Record-level: kept as an extension (RFC 9990, "Extensible Reporting"), with its namespace.
  assert.deepEqual(r.records[0]?.extensions?.[0]?.namespace, 'urn:vendor');
  assert.deepEqual(r.records[0]?.extensions?.[0]?.name, 'row');
  assert.ok(r.warnings.some((w) => w.code === 'unknown-element' && w.message.includes('never report fields') && (w.count ?? 1) === 4));
});

test('prefixes resolve through declarations in scope: a DMARC prefix declared on a wrapper, a vendor prefix declared on the root', () => {
  const inner = report(row('192.0.2.1', '1', '<vendor:category>bulk</vendor:category>'), { root: `<d:feedback>` })
    .replace(/<(\/?)(?!d:|\?|vendor:)([a-z_]+)/g, '<$1d:$2')
    .replace('</feedback>', '</d:feedback>')
    .replace(/^<\?xml[^>]*>/, '');
  const xml = `<wrapper xmlns:d="${NS}" xmlns:vendor="urn:vendor">${inner}</wrapper>`;
  const r = accepted(xml);
  assert.equal(r.namespace, NS);
  assert.equal(r.schema, 'rfc9990');
  assert.equal(r.policy.domain, 'example.com');
  assert.deepEqual(r.records[0]?.extensions, [{ name: 'category', namespace: 'urn:vendor', text: 'bulk' }]);
});

test('the dmarc.org schema namespace is a DMARC namespace; a <feedback> of another namespace is not a report', () => {
  const r = accepted(report(row(), { root: '<feedback xmlns="http://dmarc.org/dmarc-xml/0.1">' }));
  assert.equal(r.namespace, 'http://dmarc.org/dmarc-xml/0.1');
  assert.equal(r.records.length, 1);
  refusedWith(report(row(), { root: '<feedback xmlns="urn:not-dmarc">' }), 'xml-wrong-root');
});

test('an undeclared prefix is refused, not guessed (XML Namespaces §5)', () => {
  refusedWith(report(row(), { root: '<dmarc:feedback>' }), 'xml-malformed');
});

// Issue 12: several reports in one document ---------------------------------

const second = (xml: string): string => xml.replace('<report_id>r-1</report_id>', '<report_id>r-2</report_id>').replace(/^<\?xml[^>]*>/, '');

test('two <feedback> in one wrapper are two reports, each with its own records and warnings', () => {
  const first = report(row() + row('198.51.100.7', '10')).replace(/^<\?xml[^>]*>/, '');
  const other = second(report(row('203.0.113.5', ' 4 ')));
  const results = parseAggregateReports(`<?xml version="1.0"?>\n<reports>${first}${other}</reports>`);
  assert.equal(results.length, 2);
  const [a, b] = results.map((x) => x.report!);
  assert.deepEqual([a?.metadata.reportId, a?.recordCount, a?.messageCount], ['r-1', 2, 13]);
  assert.deepEqual([b?.metadata.reportId, b?.recordCount, b?.messageCount], ['r-2', 1, 4]);
  assert.deepEqual(b?.records.map((x) => x.sourceIp), ['203.0.113.5']);
  assert.deepEqual(a?.warnings.map((w) => w.code), ['xml-wrapped-root']);
  assert.deepEqual(b?.warnings.map((w) => w.code).sort(), ['value-whitespace', 'xml-wrapped-root']);
});

test('the sink sees header, records and end of each report in turn', () => {
  const events: string[] = [];
  const parser = new AggregateParser({
    header: (h) => events.push(`header ${h.metadata.reportId}`),
    record: (r) => events.push(`record ${r.sourceIp}`),
    reportEnd: (o) => events.push(`end ${o.ok ? o.trailer.recordCount : o.rejection.code}`),
  });
  const first = report(row()).replace(/^<\?xml[^>]*>/, '');
  parser.write(new TextEncoder().encode(`<reports>${first}${second(report(row('192.0.2.2')))}</reports>`));
  const outcome = parser.end();
  assert.ok(outcome.ok);
  assert.deepEqual(events, ['header r-1', 'record 192.0.2.1', 'end 1', 'header r-2', 'record 192.0.2.2']);
});

test('a refused report does not stop the next one in the same document', () => {
  const bad = report(row()).replace('<report_id>r-1</report_id>', '').replace(/^<\?xml[^>]*>/, '');
  const results = parseAggregateReports(`<reports>${bad}${second(report(row('192.0.2.2')))}${second(report(row('192.0.2.3'))).replace('r-2', 'r-3')}</reports>`);
  assert.deepEqual(results.map((x) => x.rejection?.code ?? x.report?.metadata.reportId), ['missing-required-field', 'r-2', 'r-3']);
});

// Issue 12: field limits, control characters, line ends ----------------------

test('org_name joined from many text runs, comments and CDATA sections is cut to its limit with a warning', () => {
  const pieces = 'x<!---->'.repeat(300_000) + '<![CDATA[y]]>'.repeat(1000) + '&amp;'.repeat(1000);
  const r = accepted(report(row()).replace('receiver.example</org_name>', `${pieces}</org_name>`));
  assert.equal(r.metadata.orgName, 'x'.repeat(256));
  assert.ok(r.warnings.some((w) => w.code === 'value-truncated' && w.location === 'report_metadata/org_name'));
});

test('a value longer than 64 KiB as sent is past its limit even when most of it is white space', () => {
  const domain = `${' '.repeat(70_000)}example.com`;
  refusedWith(report(row()).replace('<domain>example.com</domain><p>', `<domain>${domain}</domain><p>`), 'value-too-long');
  // ... and cutting it short could never turn it into another domain.
  const sneaky = `example.com${' '.repeat(70_000)}.evil.example`;
  refusedWith(report(row()).replace('<domain>example.com</domain><p>', `<domain>${sneaky}</domain><p>`), 'value-too-long');
});

test('field limits: refuse the report, drop the record, drop the value or cut it, as docs/formats.md says', () => {
  const long = (n: number, c = 'a'): string => c.repeat(n);
  refusedWith(report(row()).replace('<domain>example.com</domain><p>', `<domain>${long(250)}.example</domain><p>`), 'value-too-long');
  refusedWith(report(row()).replace('<report_id>r-1</report_id>', `<report_id>${long(999)}</report_id>`), 'value-too-long');
  refusedWith(report(row()).replace('<begin>1700000000</begin>', `<begin>${long(40, '0')}1700000000</begin>`), 'value-too-long');

  const r = accepted(
    report(row() + row('192.0.2.2').replace('<header_from>example.com</header_from>', `<header_from>${long(300)}.example</header_from>`) + row('192.0.2.3').replace('<selector>s1</selector>', `<selector>${long(300)}</selector>`), {
      policy: `<p>${long(40)}</p><fo>${long(40)}</fo>`,
      metadata: `<error>${long(2000)}</error><generator>${long(300)}</generator>`,
    }).replace('dmarc@receiver.example', `${long(400)}@receiver.example`),
  );
  assert.deepEqual(r.records.map((x) => x.sourceIp), ['192.0.2.1']);
  assert.deepEqual(r.recordErrors.map((e) => [e.code, e.count ?? 1]), [['record-value-too-long', 2]]);
  assert.equal(r.policy.p, null);
  assert.equal(r.policy.fo, null);
  assert.equal(r.metadata.email, null);
  assert.equal(r.metadata.errors[0]?.length, 1024);
  assert.equal(r.metadata.generator?.length, 256);
  const codes = new Set(r.warnings.map((w) => w.code));
  assert.ok(codes.has('value-dropped') && codes.has('value-truncated'), [...codes].join());
});

test('repeated elements are bounded: at most 100 <error>, and 100 reasons, DKIM and SPF results per record', () => {
  const many = (xml: string): string => xml.repeat(150);
  const r = accepted(
    report(row().replace('</policy_evaluated>', `${many('<reason><type>other</type></reason>')}</policy_evaluated>`).replace('</auth_results>', `${many('<dkim><domain>d.example</domain><result>pass</result></dkim>')}${many('<spf><domain>s.example</domain><result>pass</result></spf>')}</auth_results>`), {
      metadata: many('<error>e</error>'),
    }),
  );
  assert.equal(r.metadata.errors.length, 100);
  assert.equal(r.records[0]?.reasons.length, 100);
  assert.equal(r.records[0]?.authDkim.length, 100);
  assert.equal(r.records[0]?.authSpf.length, 100);
  assert.ok(r.warnings.some((w) => w.code === 'value-dropped'));
});

test('control characters: a C0 control (terminal escape) refuses the document; C1 and DEL become U+FFFD', () => {
  refusedWith(report(row()).replace('receiver.example</org_name>', 'evil\u001b]0;pwned\u0007</org_name>'), 'xml-malformed');
  refusedWith(report(row()).replace('receiver.example</org_name>', 'evil&#x1b;[2J</org_name>'), 'xml-malformed');
  const r = accepted(report(row()).replace('receiver.example</org_name>', 'evil\u009b2J&#x9B;31m\u007f</org_name>'));
  assert.equal(r.metadata.orgName, 'evil\uFFFD2J\uFFFD31m\uFFFD');
  assert.ok(r.warnings.some((w) => w.code === 'control-character'));
});

test('CR LF and a lone CR inside a value become LF (XML 1.0 §2.11)', () => {
  const r = accepted(report(row().replace('</policy_evaluated>', '<reason><type>other</type><comment>one\r\ntwo\rthree</comment></reason></policy_evaluated>')));
  assert.equal(r.records[0]?.reasons[0]?.comment, 'one\ntwo\nthree');
});

// Issue 12: windows-1252 ------------------------------------------------------

test('encoding="windows-1252" (and iso-8859-1, which WHATWG maps to it) decode 0x80-0x9F as windows-1252, not C1 controls', () => {
  // Node 20's TextDecoder went wrong when it decoded a whole document at once (under 1 KiB, read
  // in one go); streamed chunks came out right. Both are checked.
  for (const label of ['windows-1252', 'ISO-8859-1', 'latin1', 'us-ascii']) {
    for (const records of ['', row().repeat(100)]) {
      const xml = report(records).replace('encoding="UTF-8"', `encoding="${label}"`);
      const at = xml.indexOf('receiver.example</org_name>');
      const bytes = Uint8Array.from([...Array.from(xml.slice(0, at), (c) => c.charCodeAt(0)), 0x80, 0x20, 0x93, 0x51, 0x94, 0x20, 0x8a, 0x9f, 0xe9, ...Array.from(xml.slice(at + 'receiver.example'.length), (c) => c.charCodeAt(0))]);
      const r = accepted(bytes);
      assert.equal(r.metadata.orgName, '\u20ac \u201cQ\u201d \u0160\u0178\u00e9', `${label}, ${bytes.length} bytes`);
      const codes = r.warnings.map((w) => w.code);
      assert.ok(codes.includes('declared-encoding') && !codes.includes('control-character'), `${label}: ${codes.join()}`);
    }
  }
});

test('windows-1252: the five undefined bytes decode to C1 controls, which become U+FFFD', () => {
  const xml = report('').replace('encoding="UTF-8"', 'encoding="windows-1252"');
  const at = xml.indexOf('receiver.example</org_name>');
  const bytes = Uint8Array.from([...Array.from(xml.slice(0, at), (c) => c.charCodeAt(0)), 0x41, 0x81, 0x8d, 0x8f, 0x90, 0x9d, ...Array.from(xml.slice(at + 'receiver.example'.length), (c) => c.charCodeAt(0))]);
  const r = accepted(bytes);
  assert.equal(r.metadata.orgName, 'A\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD');
  assert.deepEqual(r.warnings.map((w) => w.code).sort(), ['control-character', 'declared-encoding', 'no-records']);
});

test('other declared single-byte encodings decode as TextDecoder does (windows-1250)', () => {
  const xml = report('').replace('encoding="UTF-8"', 'encoding="windows-1250"');
  const at = xml.indexOf('receiver.example</org_name>');
  const bytes = Uint8Array.from([...Array.from(xml.slice(0, at), (c) => c.charCodeAt(0)), 0x80, 0x8a, 0x9f, ...Array.from(xml.slice(at + 'receiver.example'.length), (c) => c.charCodeAt(0))]);
  assert.equal(accepted(bytes).metadata.orgName, '\u20ac\u0160\u017a');
});
