import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isTlsReportJson, parseTlsReport } from './parse-tls-report.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/tlsrpt/${name}`, import.meta.url), 'utf8');
const codes = (warnings: readonly { code: string }[]): string[] => warnings.map((w) => w.code).sort();

test('TLS report: MTA-STS policy with failure details (RFC 8460 §4), IPs canonical (RFC 5952)', () => {
  const { report, rejection, warnings } = parseTlsReport(fixture('sender-example-sts-failures.json'));
  assert.equal(rejection, undefined);
  assert.ok(report);
  assert.equal(report.kind, 'tlsrpt');
  assert.equal(report.organizationName, 'Sender Example Mail');
  assert.equal(report.reportId, '2026-03-01T00:00:00Z_example.com');
  assert.equal(report.contactInfo, 'tlsrpt@sender.example');
  assert.deepEqual(report.dateRange, { start: '2026-03-01T00:00:00Z', end: '2026-03-01T23:59:59Z' });
  assert.equal(report.policies.length, 1);
  const policy = report.policies[0];
  assert.ok(policy);
  assert.equal(policy.policyType, 'sts');
  assert.equal(policy.policyDomain, 'example.com');
  assert.deepEqual(policy.mxHosts, ['mx1.example.com', '*.mail.example.com']);
  assert.equal(policy.policyStrings.length, 5);
  assert.equal(policy.policyStrings[1], 'mode: enforce');
  assert.equal(policy.successfulSessionCount, 1204);
  assert.equal(policy.failedSessionCount, 17);
  assert.deepEqual(policy.failureDetails[0], {
    resultType: 'certificate-expired',
    sendingMtaIp: '2001:db8::25',
    receivingMxHostname: 'mx1.example.com',
    receivingMxHelo: null,
    receivingIp: '192.0.2.25',
    failedSessionCount: 12,
    additionalInformation: null,
    failureReasonCode: null,
  });
  assert.equal(policy.failureDetails[1]?.receivingMxHelo, 'mx2.mail.example.com');
  assert.equal(policy.failureDetails[1]?.receivingIp, '2001:db8:1::2');
  assert.equal(policy.failureDetails[1]?.additionalInformation, 'https://tlsrpt.sender.example/details?id=2026-03-01-1');
  assert.equal(policy.failureDetails[2]?.failureReasonCode, 'X509_V_ERR_CERT_HAS_EXPIRED');
  assert.deepEqual(codes(warnings), ['ip-not-canonical']);
});

test('TLS report: no-policy-found without failure details', () => {
  const { report, warnings } = parseTlsReport(fixture('sender-example-no-policy-found.json'));
  assert.equal(report?.policies[0]?.policyType, 'no-policy-found');
  assert.equal(report?.policies[0]?.policyDomain, 'example.org');
  assert.deepEqual(report?.policies[0]?.policyStrings, []);
  assert.deepEqual(report?.policies[0]?.mxHosts, []);
  assert.deepEqual(report?.policies[0]?.failureDetails, []);
  assert.equal(report?.policies[0]?.successfulSessionCount, 38);
  assert.deepEqual(warnings, []);
});

test('TLS report: missing contact-info, mx-host as a string, sparse failure details, extra fields', () => {
  const { report, rejection, warnings } = parseTlsReport(fixture('receiver-example-no-contact-info.json'));
  assert.equal(rejection, undefined);
  assert.equal(report?.contactInfo, null);
  assert.deepEqual(report?.policies[0]?.mxHosts, ['mx.example.net']);
  assert.deepEqual(report?.policies[0]?.failureDetails[0], {
    resultType: 'sts-policy-fetch-error',
    sendingMtaIp: null,
    receivingMxHostname: null,
    receivingMxHelo: null,
    receivingIp: null,
    failedSessionCount: 2,
    additionalInformation: null,
    failureReasonCode: 'bad https response code: 404',
  });
  assert.deepEqual(codes(warnings), ['tlsrpt-missing-field']);
  assert.equal(warnings[0]?.location, 'contact-info');
  assert.equal(warnings[0]?.severity, 'warning');
});

test('TLS report: RFC 3339 dates with offsets are converted to UTC; tlsa policy', () => {
  const { report, warnings } = parseTlsReport(fixture('sender-example-offset-dates.json'));
  assert.deepEqual(report?.dateRange, { start: '2026-03-05T00:00:00Z', end: '2026-03-05T23:59:59Z' });
  assert.equal(report?.policies[0]?.policyType, 'tlsa');
  assert.equal(report?.policies[0]?.failureDetails[0]?.resultType, 'tlsa-invalid');
  assert.deepEqual(warnings, []);
});

