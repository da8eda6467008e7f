import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSpfRecord, parseSpfRecord } from './spf-record.js';

const selection: [string, boolean, string][] = [
  ['v=spf1 -all', true, '§4.5 version then a space'],
  ['v=spf1', true, '§4.5 version at the end'],
  ['V=SPF1 ~all', true, '§4.5 the version is case-insensitive'],
  ['v=spf10 -all', false, '§4.5 v=spf10 is not SPF'],
  ['v=spf1mx', false, '§3.3 joined strings without a space'],
  [' v=spf1 -all', false, '§4.5 a leading space is not an SPF record'],
  ['spf2.0/pra -all', false, 'Sender ID records are not SPF'],
];
for (const [text, expected, clause] of selection) {
  test(`isSpfRecord(${JSON.stringify(text)}) is ${expected} (RFC 7208 ${clause})`, () => assert.equal(isSpfRecord(text), expected));
}

test('parse keeps every term with its offset, qualifier and arguments (RFC 7208 §4.6, §5)', () => {
  const text = 'v=spf1 ip4:192.0.2.0/24  ~a:mail.example.com/28//64 -mx ?ptr include:_spf.example.net exists:%{i}.bl.example.org ip6:2001:DB8::/32 redirect=_spf.example.com exp=why.example.com foo=bar -all ';
  const parsed = parseSpfRecord(text);
  assert.equal(parsed.valid, true, JSON.stringify(parsed.diagnostics));
  const terms = parsed.record.terms.map((term) =>
    term.kind === 'mechanism' ? [term.text, term.qualifier, term.mechanism, term.domainSpec ?? term.network ?? '', term.cidr4 ?? '', term.cidr6 ?? ''] : [term.text, 'mod', term.name, term.value],
  );
  assert.deepEqual(terms, [
    ['ip4:192.0.2.0/24', '+', 'ip4', '192.0.2.0', 24, ''],
    ['~a:mail.example.com/28//64', '~', 'a', 'mail.example.com', 28, 64],
    ['-mx', '-', 'mx', '', '', ''],
    ['?ptr', '?', 'ptr', '', '', ''],
    ['include:_spf.example.net', '+', 'include', '_spf.example.net', '', ''],
    ['exists:%{i}.bl.example.org', '+', 'exists', '%{i}.bl.example.org', '', ''],
    ['ip6:2001:DB8::/32', '+', 'ip6', '2001:db8::', '', 32],
    ['redirect=_spf.example.com', 'mod', 'redirect', '_spf.example.com'],
    ['exp=why.example.com', 'mod', 'exp', 'why.example.com'],
    ['foo=bar', 'mod', 'foo', 'bar'],
    ['-all', '-', 'all', '', '', ''],
  ]);
  for (const term of parsed.record.terms) assert.equal(term.offset, text.indexOf(` ${term.text}`) + 1, term.text);
  assert.equal(parsed.record.redirect?.value, '_spf.example.com');
  assert.equal(parsed.record.explanation?.value, 'why.example.com');
});

test('mechanism and modifier names are case-insensitive (RFC 7208 §4.6.1)', () => {
  const parsed = parseSpfRecord('v=spf1 IP4:192.0.2.1 Include:example.net REDIRECT=example.org -ALL');
  assert.equal(parsed.valid, true);
  assert.deepEqual(parsed.record.mechanisms.map((m) => m.mechanism), ['ip4', 'include', 'all']);
  assert.equal(parsed.record.redirect?.name, 'redirect');
});

