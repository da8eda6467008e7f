/**
 * parseMime + parseFailureReport over the real-world failure reports of the shared corpus
 * (../shared/corpus, read in place, never copied). Skipped, with the reason shown, when the
 * corpus is not there. Expected values are what the files visibly say; for mail-auth/arf the
 * neighbouring .json (another tool's parse result) is used as a cross-check too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLimits } from '../../core/limits.js';
import { parseMime } from '../mime/parse-mime.js';
import type { FailureReport } from './failure-report.js';
import { isFailureReport, parseFailureReport } from './parse-failure-report.js';
import { corpusDir } from '../../../test/helpers/corpus.js';

const corpus = corpusDir;
const folders = ['parsedmarc/failure', 'mail-auth/arf'];

type Expected = Partial<Omit<FailureReport, 'original'>> & { subject?: string | null; from?: string | null };

const expectations: Record<string, Expected> = {
  'parsedmarc/failure/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml': {
    format: 'arf', feedbackType: 'auth-failure', userAgent: 'Lua/1.0', authFailure: ['dmarc'], sourceIp: '10.10.10.10', reportedDomain: 'domain.de',
    arrivalDate: '2018-10-01T09:20:27Z', originalMailFrom: 'sharepoint@domain.de', originalRcptTo: ['peter.pan@domain.de'], spfDomain: 'domain.de',
    deliveryResult: 'smg-policy-action', subject: 'Subject', from: '"Interaktive Wettbewerber-Übersicht" <sharepoint@domain.de>', originalBodyIncluded: true,
  },
  'parsedmarc/failure/[Netease DMARC Failure Report] Rent Reminder.eml': {
    format: 'arf', feedbackType: 'auth-failure', userAgent: 'NtesDmarcReporter/1.0', sourceIp: '167.89.69.24', reportedDomain: 'cardinal.com',
    arrivalDate: '2018-09-28T08:48:42Z', identityAlignment: ['spf', 'dkim'], identityAlignmentRaw: 'spf,dkim', identityAlignmentMeaning: 'unknown',
    dkimDomain: 'entrata.com', deliveryResult: 'delivered', spfDomain: 'email.entrata.com', subject: 'Rent Reminder', originalBodyIncluded: false,
  },
  'parsedmarc/failure/dmarc_ruf_report_linkedin.eml': {
    format: 'arf', authFailure: ['dmarc'], sourceIp: '10.10.10.10', reportedDomain: 'example.com', arrivalDate: '2019-04-30T02:09:00Z',
    originalMailFrom: null, originalRcptTo: ['recipient@linkedin.com'], deliveryResult: 'delivered', subject: 'Subject line, could be UTF8 encoded',
    from: 'Sender <sender@example.com>', originalBodyIncluded: true,
  },
  'parsedmarc/failure/dmarc_ruf_report_linkedin.crlf.eml': {
    format: 'arf', authFailure: ['dmarc'], sourceIp: '10.10.10.10', reportedDomain: 'example.com', arrivalDate: '2019-04-30T02:09:00Z',
    originalRcptTo: ['recipient@linkedin.com'], subject: 'Subject line, could be UTF8 encoded', originalBodyIncluded: true,
  },
  'parsedmarc/failure/exim_plain_text_only_no_arf_part.eml': {
    format: 'text', feedbackType: 'auth-failure', authFailure: ['dmarc'], sourceIp: '203.0.113.68', reportedDomain: 'example.com',
    arrivalDate: '2025-04-07T21:16:09Z', spfAligned: false, dkimAligned: false, subject: 'Payment from your account.', from: '<user@example.com>',
  },
  'mail-auth/arf/001.eml': { format: 'arf', feedbackType: 'abuse', userAgent: 'SomeGenerator/1.0', version: '1', sourceIp: null, subject: 'Earn money' },
  'mail-auth/arf/002.eml': {
    feedbackType: 'abuse', sourceIp: '192.0.2.1', reportedDomain: 'example.net', arrivalDate: '2005-03-08T18:00:00Z', reportingMta: 'mail.example.com',
    originalMailFrom: 'somespammer@example.net', originalRcptTo: ['user@example.com'], reportedUris: ['http://example.net/earn_money.html', 'mailto:user@example.com'],
  },
  'mail-auth/arf/003.eml': {
    feedbackType: 'auth-failure', authFailure: ['bodyhash'], sourceIp: '192.0.2.1', reportedDomain: 'example.net', dkimDomain: 'example.net',
    arrivalDate: '2010-04-14T19:15:31Z', subject: 'This is a test',
  },
  'mail-auth/arf/004.eml': {
    feedbackType: 'auth-failure', authFailure: ['dmarc'], userAgent: 'OpenDMARC-Filter/1.3.2', sourceIp: '148.163.85.135', reportedDomain: 'interpublication.org',
    originalEnvelopeId: '8BE2660E72', originalMailFrom: 'info@interpublication.org', subject: 'Wir kaufen dein Auto!', originalBodyIncluded: false,
  },
  'mail-auth/arf/005.eml': {
    feedbackType: 'auth-failure', authFailure: ['bodyhash'], sourceIp: '192.0.2.1', reportedDomain: 'a.sender.example', dkimDomain: 'sender.example',
    dkimIdentity: '@sender.example', dkimSelector: 'testkey', arrivalDate: '2011-10-08T20:15:58Z', originalEnvelopeId: 'o3F52gxO029144',
    reportedUris: ['http://www.sender.example/'], subject: 'You have a new bill from your bank',
  },
};

function parseFile(path: string): FailureReport {
  const parsed = parseMime(readFileSync(path), defaultLimits, path);
  assert.ok(parsed.entity, JSON.stringify(parsed.rejection));
  assert.equal(isFailureReport(parsed.entity), true);
  const result = parseFailureReport(parsed.entity);
  assert.equal(result.rejection, undefined, JSON.stringify(result.rejection));
  assert.ok(result.report);
  return result.report;
}

for (const folder of folders) {
  const dir = join(corpus, folder);
  if (!existsSync(dir)) {
    test(`corpus ${folder}`, { skip: `corpus folder not found: ${dir}` }, () => {});
    continue;
  }
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.eml')).sort()) {
    const key = `${folder}/${name}`;
    test(`corpus ${key}`, () => {
      const report = parseFile(join(dir, name));
      const expected = expectations[key];
      assert.ok(expected, `no expectations written for ${key}`);
      const { subject, from, ...fields } = expected;
      for (const [field, value] of Object.entries(fields)) assert.deepEqual(report[field as keyof FailureReport], value, field);
      if (subject !== undefined) assert.equal(report.original?.subject, subject);
      if (from !== undefined) assert.equal(report.original?.from, from);
      crossCheck(join(dir, name.replace(/\.eml$/, '.json')), report);
    });
  }
}

test('corpus: the CRLF and LF LinkedIn samples give the same report', { skip: existsSync(join(corpus, 'parsedmarc/failure')) ? false : 'corpus not found' }, () => {
  const lf = parseFile(join(corpus, 'parsedmarc/failure/dmarc_ruf_report_linkedin.eml'));
  const crlf = parseFile(join(corpus, 'parsedmarc/failure/dmarc_ruf_report_linkedin.crlf.eml'));
  assert.deepEqual(crlf, lf);
});

interface MailAuthArf {
  arrival_date: number | null;
  source_ip: string | null;
  reported_domain: string[];
  user_agent: string | null;
  original_mail_from: string | null;
  original_envelope_id: string | null;
  dkim_domain: string | null;
  dkim_identity: string | null;
  dkim_selector: string | null;
}

/** mail-auth's parse of the same file (a cross-check, not a spec): the fields both tools extract must agree. */
function crossCheck(jsonPath: string, report: FailureReport): void {
  if (!existsSync(jsonPath)) return;
  const other = JSON.parse(readFileSync(jsonPath, 'utf8')) as MailAuthArf;
  assert.equal(report.sourceIp, other.source_ip, 'source_ip');
  assert.equal(report.arrivalDate, other.arrival_date === null ? null : new Date(other.arrival_date * 1000).toISOString().replace('.000Z', 'Z'), 'arrival_date');
  if (other.reported_domain[0] !== undefined) assert.equal(report.reportedDomain, other.reported_domain[0], 'reported_domain');
  assert.equal(report.userAgent, other.user_agent, 'user_agent');
  assert.equal(report.originalMailFrom, other.original_mail_from?.replace(/^<|>$/g, '') ?? null, 'original_mail_from');
  assert.equal(report.originalEnvelopeId, other.original_envelope_id, 'original_envelope_id');
  assert.equal(report.dkimDomain, other.dkim_domain, 'dkim_domain');
  assert.equal(report.dkimIdentity, other.dkim_identity, 'dkim_identity');
  assert.equal(report.dkimSelector, other.dkim_selector, 'dkim_selector');
}
