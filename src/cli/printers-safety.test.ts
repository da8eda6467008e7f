import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainCheckResult } from '../app/check-domains.js';
import type { SenderSummary } from '../app/senders.js';
import { formatDomainCheck } from './check-printer.js';
import { formatSenders } from './senders-printer.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('senders: a reverse-DNS name with escape sequences and a line feed is printed escaped, on its own line, with the columns kept', () => {
  const sender = {
    key: 'domain:evil.example', label: 'mail\x1b]0;pwned\x07\nFORGED approved', class: 'suspicious', state: 'new', messages: 10, dmarcPass: 0,
    firstSeen: '2026-11-01', lastSeen: '2026-11-20', sourceIps: ['192.0.2.1'], sources: [], diagnosis: [], fix: [],
  } as unknown as SenderSummary;
  const text = formatSenders([sender], { domain: 'example.com', from: '2026-11-01', to: '2026-11-21', onlyNew: false });
  assert.doesNotMatch(text, RAW_CONTROL);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 4, text);
  assert.match(lines[3] ?? '', /^domain:evil\.example {2}suspicious {2}new {2,}10 {2}0\.0% {2}2026-11-01 {2}2026-11-20 {2}mail\\x1b\]0;pwned\\x07\\x0aFORGED approved, 192\.0\.2\.1$/);
  assert.equal(lines[2]?.indexOf('NAME'), lines[3]?.indexOf('mail'), 'the last column starts where its heading does');
});

test('check: a TXT record holding escape sequences and line feeds is printed escaped, one line per record', () => {
  const txt = 'v=DMARC1; p=none\x1b[2J\n    DMARC    ok';
  const result = {
    domain: 'example.com',
    summary: { error: 0, warning: 0, info: 0, ok: 0 },
    records: {
      dmarc: { applied: { name: '_dmarc.example.com', text: txt, inherited: false } },
      spf: { record: undefined, records: [] },
      mx: { status: 'none' },
      dkim: { selectors: [] },
      mtaSts: {}, tlsRpt: { record: { text: 'v=TLSRPTv1;\x07' } }, bimi: {},
    },
    state: { dmarc: { state: 'found' }, spf: { state: 'absent' }, dkim: { state: 'absent' }, mx: { state: 'absent' }, mtaSts: { state: 'absent' }, tlsRpt: { state: 'found' }, bimi: { state: 'absent' } },
    findings: [{ severity: 'warning', code: 'dmarc-p-none', message: `p=none in "${txt}"`, fix: 'publish p=quarantine', rfc: 'RFC 9989' }],
  } as unknown as DomainCheckResult;
  const text = formatDomainCheck(result);
  assert.doesNotMatch(text, RAW_CONTROL);
  assert.ok(text.includes('DMARC    _dmarc.example.com  "v=DMARC1; p=none\\x1b[2J\\x0a    DMARC    ok"'), text);
  assert.ok(text.includes('TLS-RPT  v=TLSRPTv1;\\x07'), text);
  assert.equal(text.split('\n').filter((line) => line.trimStart().startsWith('DMARC')).length, 1, 'no forged line');
});
