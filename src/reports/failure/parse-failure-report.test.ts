import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { defaultLimits } from '../../core/limits.js';
import type { MimeEntity } from '../mime/mime-entity.js';
import { parseMime } from '../mime/parse-mime.js';
import type { FailureReport } from './failure-report.js';
import { isFailureReport, parseFailureReport } from './parse-failure-report.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../../test/fixtures/failure/${name}`, import.meta.url));
const toCrlf = (input: Buffer): Buffer => Buffer.from(input.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

function message(bytes: Uint8Array): MimeEntity {
  const parsed = parseMime(bytes, defaultLimits);
  assert.ok(parsed.entity, JSON.stringify(parsed.rejection));
  return parsed.entity;
}

function report(bytes: Uint8Array, expectedWarnings: string[] = []): FailureReport {
  const entity = message(bytes);
  assert.equal(isFailureReport(entity), true);
  const result = parseFailureReport(entity);
  assert.equal(result.rejection, undefined, JSON.stringify(result.rejection));
  assert.deepEqual(result.warnings.map((w) => w.code), expectedWarnings);
  assert.ok(result.report);
  return result.report;
}

test('ARF (RFC 5965) with message/rfc822: every RFC 6591 / RFC 7489 §7.3.1 field', () => {
  const r = report(fixture('arf-dmarc-message-rfc822.eml'));
  assert.equal(r.kind, 'failure');
  assert.equal(r.format, 'arf');
  assert.equal(r.feedbackType, 'auth-failure');
  assert.equal(r.userAgent, 'ExampleReporter/2.1');
  assert.equal(r.version, '1');
  assert.deepEqual(r.authFailure, ['dmarc']);
  assert.deepEqual(r.identityAlignment, ['dkim']);
  assert.equal(r.identityAlignmentRaw, 'dkim');
  assert.equal(r.identityAlignmentMeaning, 'unknown');
  assert.equal(r.dkimAligned, null);
  assert.equal(r.spfAligned, null);
  assert.equal(r.deliveryResult, 'reject');
  assert.equal(r.reportedDomain, 'example.com');
  assert.equal(r.sourceIp, '2001:db8::25', 'RFC 5952 canonical form');
  assert.equal(r.arrivalDate, '2024-05-14T09:12:40Z');
  assert.equal(r.dkimDomain, 'example.com');
  assert.equal(r.dkimIdentity, '@example.com');
  assert.equal(r.dkimSelector, 'sel2024');
  assert.equal(r.spfDomain, 'mail.example.com', 'from SPF-DNS');
  assert.equal(r.originalMailFrom, 'bounce@mail.example.com');
  assert.deepEqual(r.originalRcptTo, ['alice@receiver.example.net', 'bob@receiver.example.net']);
  assert.deepEqual(r.authenticationResults, [
    'mx.receiver.example.net;\tdmarc=fail (p=reject) header.from=example.com;\tdkim=fail header.d=example.com header.s=sel2024;\tspf=fail smtp.mailfrom=mail.example.com',
  ]);
  assert.equal(r.reportingMta, 'mx.receiver.example.net');
  assert.equal(r.incidents, 3);
  assert.deepEqual(r.otherFields, [{ name: 'X-Reporter-Note', value: 'synthetic fixture' }]);
  assert.equal(r.originalBodyIncluded, true);
  assert.deepEqual(r.original && { ...r.original, headers: r.original.headers.split('\n').length }, {
    from: 'Jürgen Example <juergen@example.com>',
    to: 'Alice <alice@receiver.example.net>',
    subject: 'Rechnung für Mai (invoice)',
    messageId: '<original-42@example.com>',
    date: '2024-05-14T09:12:38Z',
    headers: 13,
  });
  assert.ok(r.original?.headers.startsWith('Received: from sender.example.org (sender.example.org [2001:db8::25])\n\tby mx.receiver.example.net'));
  assert.ok(r.original?.headers.endsWith('Content-Type: multipart/alternative; boundary="alt-inner"\n'));
});

test('ARF: CRLF and LF versions give the same report', () => {
  const lf = report(fixture('arf-dmarc-message-rfc822.eml'));
  const crlf = report(toCrlf(fixture('arf-dmarc-message-rfc822.eml')));
  assert.deepEqual(crlf, lf);
});

test('ARF with text/rfc822-headers (RFC 6591 §3.2 headers only), obsolete zone and Source-IP comment', () => {
  const r = report(fixture('arf-dmarc-rfc822-headers.eml'));
  assert.equal(r.sourceIp, '192.0.2.77');
  assert.equal(r.arrivalDate, '2024-06-08T20:15:58Z', 'PDT is -0700 (RFC 5322 §4.3)');
  assert.equal(r.reportedDomain, 'example.net', 'no Reported-Domain: the original From domain');
  assert.equal(r.spfDomain, 'lists.example.net', 'no SPF-DNS: the Original-Mail-From domain');
  assert.equal(r.originalEnvelopeId, 'env-20240608-0042');
  assert.deepEqual(r.reportedUris, ['http://www.example.net/unsubscribe']);
  assert.equal(r.originalBodyIncluded, false);
  assert.equal(r.original?.subject, 'Weekly newsletter');
  assert.equal(r.original?.messageId, '<newsletter-2024-23@lists.example.net>');
  assert.equal(r.original?.date, '2024-06-08T20:15:24Z');
  assert.equal(r.identityAlignment, null);
  assert.equal(r.incidents, null);
});

test('ARF with a base64-encoded message/feedback-report part', () => {
  const r = report(fixture('arf-base64-feedback-part.eml'), ['failure-field-missing']);
  assert.equal(r.userAgent, 'ExampleBase64Reporter/1.0');
  assert.equal(r.sourceIp, '203.0.113.24');
  assert.equal(r.reportedDomain, 'example.com');
  assert.equal(r.arrivalDate, '2024-06-28T08:48:42Z');
  assert.deepEqual(r.identityAlignment, ['spf', 'dkim']);
  assert.equal(r.identityAlignmentRaw, 'spf,dkim');
  assert.equal(r.dkimDomain, 'mailer.example.org');
  assert.equal(r.deliveryResult, 'delivered');
  assert.equal(r.originalMailFrom, 'bounces+777=example.com@mailer.example.org');
  assert.equal(r.spfDomain, 'mailer.example.org');
  assert.deepEqual(r.authFailure, [], 'the reporter left Auth-Failure out (warning)');
  assert.equal(r.original?.from, 'Parcel Service <parcels@example.com>');
  assert.equal(r.originalBodyIncluded, false, 'only blank lines after the headers');
});

test('RFC 9991-style report: the text names RFC 9991, so Identity-Alignment lists failures', () => {
  const r = report(fixture('arf-rfc9991-identity-alignment.eml'));
  assert.deepEqual(r.identityAlignment, ['spf']);
  assert.equal(r.identityAlignmentMeaning, 'failed');
  assert.equal(r.spfAligned, false);
  assert.equal(r.dkimAligned, null, 'not listed under RFC 9991: passed aligned or not attempted');
  assert.equal(r.arrivalDate, '2026-06-10T07:59:58Z', 'ISO 8601 Arrival-Date accepted');
  assert.equal(r.sourceIp, '198.51.100.9');
  assert.equal(r.original?.subject, 'Your statement');
});

test('text-only failure report (Exim/cPanel style, no message/feedback-report part)', () => {
  const r = report(fixture('text-only-exim-style.eml'));
  assert.equal(r.format, 'text');
  assert.equal(r.feedbackType, 'auth-failure');
  assert.deepEqual(r.authFailure, ['dmarc']);
  assert.equal(r.reportedDomain, 'example.com');
  assert.equal(r.sourceIp, '203.0.113.68');
  assert.equal(r.arrivalDate, '2024-09-02T21:16:09Z');
  assert.equal(r.spfAligned, false);
  assert.equal(r.dkimAligned, true);
  assert.equal(r.identityAlignment, null);
  assert.deepEqual(r.otherFields, [{ name: 'DMARC Results', value: 'Reject, Reject' }]);
  assert.equal(r.original?.from, 'André <user@example.com>');
  assert.equal(r.original?.subject, 'Quarterly figures');
  assert.equal(r.original?.date, '2024-09-02T16:10:06Z');
  assert.ok(r.original?.headers.startsWith('Received: from [203.0.113.68] (helo=client.example.org)\n'));
  assert.equal(r.originalBodyIncluded, false);
  assert.deepEqual(report(toCrlf(fixture('text-only-exim-style.eml'))), r, 'CRLF variant');
});

test('ARF that is not an auth-failure (Feedback-Type: abuse) is still parsed', () => {
  const r = report(fixture('arf-abuse-not-auth-failure.eml'));
  assert.equal(r.feedbackType, 'abuse');
  assert.deepEqual(r.authFailure, []);
  assert.equal(r.reportedDomain, 'example.org');
  assert.equal(r.sourceIp, '192.0.2.1');
  assert.equal(r.original?.subject, 'Cheap watches');
  assert.equal(r.originalBodyIncluded, true);
});

test('arf-invalid: a feedback-report part without fields', () => {
  const entity = message(fixture('arf-invalid-feedback-part.eml'));
  assert.equal(isFailureReport(entity), true);
  const result = parseFailureReport(entity);
  assert.equal(result.report, undefined);
  assert.equal(result.rejection?.code, 'arf-invalid');
  assert.equal(result.rejection?.location, 'part 2');
  assert.match(result.rejection?.message ?? '', /no "Name: value" fields/);
});

function arf(feedback: string, options: { text?: string; feedbackType?: string; third?: string } = {}): Buffer {
  return Buffer.from(
    [
      'From: r@receiver.example.net',
      'Content-Type: multipart/report; report-type=feedback-report; boundary=x',
      '',
      '--x',
      'Content-Type: text/plain',
      '',
      options.text ?? 'A failure report.',
      '--x',
      `Content-Type: ${options.feedbackType ?? 'message/feedback-report'}`,
      '',
      feedback,
      ...(options.third ? ['--x', options.third] : []),
      '--x--',
      '',
    ].join('\n'),
  );
}

const BASE = 'Feedback-Type: auth-failure\nUser-Agent: T/1\nVersion: 1\nAuth-Failure: dmarc';

const rejections: [string, Buffer, RegExp][] = [
  ['feedback part with prose only', arf('hello there'), /no "Name: value" fields/],
  ['feedback part empty', arf(''), /is empty/],
  ['fields but no Feedback-Type or Auth-Failure', arf('Source-IP: 192.0.2.1\nReported-Domain: example.com'), /no Feedback-Type/],
  ['report-type=feedback-report without any feedback part', Buffer.from('Content-Type: multipart/report; report-type=feedback-report; boundary=x\n\n--x\nContent-Type: text/plain\n\nhello\n--x--\n'), /no message\/feedback-report part/],
];

for (const [name, input, why] of rejections) {
  test(`arf-invalid: ${name}`, () => {
    const entity = message(input);
    assert.equal(isFailureReport(entity), true);
    const result = parseFailureReport(entity);
    assert.equal(result.rejection?.code, 'arf-invalid');
    assert.match(result.rejection?.message ?? '', why);
  });
}

const quirks: [string, Buffer, Partial<FailureReport>, string[]][] = [
  ['Feedback-Type missing but Auth-Failure present: auth-failure assumed', arf('User-Agent: T/1\nVersion: 1\nAuth-Failure: dmarc'), { feedbackType: 'auth-failure' }, ['failure-field-missing', 'failure-no-original']],
  ['RFC 5965 §3.1 User-Agent and Version required', arf('Feedback-Type: auth-failure\nAuth-Failure: dmarc'), { userAgent: null, version: null }, ['failure-field-missing', 'failure-field-missing', 'failure-no-original']],
  ['blank lines between fields tolerated', arf(`${BASE}\n\nSource-IP: 192.0.2.5`), { sourceIp: '192.0.2.5' }, ['failure-no-original']],
  ['invalid Source-IP -> null with a warning', arf(`${BASE}\nSource-IP: 999.1.1.1`), { sourceIp: null }, ['failure-no-original', 'failure-invalid-ip']],
  ['bracketed IPv6 literal with IPv6: prefix', arf(`${BASE}\nSource-IP: [IPv6:2001:DB8:0:0:0:0:0:1]`), { sourceIp: '2001:db8::1' }, ['failure-no-original']],
  ['unreadable Arrival-Date -> null with a warning', arf(`${BASE}\nArrival-Date: yesterday`), { arrivalDate: null }, ['failure-no-original', 'failure-invalid-date']],
  ['Arrival-Date without a zone -> UTC assumed, warned', arf(`${BASE}\nArrival-Date: Mon, 1 Jul 2024 10:00:00`), { arrivalDate: '2024-07-01T10:00:00Z' }, ['failure-no-original', 'failure-date-zone-assumed']],
  ['Received-Date accepted for Arrival-Date', arf(`${BASE}\nReceived-Date: Wed, 14 Apr 2010 12:15:31 -0700 (PDT)`), { arrivalDate: '2010-04-14T19:15:31Z' }, ['failure-no-original']],
  ['Incidents not a number -> null with a warning', arf(`${BASE}\nIncidents: many`), { incidents: null }, ['failure-no-original', 'failure-invalid-number']],
  ['reported domain from Authentication-Results header.from as a last resort', arf(`${BASE}\nAuthentication-Results: mx.example.net; dmarc=fail header.from=Example.ORG`), { reportedDomain: 'example.org' }, ['failure-no-original']],
  ['Original-Mail-From <> is null; Reporting-MTA without type', arf(`${BASE}\nOriginal-Mail-From: <>\nReporting-MTA: mx.example.net`), { originalMailFrom: null, reportingMta: 'mx.example.net', spfDomain: null }, ['failure-no-original']],
  ['SPF-DNS with spf type', arf(`${BASE}\nSPF-DNS: spf : Bounce.Example.COM. "v=spf1 -all"`), { spfDomain: 'bounce.example.com' }, ['failure-no-original']],
  ['Auth-Failure repeated and comma separated', arf(`${BASE}\nAuth-Failure: SPF, bodyhash`), { authFailure: ['dmarc', 'spf', 'bodyhash'] }, ['failure-no-original']],
  ['RFC 7489 named in the text: Identity-Alignment lists aligned mechanisms', arf(`${BASE}\nIdentity-Alignment: dkim`, { text: 'Generated per RFC 7489 section 7.3.' }), { identityAlignmentMeaning: 'aligned', dkimAligned: true, spfAligned: false }, ['failure-no-original']],
  ['RFC 9991 named in the User-Agent', arf(`${BASE.replace('T/1', 'rfc9991-reporter/1')}\nIdentity-Alignment: none`), { identityAlignmentMeaning: 'failed', identityAlignment: ['none'], dkimAligned: null }, ['failure-no-original']],
  ['both specifications named: meaning unknown', arf(`${BASE}\nIdentity-Alignment: dkim`, { text: 'See RFC 7489 and RFC 9991.' }), { identityAlignmentMeaning: 'unknown', dkimAligned: null }, ['failure-no-original']],
  [
    'feedback fields in a text/plain part of a feedback-report multipart',
    arf(BASE, { feedbackType: 'text/plain' }),
    { feedbackType: 'auth-failure', authFailure: ['dmarc'] },
    ['failure-feedback-mislabelled', 'failure-no-original'],
  ],
  [
    'base64 feedback part without a Content-Transfer-Encoding',
    arf(Buffer.from(`${BASE}\nSource-IP: 192.0.2.9`).toString('base64')),
    { sourceIp: '192.0.2.9' },
    ['failure-feedback-undeclared-base64', 'failure-no-original'],
  ],
  [
    'original headers in a text/plain part',
    arf(BASE, { third: 'Content-Type: text/plain\n\nFrom: a@example.org\nSubject: hi\n' }),
    { reportedDomain: 'example.org' },
    [],
  ],
];

for (const [name, input, expected, warnings] of quirks) {
  test(`ARF quirk: ${name}`, () => {
    const r = report(input, warnings);
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(r[key as keyof FailureReport], value, key);
  });
}

test('isFailureReport: false for an aggregate report e-mail and a TLS report', () => {
  const aggregate = Buffer.from('Subject: Report Domain: example.com\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: text/plain\n\nThis is an aggregate report.\n--m\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n\nH4sIAAAAAAAAA0tMSgYAxnEgxQMAAAA=\n--m--\n');
  assert.equal(isFailureReport(message(aggregate)), false);
  const tls = Buffer.from('Content-Type: multipart/report; report-type=tlsrpt; boundary=t\n\n--t\nContent-Type: text/plain\n\nTLS report\n--t--\n');
  assert.equal(isFailureReport(message(tls)), false);
  assert.equal(parseFailureReport(message(tls)).rejection?.code, 'arf-invalid');
});

test('isFailureReport: a report forwarded inside message/rfc822 is not the outer message\'s report', () => {
  const inner = fixture('arf-abuse-not-auth-failure.eml').toString('latin1');
  const outer = Buffer.from(`Subject: Fwd\nContent-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain\n\nFYI\n--o\nContent-Type: message/rfc822\n\n${inner}\n--o--\n`, 'latin1');
  const entity = message(outer);
  assert.equal(isFailureReport(entity), false);
  const enclosed = entity.children[1]?.children[0];
  assert.ok(enclosed);
  assert.equal(isFailureReport(enclosed), true);
  assert.equal(parseFailureReport(enclosed).report?.feedbackType, 'abuse');
});
