/**
 * The reports, records and helpers the contract suite (../store-contract.ts and its parts in this
 * folder) stores and reads: small, complete values of every kind, made the same way for every
 * implementation. Not a test file itself.
 */
import { test } from 'node:test';
import type { AggregateHeader, AggregateRecord, AggregateTrailer } from '../../reports/aggregate/aggregate-report.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import type { TlsReport } from '../../reports/tlsrpt/tls-report.js';
import type { Page, PageRequest, Provenance, Store, StoreRoot, StoredRecord } from '../store.js';

/** Opens a fresh, empty store of the implementation under test; `cleanup` removes it after `close`. */
export type OpenStore = () => Promise<{ store: StoreRoot; cleanup: () => Promise<void> }>;

/** A test of `name`'s store: `body` gets a fresh one, closed and cleaned up afterwards whatever happens. */
export type StoreTest = (title: string, body: (store: StoreRoot) => Promise<void>) => void;

export function storeTest(name: string, open: OpenStore): StoreTest {
  return (title, body) => {
    void test(`${name} store: ${title}`, async () => {
      const { store, cleanup } = await open();
      try {
        await body(store);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  };
}

export const header = (reportId: string, overrides: Partial<AggregateHeader['metadata']> = {}, domain = 'example.com'): AggregateHeader => ({
  kind: 'aggregate',
  schema: 'rfc9990',
  version: '1.0',
  namespace: 'urn:ietf:params:xml:ns:dmarc-2.0',
  metadata: { orgName: 'receiver.example', email: 'dmarc@receiver.example', extraContactInfo: null, reportId, begin: 1700000000, end: 1700086399, errors: [], generator: 'Example 1.0', ...overrides },
  policy: { domain, adkim: 'r', aspf: 's', p: 'quarantine', sp: null, np: 'reject', pct: null, fo: '1', testing: 'y', discoveryMethod: 'treewalk' },
});

export const record = (n: number, overrides: Partial<AggregateRecord> = {}): AggregateRecord => ({
  sourceIp: n % 2 ? `192.0.2.${n % 250}` : `2001:db8::${n.toString(16)}`,
  count: n + 1,
  disposition: 'none',
  dkim: 'pass',
  spf: n % 3 ? 'pass' : 'fail',
  reasons: n % 5 ? [] : [{ type: 'local_policy', comment: 'arc=pass as[1].d=list.example' }],
  headerFrom: 'example.com',
  envelopeFrom: n % 4 ? `bounce${n}.example.com` : null,
  envelopeTo: null,
  authDkim: [{ domain: 'example.com', selector: `s${n}`, result: 'pass', humanResult: null }],
  authSpf: [{ domain: `bounce${n}.example.com`, scope: 'mfrom', result: 'pass', humanResult: 'ok' }],
  ...overrides,
});

export const trailerFor = (records: readonly AggregateRecord[]): AggregateTrailer => ({
  recordCount: records.length,
  messageCount: records.reduce((n, r) => n + r.count, 0),
  extensions: [],
  warnings: [{ code: 'value-case', severity: 'warning', message: 'The value "Pass" ...', count: 3 }],
  recordErrors: [],
});

export async function provenance(store: Store, text: string, source = 'in.xml'): Promise<Provenance> {
  return { raw: await store.saveRawInput(new TextEncoder().encode(text)), source, receivedAt: new Date('2026-11-20T10:00:00Z') };
}

export async function saveAggregate(store: Store, h: AggregateHeader, records: AggregateRecord[], source = 'in.xml') {
  const writer = await store.beginAggregateReport(h, await provenance(store, `${h.metadata.reportId}-${source}`, source));
  for (let i = 0; i < records.length; i += 100) await writer.addRecords(records.slice(i, i + 100));
  return writer.commit(trailerFor(records));
}

export async function collect(iterable: AsyncIterable<StoredRecord>): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export const failure = (overrides: Partial<FailureReport> = {}): FailureReport => ({
  kind: 'failure', format: 'arf', feedbackType: 'auth-failure', userAgent: 'Example/1.0', version: '1', authFailure: ['dmarc'],
  identityAlignment: ['none'], identityAlignmentRaw: 'none', identityAlignmentMeaning: 'unknown', spfAligned: null, dkimAligned: null,
  deliveryResult: 'reject', reportedDomain: 'example.com', sourceIp: '192.0.2.9', arrivalDate: '2026-11-20T09:00:00Z',
  dkimDomain: 'example.com', dkimSelector: 's1', dkimIdentity: null, spfDomain: 'bounce.example.com', originalMailFrom: 'a@bounce.example.com',
  originalRcptTo: ['b@example.net'], authenticationResults: ['mx.example.net; dmarc=fail header.from=example.com'], reportingMta: 'mx.example.net',
  incidents: 1, originalEnvelopeId: null, reportedUris: [], otherFields: [],
  original: { from: 'a@example.com', to: 'b@example.net', subject: 'Private subject', messageId: '<m1@example.com>', date: '2026-11-20T08:59:00Z', headers: 'From: a@example.com\nSubject: Private subject\n' },
  originalBodyIncluded: false,
  ...overrides,
});

export const tls = (reportId: string, domains: readonly string[] = ['example.com'], dateRange = { start: '2026-11-19T00:00:00Z', end: '2026-11-19T23:59:59Z' }): TlsReport => ({
  kind: 'tlsrpt', organizationName: 'Sender Example', dateRange,
  contactInfo: 'tls@sender.example', reportId,
  policies: domains.map((policyDomain) => ({ policyType: 'sts', policyStrings: ['version: STSv1'], policyDomain, mxHosts: [`mx.${policyDomain}`],
    successfulSessionCount: 10, failedSessionCount: 1,
    failureDetails: [{ resultType: 'certificate-expired', sendingMtaIp: '192.0.2.5', receivingMxHostname: 'mx.example.com', receivingMxHelo: null,
      receivingIp: '198.51.100.1', failedSessionCount: 1, additionalInformation: null, failureReasonCode: null }] })),
} as unknown as TlsReport);

/** Every page of a list, asked for `limit` items at a time, following `next` to the end. */
export async function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[][]> {
  const pages: T[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await list({ limit, after });
    pages.push([...page.items]);
    if (page.next === null) return pages;
    after = page.next;
    if (pages.length > 10_000) throw new Error('the list does not end');
  }
}
