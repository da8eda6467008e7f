/**
 * The TLS-RPT parser over the real-world corpus (../shared/corpus, see its INDEX.md): every
 * JSON report is sniffed, parsed and checked against values read from the file by hand; the
 * gzip reports inside e-mails are found with a crude test-only scan (no MIME parser), decoded
 * from base64, gunzipped and parsed. Skipped, with the reason shown, when the corpus is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { defaultLimits } from '../../core/limits.js';
import { decodeBase64Text } from '../unpack/base64.js';
import { sliceChunks } from '../unpack/byte-reader.js';
import { DecompressionBudget } from '../unpack/decompression-budget.js';
import { gunzipChunks } from '../unpack/gunzip.js';
import { sniffContent } from '../unpack/sniff.js';
import { isTlsReportJson, parseTlsReport } from './parse-tls-report.js';
import type { TlsReport } from './tls-report.js';
import { corpusDir, corpusSkip } from '../../../test/helpers/corpus.js';

const corpus = corpusDir;
const skip = corpusSkip;

interface Expectation {
  readonly org: string;
  readonly reportId: string;
  readonly start: string;
  readonly end: string;
  /** [policyType, policyDomain, successful, failed, failure detail count] per policy. */
  readonly policies: [string, string | null, number, number, number][];
  readonly warnings: string[];
  readonly check?: (report: TlsReport) => void;
}

const rfcExample = (mxHosts: string[]): Expectation => ({
  org: 'Company-X',
  reportId: '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
  start: '2016-04-01T00:00:00Z',
  end: '2016-04-01T23:59:59Z',
  policies: [['sts', 'company-y.example', 5326, 303, 3]],
  warnings: ['ip-not-canonical'],
  check: (report) => {
    const policy = report.policies[0];
    assert.deepEqual(policy?.mxHosts, mxHosts);
    assert.equal(policy?.failureDetails[0]?.sendingMtaIp, '2001:db8:abcd:12::1'); // sent as 2001:db8:abcd:0012::1
    assert.equal(policy?.failureDetails[1]?.receivingIp, '203.0.113.56');
    assert.equal(policy?.failureDetails[1]?.failedSessionCount, 200);
    assert.equal(policy?.failureDetails[2]?.failureReasonCode, 'X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED');
    assert.equal(policy?.failureDetails[2]?.receivingMxHostname, 'mx-backup.mail.company-y.example');
  },
});