/** The smallest valid report, changed by each case. */
function base(): Record<string, unknown> {
  return {
    'organization-name': 'Sender Example',
    'date-range': { 'start-datetime': '2026-03-01T00:00:00Z', 'end-datetime': '2026-03-01T23:59:59Z' },
    'contact-info': 'tlsrpt@sender.example',
    'report-id': 'r-1',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'example.com' },
        summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 1 },
        'failure-details': [{ 'result-type': 'certificate-expired', 'failed-session-count': 1 }],
      },
    ],
  };
}
const policyOf = (r: Record<string, unknown>): Record<string, unknown> => (r['policies'] as Record<string, unknown>[])[0] as Record<string, unknown>;
const detailOf = (r: Record<string, unknown>): Record<string, unknown> => (policyOf(r)['failure-details'] as Record<string, unknown>[])[0] as Record<string, unknown>;

const refusals: [string, (r: Record<string, unknown>) => unknown, string, string][] = [
  ['no organization-name', (r) => delete r['organization-name'], 'tlsrpt-invalid', 'organization-name'],
  ['organization-name is a number', (r) => (r['organization-name'] = 5), 'tlsrpt-invalid', 'organization-name'],
  ['no report-id', (r) => delete r['report-id'], 'tlsrpt-invalid', 'report-id'],
  ['no date-range', (r) => delete r['date-range'], 'tlsrpt-invalid', 'date-range'],
  ['date-range is a string', (r) => (r['date-range'] = '2026-03-01'), 'tlsrpt-invalid', 'date-range'],
  ['no end-datetime', (r) => delete (r['date-range'] as Record<string, unknown>)['end-datetime'], 'tlsrpt-invalid', 'date-range.end-datetime'],
  ['start-datetime not RFC 3339', (r) => ((r['date-range'] as Record<string, unknown>)['start-datetime'] = '01/03/2026'), 'tlsrpt-invalid', 'date-range.start-datetime'],
  ['date range ends before it starts', (r) => ((r['date-range'] as Record<string, unknown>)['end-datetime'] = '2026-02-28T00:00:00Z'), 'impossible-value', 'date-range'],
  ['no policies', (r) => delete r['policies'], 'tlsrpt-invalid', 'policies'],
  ['policies is an object', (r) => (r['policies'] = {}), 'tlsrpt-invalid', 'policies'],
  ['a policy entry is a string', (r) => (r['policies'] = ['sts']), 'tlsrpt-invalid', 'policies[0]'],
  ['no policy object', (r) => delete policyOf(r)['policy'], 'tlsrpt-invalid', 'policies[0].policy'],
  ['no policy-type', (r) => delete (policyOf(r)['policy'] as Record<string, unknown>)['policy-type'], 'tlsrpt-invalid', 'policies[0].policy.policy-type'],
  ['no summary', (r) => delete policyOf(r)['summary'], 'tlsrpt-invalid', 'policies[0].summary'],
  ['count is a string', (r) => ((policyOf(r)['summary'] as Record<string, unknown>)['total-successful-session-count'] = '5'), 'tlsrpt-invalid', 'policies[0].summary.total-successful-session-count'],
  ['negative count', (r) => ((policyOf(r)['summary'] as Record<string, unknown>)['total-failure-session-count'] = -1), 'impossible-value', 'policies[0].summary.total-failure-session-count'],
  ['fractional count', (r) => (detailOf(r)['failed-session-count'] = 1.5), 'impossible-value', 'policies[0].failure-details[0].failed-session-count'],
  ['count past 2^53', (r) => (detailOf(r)['failed-session-count'] = 2 ** 60), 'impossible-value', 'policies[0].failure-details[0].failed-session-count'],
  ['failure-details is an object', (r) => (policyOf(r)['failure-details'] = {}), 'tlsrpt-invalid', 'policies[0].failure-details'],
  ['failure detail without result-type', (r) => delete detailOf(r)['result-type'], 'tlsrpt-invalid', 'policies[0].failure-details[0].result-type'],
];

for (const [name, change, code, location] of refusals) {
  test(`TLS report refused: ${name} -> ${code} at ${location}`, () => {
    const report = base();
    change(report);
    const result = parseTlsReport(JSON.stringify(report));
    assert.equal(result.report, undefined);
    assert.equal(result.rejection?.code, code);
    assert.equal(result.rejection?.location, location);
    assert.ok(result.rejection?.message.includes(location), result.rejection?.message);
  });
}