const errors: [string, string, string, string][] = [
  // record, code, location, clause
  ['v=spf1 ip4:1.2.3.4 -all moo', 'spf-unknown-mechanism', 'column 25', '§4.6 errors anywhere are detected'],
  ['v=spf1 ip4:192.0.2.1/33', 'spf-invalid-cidr', 'column 21', '§5.6 ip4 prefix over 32'],
  ['v=spf1 ip4:192.0.2.1/032', 'spf-invalid-cidr', 'column 21', '§5.6 leading zero in a prefix'],
  ['v=spf1 ip6:2001:db8::/129', 'spf-invalid-cidr', 'column 22', '§5.6 ip6 prefix over 128'],
  ['v=spf1 a//129', 'spf-invalid-cidr', 'column 9', '§5.3 dual-cidr ip6 part over 128'],
  ['v=spf1 ip4:192.0.2', 'spf-invalid-ip', 'column 12', '§5.6 a short IPv4 address'],
  ['v=spf1 ip4:2001:db8::1', 'spf-invalid-ip', 'column 12', '§5.6 an IPv6 address in ip4'],
  ['v=spf1 ip4:192.0.2.1:25', 'spf-invalid-ip', 'column 12', '§5.6 a port after an address'],
  ['v=spf1 ip4', 'spf-invalid-ip', 'column 11', '§5.6 ip4 without a network'],
  ['v=spf1 a:192.0.2.1', 'spf-invalid-domain', 'column 10', '§7.1 an address where a domain belongs'],
  ['v=spf1 include:museum', 'spf-invalid-domain', 'column 16', '§7.1 a single-label domain'],
  ['v=spf1 include:', 'spf-missing-domain', 'column 16', '§5.2 an empty include'],
  ['v=spf1 include', 'spf-missing-domain', 'column 15', '§5.2 include needs a domain'],
  ['v=spf1 -all/8', 'spf-invalid-argument', 'column 12', '§5.1 all takes no argument'],
  ['v=spf1 ptr/0', 'spf-invalid-argument', 'column 11', '§5.5 ptr takes no prefix'],
  ['v=spf1 exists:%{x}.example.com', 'spf-invalid-macro', 'column 15', '§7.2 unknown macro letter'],
  ['v=spf1 exists:%{c}.example.com', 'spf-invalid-macro', 'column 15', '§7.2 c is for explanations only'],
  ['v=spf1 exists:%(i).example.com', 'spf-invalid-macro', 'column 15', '§7.1 % must be followed by {, %, _ or -'],
  ['v=spf1 exists:%{i0}.example.com', 'spf-invalid-macro', 'column 15', '§7.3 zero parts'],
  ['v=spf1 redirect=a.example redirect=b.example', 'spf-duplicate-modifier', 'column 27', '§6 redirect twice'],
  ['v=spf1 exp=a.example exp=b.example -all', 'spf-duplicate-modifier', 'column 22', '§6 exp twice'],
  ['v=spf1 redirect=', 'spf-missing-domain', 'column 17', '§6.1 empty redirect'],
  ['v=spf1 1up=foo', 'spf-unknown-mechanism', 'column 8', 'A modifier names start with a letter'],
  ['v=spf1 foo=%abc', 'spf-invalid-macro', 'column 12', '§6 unknown modifiers still need macro syntax'],
  ['v=spf1 a:example.com\tmx', 'spf-invalid-macro', 'column 21', '§12 only SP separates terms'],
  ['v=spf1 \u0080a -all', 'spf-invalid-character', 'column 8', '§3.1 7-bit ASCII'],
  ['spf1 -all', 'spf-invalid-version', 'column 1', '§4.5 the version'],
];
for (const [record, code, location, clause] of errors) {
  test(`${JSON.stringify(record)}: ${code} at ${location} (RFC 7208 ${clause})`, () => {
    const parsed = parseSpfRecord(record);
    assert.equal(parsed.valid, false);
    const first = parsed.diagnostics[0];
    assert.equal(first?.code, code, first?.message);
    assert.equal(first?.location, location, first?.message);
    assert.equal(first?.severity, 'error');
  });
}

test('every error of a record is reported, not only the first (RFC 7208 §4.6)', () => {
  const parsed = parseSpfRecord('v=spf1 ip4:300.1.1.1 a:x -all.');
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['spf-invalid-ip', 'spf-invalid-domain', 'spf-unknown-mechanism']);
});

test('a domain-spec may end in a macro, and a trailing dot after a top label is allowed (RFC 7208 §7.1)', () => {
  assert.equal(parseSpfRecord('v=spf1 exists:%{ir}.%{v}._spf.%{d2} include:o.spf.example.com. -all').valid, true);
  assert.equal(parseSpfRecord('v=spf1 a:foo.example.xn--zckzah -all').valid, true);
});