const jsonReports: Record<string, Expectation> = {
  'dmarc-report-viewer/smtp-tls-reports/google.json': {
    org: 'Google Inc.',
    reportId: '2025-05-22T00:00:00Z_foo-bar.io',
    start: '2025-05-22T00:00:00Z',
    end: '2025-05-22T23:59:59Z',
    policies: [['sts', 'foo-bar.io', 1, 0, 0]],
    warnings: [],
    check: (report) => assert.deepEqual(report.policies[0]?.mxHosts, ['*.foo-bar.io']),
  },
  'dmarc-report-viewer/smtp-tls-reports/microsoft.json': {
    org: 'Microsoft Corporation',
    reportId: '133925885310113267+random.net',
    start: '2025-05-23T00:00:00Z',
    end: '2025-05-23T23:59:59Z',
    policies: [
      ['sts', 'random.net', 2, 0, 0],
      ['tlsa', 'random.net', 2, 0, 0],
    ],
    warnings: [],
    check: (report) => assert.match(report.policies[1]?.policyStrings[0] ?? '', /^\["3 1 1 6007EEE5/),
  },
  'dmarc-report-viewer/smtp-tls-reports/no-contact.json': {
    org: 'server.com',
    reportId: '123_456',
    start: '2026-01-11T00:00:00Z',
    end: '2026-01-12T00:00:00Z',
    policies: [['sts', 'server.com', 1, 0, 0]],
    warnings: ['tlsrpt-missing-field'],
    check: (report) => {
      assert.equal(report.contactInfo, null); // "contact-info": null
      assert.deepEqual(report.policies[0]?.mxHosts, ['mx: mx.server.com']); // kept as sent
    },
  },
  'dmarc-report-viewer/smtp-tls-reports/no-policy.json': {
    org: 'Google Inc.',
    reportId: '2025-03-27T00:00:00Z_foo-bar.io',
    start: '2025-03-27T00:00:00Z',
    end: '2025-03-27T23:59:59Z',
    policies: [['no-policy-found', 'foo-bar.io', 1, 0, 0]],
    warnings: [],
  },
  'dmarc-report-viewer/smtp-tls-reports/no_ip_and_mx.json': {
    org: 'Microsoft Corporation',
    reportId: '1234567890+',
    start: '2025-06-14T00:00:00Z',
    end: '2025-06-14T23:59:59Z',
    policies: [['sts', 'xxxxxxxx.xx', 0, 3, 1]],
    warnings: [],
    check: (report) => {
      const detail = report.policies[0]?.failureDetails[0];
      assert.equal(detail?.resultType, 'sts-policy-fetch-error');
      assert.equal(detail?.sendingMtaIp, null);
      assert.equal(detail?.receivingMxHostname, null);
      assert.equal(detail?.failedSessionCount, 3);
    },
  },
  'dmarc-report-viewer/smtp-tls-reports/rfc-example.json': rfcExample(['*.mail.company-y.example']),
  'parsedmarc/smtp_tls/rfc8460.json': rfcExample(['*.mail.company-y.example']), // mx-host sent as one string
  'mail-auth/tlsrpt/rpt01.json': rfcExample(['*.mail.company-y.example']),
  'parsedmarc/smtp_tls/mail.ru.json': {
    org: 'Mail.ru',
    reportId: 'b28254de-7b2e-be36-bb5c-4c3b92da8b25@mail.ru',
    start: '2024-02-22T00:00:00Z',
    end: '2024-02-23T00:00:00Z',
    policies: [['sts', 'example.com', 0, 1, 2]],
    warnings: [],
    check: (report) => assert.deepEqual(report.policies[0]?.failureDetails.map((d) => d.failureReasonCode), ['bad https response code: 404', 'bad https response code: 500']),
  },
  'parsedmarc/smtp_tls/smtp_tls.json': {
    org: 'Example Inc.',
    reportId: '2024-01-09T00:00:00Z_example.com',
    start: '2024-01-09T00:00:00Z',
    end: '2024-01-09T23:59:59Z',
    policies: [['sts', 'example.com', 0, 3, 2]],
    warnings: [],
    check: (report) => {
      assert.equal(report.policies[0]?.failureDetails[0]?.sendingMtaIp, '209.85.222.201');
      assert.equal(report.policies[0]?.failureDetails[0]?.receivingIp, '173.212.201.41');
      assert.equal(report.policies[0]?.failureDetails[0]?.failedSessionCount, 2);
    },
  },
  'mail-auth/tlsrpt/rpt02.json': {
    org: 'Google Inc.',
    reportId: '2020-01-01T00:00:00Z_example.com',
    start: '2020-01-01T00:00:00Z',
    end: '2020-01-07T23:59:59Z',
    policies: [['sts', 'example.com', 23, 1, 1]],
    warnings: [],
    check: (report) => {
      assert.equal(report.policies[0]?.failureDetails[0]?.resultType, 'certificate-host-mismatch');
      assert.equal(report.policies[0]?.failureDetails[0]?.sendingMtaIp, '123.123.123.123');
    },
  },
  'mail-auth/tlsrpt/rpt03.json': {
    org: 'Google Inc.',
    reportId: '2019-04-14T00:00:00Z_example.org',
    start: '2019-04-14T00:00:00Z',
    end: '2019-04-14T23:59:59Z',
    policies: [
      ['no-policy-found', null, 1, 0, 0],
      ['invalid-policy-type', null, 1, 0, 0],
    ],
    warnings: ['tlsrpt-missing-field', 'unknown-value'],
  },
};

function checkReport(file: string, report: TlsReport | undefined, warnings: readonly { code: string }[], want: Expectation): void {
  assert.ok(report, file);
  assert.equal(report.organizationName, want.org, file);
  assert.equal(report.reportId, want.reportId, file);
  assert.deepEqual(report.dateRange, { start: want.start, end: want.end }, file);
  assert.deepEqual(
    report.policies.map((p) => [p.policyType, p.policyDomain, p.successfulSessionCount, p.failedSessionCount, p.failureDetails.length]),
    want.policies,
    file,
  );
  assert.deepEqual(warnings.map((w) => w.code).sort(), want.warnings, file);
  want.check?.(report);
}

for (const [file, want] of Object.entries(jsonReports)) {
  test(`corpus TLS report ${file}: sniffed as JSON, parsed`, { skip }, () => {
    const bytes = readFileSync(join(corpus, file));
    assert.equal(sniffContent(bytes.subarray(0, 4096)), 'json');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    assert.equal(isTlsReportJson(JSON.parse(text)), true);
    const { report, rejection, warnings } = parseTlsReport(text);
    assert.equal(rejection, undefined, rejection?.message);
    checkReport(file, report, warnings, want);
  });
}

test('corpus: the expected-output JSON files of mail-auth are not TLS reports', { skip }, () => {
  for (const file of ['mail-auth/dmarc-feedback/001.json', 'mail-auth/arf/001.json']) {
    const value: unknown = JSON.parse(readFileSync(join(corpus, file), 'utf8'));
    assert.equal(isTlsReportJson(value), false, file);
    assert.equal(parseTlsReport(JSON.stringify(value)).rejection?.code, 'tlsrpt-invalid', file);
  }
});

/** Test-only: the base64 body of the first application/tlsrpt+gzip part (not a MIME parser). */
function findGzipAttachment(message: string): Uint8Array | undefined {
  const at = message.search(/content-type:\s*application\/tlsrpt\+gzip/i);
  if (at === -1) return undefined;
  const afterHeaders = message.slice(at).search(/\r?\n\r?\n/);
  const rest = message.slice(at + afterHeaders).replace(/^\s+/, '');
  return decodeBase64Text(Buffer.from(rest.slice(0, rest.search(/^--/m)), 'latin1'));
}

const emailReports: Record<string, Expectation> = {
  'tlsrpt-digest/tlsrpt_failure.eml': {
    org: 'Google Inc.',
    reportId: '2026-02-08T00:00:00Z_example.com',
    start: '2026-02-08T00:00:00Z',
    end: '2026-02-09T00:00:00Z',
    policies: [['sts', 'example.com', 4523, 2, 1]],
    warnings: [],
    check: (report) => {
      assert.equal(report.policies[0]?.failureDetails[0]?.resultType, 'certificate-expired');
      assert.equal(report.policies[0]?.failureDetails[0]?.sendingMtaIp, '192.0.2.1');
    },
  },
  'tlsrpt-digest/tlsrpt_success_google_1.eml': {
    org: 'Google Inc.',
    reportId: '2026-05-11T00:00:00Z_example.com',
    start: '2026-05-11T00:00:00Z',
    end: '2026-05-11T23:59:59Z',
    policies: [['sts', 'example.com', 1, 0, 0]],
    warnings: [],
  },
  'tlsrpt-digest/tlsrpt_success_microsoft.eml': {
    org: 'Microsoft Corporation',
    reportId: '134232617934286362+example.com',
    start: '2026-05-13T00:00:00Z',
    end: '2026-05-13T23:59:59Z',
    policies: [['sts', 'example.com', 2, 0, 0]],
    warnings: [],
  },
  'parsedmarc/smtp_tls/google.com_smtp_tls_report.eml': {
    org: 'Google Inc.',
    reportId: '2024-09-03T00:00:00Z_cardinalhealth.ca',
    start: '2024-09-03T00:00:00Z',
    end: '2024-09-03T23:59:59Z',
    policies: [['no-policy-found', 'cardinalhealth.ca', 48, 0, 0]],
    warnings: [],
  },
  'mail-auth/tlsrpt/rpt01.eml': rfcExample(['*.mail.company-y.example']),
};

for (const [file, want] of Object.entries(emailReports)) {
  test(`corpus TLS report e-mail ${file}: base64 -> gzip -> JSON -> report`, { skip }, async () => {
    const message = readFileSync(join(corpus, file));
    assert.equal(sniffContent(message.subarray(0, 4096)), 'email');
    const gzip = findGzipAttachment(message.toString('latin1'));
    assert.ok(gzip, 'attachment found');
    assert.equal(sniffContent(gzip.subarray(0, 4096)), 'gzip');
    const parts: Uint8Array[] = [];
    for await (const chunk of gunzipChunks(sliceChunks(gzip, 1024), new DecompressionBudget(gzip.length, defaultLimits), file)) parts.push(chunk);
    const json = Buffer.concat(parts);
    assert.equal(sniffContent(json.subarray(0, 4096)), 'json');
    const { report, rejection, warnings } = parseTlsReport(json.toString('utf8'));
    assert.equal(rejection, undefined, rejection?.message);
    checkReport(file, report, warnings, want);
  });
}
