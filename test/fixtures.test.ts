/**
 * Runs the whole extraction pipeline over every fixture in test/fixtures/{aggregate,email} and
 * checks the outcome recorded in their manifest.json: accepted with N records, M messages, the
 * exact warnings and record errors, and the listed facts; or refused with a code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectedAggregate } from './helpers/collect-reports.js';
import { collectFromFile } from './helpers/collect-reports.js';
import type { TlsReport } from '../src/reports/tlsrpt/tls-report.js';
import type { AggregateRecord } from '../src/reports/aggregate/aggregate-report.js';

interface ExpectedReport {
  kind?: 'aggregate' | 'tlsrpt' | 'failure';
  outcome: 'accepted' | 'rejected';
  code?: string;
  records?: number;
  messages?: number;
  warnings?: string[];
  recordErrors?: string[];
  expect?: Record<string, unknown>;
}

interface ManifestEntry extends Partial<ExpectedReport> {
  reports?: ExpectedReport[];
}

const fixtures = new URL('./fixtures/', import.meta.url).pathname;

function readManifest(folder: string): Record<string, ManifestEntry> {
  return JSON.parse(readFileSync(join(fixtures, folder, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;
}

/** Every fact a manifest may name, computed from what the pipeline produced. */
function aggregateFacts(a: CollectedAggregate): Record<string, unknown> {
  const { header, records, trailer } = a;
  return {
    orgName: header.metadata.orgName,
    reportId: header.metadata.reportId,
    policyDomain: header.policy.domain,
    schema: header.schema,
    version: header.version,
    namespace: header.namespace,
    begin: header.metadata.begin,
    end: header.metadata.end,
    email: header.metadata.email,
    extraContactInfo: header.metadata.extraContactInfo,
    generator: header.metadata.generator,
    errors: header.metadata.errors,
    firstSourceIp: records[0]?.sourceIp,
    sourceIps: records.map((r) => r.sourceIp),
    reasonTypes: records.flatMap((r) => r.reasons.map((x) => x.type)),
    hasReportExtension: trailer.extensions.length > 0,
    recordsWithExtensions: records.filter((r) => r.extensions).length,
    policy: header.policy,
    firstRecord: records[0] ? recordFacts(records[0]) : undefined,
  };
}

/** A record's fields, plus the first auth result's fields and the counts the manifests name. */
function recordFacts(r: AggregateRecord): Record<string, unknown> {
  return {
    ...r,
    authDkim: r.authDkim.length,
    authSpf: r.authSpf.length,
    dkimSelector: r.authDkim[0]?.selector,
    dkimSelectors: r.authDkim.map((a) => a.selector),
    dkimResult: r.authDkim[0]?.result,
    dkimHumanResult: r.authDkim[0]?.humanResult,
    spfResult: r.authSpf[0]?.result,
    spfScope: r.authSpf[0]?.scope,
    spfScopes: r.authSpf.map((a) => a.scope),
    reasonComment: r.reasons[0]?.comment,
  };
}

function tlsFacts(report: TlsReport): Record<string, unknown> {
  return {
    orgName: report.organizationName,
    reportId: report.reportId,
    policyDomain: report.policies[0]?.policyDomain,
    start: report.dateRange.start,
    end: report.dateRange.end,
    policies: report.policies.length,
    successfulSessions: report.policies.reduce((n, p) => n + p.successfulSessionCount, 0),
    failedSessions: report.policies.reduce((n, p) => n + p.failedSessionCount, 0),
    failureDetails: report.policies.reduce((n, p) => n + p.failureDetails.length, 0),
  };
}

/** The manifest's facts that the pipeline's output must match (a subset, key by key). */
function assertFacts(actual: Record<string, unknown>, expected: Record<string, unknown> | undefined, where: string): void {
  for (const [key, value] of Object.entries(expected ?? {})) {
    assert.ok(key in actual, `${where}: the manifest names a fact "${key}" this test does not know`);
    const got = actual[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && got && typeof got === 'object') {
      assertFacts(got as Record<string, unknown>, value as Record<string, unknown>, `${where}.${key}`);
    } else {
      assert.deepEqual(got, value, `${where}: ${key}`);
    }
  }
}

const codes = (list: readonly { code: string }[]): string[] => [...new Set(list.map((d) => d.code))].sort();

for (const folder of ['aggregate', 'email']) {
  const manifest = readManifest(folder);
  test(`every fixture in test/fixtures/${folder} is listed in its manifest`, () => {
    const files = readdirSync(join(fixtures, folder)).filter((f) => !['manifest.json', '.gitattributes'].includes(f));
    assert.deepEqual(files.sort(), Object.keys(manifest).sort());
  });

  for (const [file, entry] of Object.entries(manifest)) {
    test(`fixture ${folder}/${file}`, async () => {
      const got = await collectFromFile(join(fixtures, folder, file));
      const expectedReports: ExpectedReport[] = entry.reports ?? [{ kind: 'aggregate', ...(entry as ExpectedReport) }];
      const accepted = expectedReports.filter((r) => r.outcome === 'accepted');
      const refusedCodes = [...expectedReports.filter((r) => r.outcome === 'rejected').map((r) => r.code ?? '?'), ...(entry.reports && entry.code ? [entry.code] : [])];
      assert.deepEqual(got.rejections.map((r) => r.rejection.code).sort(), refusedCodes.sort(), `refusals: ${JSON.stringify(got.rejections)}`);

      const aggregates = [...got.aggregates];
      const tls = [...got.tls];
      for (const expected of accepted) {
        if ((expected.kind ?? 'aggregate') === 'aggregate') {
          const a = aggregates.shift();
          assert.ok(a, 'expected another aggregate report');
          assert.equal(a.records.length, expected.records, 'records');
          assert.equal(a.trailer.recordCount, expected.records, 'recordCount');
          assert.equal(a.trailer.messageCount, expected.messages, 'messages');
          assert.equal(a.records.reduce((n, r) => n + r.count, 0), expected.messages, 'sum of counts');
          assert.deepEqual(codes(a.trailer.warnings), [...(expected.warnings ?? [])].sort(), 'warnings');
          assert.deepEqual(codes(a.trailer.recordErrors), [...(expected.recordErrors ?? [])].sort(), 'record errors');
          assertFacts(aggregateFacts(a), expected.expect, file);
        } else if (expected.kind === 'tlsrpt') {
          const t = tls.shift();
          assert.ok(t, 'expected another TLS report');
          assertFacts(tlsFacts(t.report), expected.expect, file);
        }
      }
      assert.equal(aggregates.length, 0, 'no unexpected aggregate reports');
      assert.equal(tls.length, 0, 'no unexpected TLS reports');
      assert.equal(got.failures.length, expectedReports.filter((r) => r.kind === 'failure' && r.outcome === 'accepted').length, 'failure reports');
    });
  }
}