const accepted: [string, (r: Record<string, unknown>) => unknown, string[], (report: NonNullable<ReturnType<typeof parseTlsReport>['report']>) => void][] = [
  ['contact-info null (seen in the wild)', (r) => (r['contact-info'] = null), ['tlsrpt-missing-field'], (t) => assert.equal(t.contactInfo, null)],
  ['unknown policy-type kept', (r) => ((policyOf(r)['policy'] as Record<string, unknown>)['policy-type'] = 'invalid-policy-type'), ['unknown-value'], (t) => assert.equal(t.policies[0]?.policyType, 'invalid-policy-type')],
  ['policy-type in upper case', (r) => ((policyOf(r)['policy'] as Record<string, unknown>)['policy-type'] = 'STS'), ['value-case'], (t) => assert.equal(t.policies[0]?.policyType, 'sts')],
  ['unknown result-type kept', (r) => (detailOf(r)['result-type'] = 'connection-timeout'), ['unknown-value'], (t) => assert.equal(t.policies[0]?.failureDetails[0]?.resultType, 'connection-timeout')],
  ['missing total-failure-session-count taken as 0', (r) => delete (policyOf(r)['summary'] as Record<string, unknown>)['total-failure-session-count'], ['tlsrpt-missing-field'], (t) => assert.equal(t.policies[0]?.failedSessionCount, 0)],
  ['missing policy-domain', (r) => delete (policyOf(r)['policy'] as Record<string, unknown>)['policy-domain'], ['tlsrpt-missing-field'], (t) => assert.equal(t.policies[0]?.policyDomain, null)],
  ['policy-domain upper case with trailing dot', (r) => ((policyOf(r)['policy'] as Record<string, unknown>)['policy-domain'] = 'Example.COM.'), [], (t) => assert.equal(t.policies[0]?.policyDomain, 'example.com')],
  ['mx-host as one string (RFC 8460 example)', (r) => ((policyOf(r)['policy'] as Record<string, unknown>)['mx-host'] = '*.mail.example.com'), [], (t) => assert.deepEqual(t.policies[0]?.mxHosts, ['*.mail.example.com'])],
  ['sending-mta-ip not an address, kept', (r) => (detailOf(r)['sending-mta-ip'] = 'unknown'), ['tlsrpt-invalid-ip'], (t) => assert.equal(t.policies[0]?.failureDetails[0]?.sendingMtaIp, 'unknown')],
  ['receiving-ip expanded IPv6', (r) => (detailOf(r)['receiving-ip'] = '2001:db8:abcd:0012:0:0:0:1'), ['ip-not-canonical'], (t) => assert.equal(t.policies[0]?.failureDetails[0]?.receivingIp, '2001:db8:abcd:12::1')],
  ['receiving-mx-hostname a number, dropped', (r) => (detailOf(r)['receiving-mx-hostname'] = 42), ['tlsrpt-wrong-type'], (t) => assert.equal(t.policies[0]?.failureDetails[0]?.receivingMxHostname, null)],
  ['white space around organization-name', (r) => (r['organization-name'] = ' Sender Example\n'), ['value-whitespace'], (t) => assert.equal(t.organizationName, 'Sender Example')],
  ['date without an offset', (r) => ((r['date-range'] as Record<string, unknown>)['start-datetime'] = '2026-03-01T00:00:00'), ['date-assumed-utc'], (t) => assert.equal(t.dateRange.start, '2026-03-01T00:00:00Z')],
  ['failure-details null', (r) => (policyOf(r)['failure-details'] = null), [], (t) => assert.deepEqual(t.policies[0]?.failureDetails, [])],
  ['empty policies', (r) => (r['policies'] = []), ['no-policies'], (t) => assert.deepEqual(t.policies, [])],
];

for (const [name, change, expectedCodes, check] of accepted) {
  test(`TLS report accepted: ${name}`, () => {
    const report = base();
    change(report);
    const result = parseTlsReport(JSON.stringify(report));
    assert.equal(result.rejection, undefined, result.rejection?.message);
    assert.ok(result.report);
    assert.deepEqual(codes(result.warnings), expectedCodes);
    check(result.report);
  });
}

test('TLS report: a byte-order mark before the JSON is allowed', () => {
  assert.equal(parseTlsReport(`\ufeff${JSON.stringify(base())}`).report?.reportId, 'r-1');
});

const malformed: [string, string, string][] = [
  ['trailing comma', '{\n  "organization-name": "x",\n}', '3:1'],
  ['truncated', '{"organization-name": "x", "policies": [', '1:41'],
  ['empty text', '', '1:1'],
  ['an XML report sent as JSON', '<feedback/>', '1:1'],
];
for (const [name, text, location] of malformed) {
  test(`TLS report: ${name} -> json-malformed at ${location}`, () => {
    const result = parseTlsReport(text);
    assert.equal(result.report, undefined);
    assert.equal(result.rejection?.code, 'json-malformed');
    assert.equal(result.rejection?.location, location);
    const [line, column] = location.split(':');
    assert.match(result.rejection?.message ?? '', new RegExp(`line ${line}, column ${column}`));
  });
}

test('TLS report: JSON that is not an object -> tlsrpt-invalid', () => {
  assert.equal(parseTlsReport('[1, 2]').rejection?.code, 'tlsrpt-invalid');
  assert.equal(parseTlsReport('null').rejection?.code, 'tlsrpt-invalid');
});

test('isTlsReportJson: an object with organization-name and policies', () => {
  assert.equal(isTlsReportJson(base()), true);
  assert.equal(isTlsReportJson({ 'organization-name': 'x' }), false);
  assert.equal(isTlsReportJson({ policies: [] }), false);
  assert.equal(isTlsReportJson([{ 'organization-name': 'x', policies: [] }]), false);
  assert.equal(isTlsReportJson(null), false);
  assert.equal(isTlsReportJson('organization-name policies'), false);
});
