/**
 * The contract of paging (store.ts, PageRequest and Page): every list, walked a few items at a
 * time, gives every item once in the documented order, its last page says so (`next` null), the
 * default and largest limits hold, a cursor the list did not make is refused, and a page goes on
 * after the previous one's last item even when rows were added meanwhile (keyset, not OFFSET).
 */
import assert from 'node:assert/strict';
import type { Page, PageRequest, StoreRoot } from '../store.js';
import { DEFAULT_PAGE_LIMIT, InvalidCursorError } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';
import { allPages, failure, provenance, tls } from './contract-fixtures.test-helper.js';

type List<T> = (page: PageRequest) => Promise<Page<T>>;

/** Walks the list `limit` at a time and compares with `expected` (the whole list in order, as the test stored it). */
async function assertPages<T>(list: List<T>, expected: readonly T[], limit: number, what: string): Promise<void> {
  const pages = await allPages(list, limit);
  const sizes = Array.from({ length: Math.max(1, Math.ceil(expected.length / limit)) }, (_, i) => Math.min(limit, expected.length - i * limit));
  assert.deepEqual(pages.map((p) => p.length), sizes, `${what}: page sizes`);
  assert.deepEqual(pages.flat(), expected, `${what}: every item once, in order`);
}

/** A list refuses cursors it did not make and limits outside 1..1000. */
async function assertRefusals(list: List<unknown>, foreignCursor: string, what: string): Promise<void> {
  const refused = (field: 'after' | 'limit') => (err: unknown) => err instanceof InvalidCursorError && err.field === field;
  const forged = Buffer.from(JSON.stringify(['no-such-list', 1]), 'utf8').toString('base64url');
  for (const after of ['not a cursor!', '', 'AAAA', forged, foreignCursor]) {
    await assert.rejects(list({ after }), refused('after'), `${what}: cursor ${JSON.stringify(after)} refused`);
  }
  for (const limit of [0, -1, 1001, 2.5, Number.NaN]) await assert.rejects(list({ limit }), refused('limit'), `${what}: limit ${limit} refused`);
}

async function fill(store: StoreRoot): Promise<void> {
  const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 20, 10, minute));
  for (let i = 0; i < 7; i++) {
    const prov = await provenance(store, `input ${i}`, `in-${i}.xml`);
    const id = await store.quarantine({ code: 'xml-malformed', message: `bad ${i}` }, prov);
    if (i % 3 === 1) await store.setQuarantineState(id, 'resolved');
    // Two log lines share each minute: the id orders them.
    await store.logIngest({ at: at(Math.floor(i / 2)), input: `in-${i}.xml`, raw: prov.raw, newReports: i, duplicateReports: 0, rejected: 0, records: 0 });
    await store.saveDomainCheck({ domain: 'example.com', checkedAt: at(Math.floor(i / 2)), errors: i, warnings: 0, result: { run: i } });
    await store.saveFailureReport(failure({ sourceIp: `192.0.2.${i}` }), prov, { keepFullHeaders: false }, []);
    await store.saveTlsReport(tls(`t-${i}`), prov, []);
  }
  await store.saveDomainCheck({ domain: 'example.org', checkedAt: at(9), errors: 99, warnings: 0, result: {} });
}

export function runPagingContract(withStore: StoreTest): void {
  withStore('paging: quarantine, ingest log, checks, failure and TLS reports, each walked 3 at a time, every item once in order', async (store) => {
    await fill(store);
    const all = async <T>(list: List<T>): Promise<T[]> => [...(await list({ limit: 1000 })).items];
    const quarantine = await all((page) => store.listQuarantine({}, page));
    assert.deepEqual(quarantine.map((q) => q.message), ['bad 0', 'bad 1', 'bad 2', 'bad 3', 'bad 4', 'bad 5', 'bad 6'], 'quarantine: oldest first');
    await assertPages((page) => store.listQuarantine({}, page), quarantine, 3, 'quarantine');
    await assertPages((page) => store.listQuarantine({ state: 'open' }, page), quarantine.filter((q) => q.state === 'open'), 2, 'open quarantine');
    await assertPages((page) => store.listQuarantine({ state: 'resolved' }, page), quarantine.filter((q) => q.state === 'resolved'), 1, 'resolved quarantine');

    const log = await all((page) => store.listIngestLog(page));
    assert.deepEqual(log.map((e) => e.input), [6, 5, 4, 3, 2, 1, 0].map((i) => `in-${i}.xml`), 'ingest log: newest first, the later of one minute first');
    await assertPages((page) => store.listIngestLog(page), log, 3, 'ingest log');

    const checks = await all((page) => store.listDomainChecks('example.com', page));
    assert.deepEqual(checks.map((c) => c.errors), [6, 5, 4, 3, 2, 1, 0], 'checks: newest first, the later of one minute first');
    await assertPages((page) => store.listDomainChecks('example.com', page), checks, 3, 'checks');

    const failures = await all((page) => store.listFailureReports({}, page));
    assert.deepEqual(failures.map((f) => f.sourceIp), [6, 5, 4, 3, 2, 1, 0].map((i) => `192.0.2.${i}`), 'failure reports: newest stored first');
    await assertPages((page) => store.listFailureReports({}, page), failures, 3, 'failure reports');

    const tlsReports = await all((page) => store.listTlsReports({}, page));
    assert.deepEqual(tlsReports.map((t) => t.report.reportId), [6, 5, 4, 3, 2, 1, 0].map((i) => `t-${i}`), 'TLS reports: newest stored first');
    await assertPages((page) => store.listTlsReports({}, page), tlsReports, 3, 'TLS reports');
  });

  withStore('paging: decisions by key (code-point order), their history newest first, organisations by id, their domains by name', async (store) => {
    const keys = ['service:mailchimp', 'domain:a-b.example', 'domain:ab.example', 'domain:a.b.example', 'net:192.0.2.0/24', 'Service:Upper', 'domain:a_b.example'];
    for (const [i, key] of keys.entries()) await store.setSenderDecision('example.com', key, { decision: i % 2 ? 'approved' : 'rejected', at: new Date(Date.UTC(2026, 10, 1 + i)) });
    await store.setSenderDecision('example.org', 'service:other', { decision: 'approved', at: new Date(Date.UTC(2026, 10, 9)) });
    const decisions = (await store.listSenderDecisions('example.com', { limit: 1000 })).items;
    assert.deepEqual(decisions.map((d) => d.key), [...keys].sort(), 'decisions: by key, code point by code point');
    await assertPages((page) => store.listSenderDecisions('example.com', page), decisions, 3, 'decisions');
    const history = (await store.listSenderDecisionHistory('example.com', {}, { limit: 1000 })).items;
    assert.deepEqual(history.map((c) => c.key), [...keys].reverse(), 'history: newest first');
    await assertPages((page) => store.listSenderDecisionHistory('example.com', {}, page), history, 3, 'history');

    const created = [];
    for (let i = 0; i < 6; i++) created.push(await store.createOrganization({ slug: `org-${i}`, name: `Org ${i}`, at: new Date(Date.UTC(2026, 10, 1, i)) }));
    const organizations = (await store.listOrganizations({ limit: 1000 })).items;
    assert.deepEqual(organizations.map((o) => o.slug), ['default', ...created.map((o) => o.slug)], 'organisations: by id, the default one first');
    await assertPages((page) => store.listOrganizations(page), organizations, 3, 'organisations');
    const owner = created[0]?.id ?? 0;
    const names = ['z.example', 'a.example', 'a-b.example', '0.example', 'ab.example', 'a_b.example', 'b.example'];
    for (const domain of names) await store.assignDomain(owner, domain);
    await assertPages((page) => store.listOrganizationDomains(owner, page), [...names].sort(), 3, 'organisation domains');
    assert.deepEqual(await store.listOrganizationDomains(created[1]?.id ?? 0), { items: [], next: null });
  });

  withStore('paging: the default limit is 100, the largest 1000; a cursor from another list, or made up, is refused', async (store) => {
    for (let i = 0; i < 101; i++) await store.logIngest({ at: new Date(Date.UTC(2026, 10, 20, 10, 0, i)), input: `f${i}`, raw: null, newReports: 0, duplicateReports: 0, rejected: 0, records: 0 });
    const first = await store.listIngestLog();
    assert.equal(first.items.length, DEFAULT_PAGE_LIMIT);
    assert.ok(first.next !== null);
    const second = await store.listIngestLog({ after: first.next });
    assert.deepEqual(second.items.map((e) => e.input), ['f0']);
    assert.equal(second.next, null);
    assert.equal((await store.listIngestLog({ limit: 1000 })).items.length, 101);
    await fill(store);
    const logCursor = first.next;
    const quarantineCursor = (await store.listQuarantine({}, { limit: 1 })).next ?? '';
    await assertRefusals((page) => store.listQuarantine({}, page), logCursor, 'quarantine');
    await assertRefusals((page) => store.listIngestLog(page), quarantineCursor, 'ingest log');
    await assertRefusals((page) => store.listDomainChecks('example.com', page), logCursor, 'checks');
    await assertRefusals((page) => store.listFailureReports({}, page), quarantineCursor, 'failure reports');
    await assertRefusals((page) => store.listTlsReports({}, page), quarantineCursor, 'TLS reports');
    await assertRefusals((page) => store.listSenderDecisions('example.com', page), logCursor, 'decisions');
    await assertRefusals((page) => store.listSenderDecisionHistory('example.com', {}, page), quarantineCursor, 'history');
    await assertRefusals((page) => store.listOrganizations(page), quarantineCursor, 'organisations');
    await assertRefusals((page) => store.listOrganizationDomains(1, page), logCursor, 'organisation domains');
  });

  withStore('paging is keyset: rows added between two pages neither repeat an item nor hide one', async (store) => {
    const log = async (i: number) => store.logIngest({ at: new Date(Date.UTC(2026, 10, 20, 10, i)), input: `f${i}`, raw: null, newReports: 0, duplicateReports: 0, rejected: 0, records: 0 });
    for (let i = 0; i < 6; i++) await log(i);
    const first = await store.listIngestLog({ limit: 3 });
    assert.deepEqual(first.items.map((e) => e.input), ['f5', 'f4', 'f3']);
    await log(10);
    await log(11);
    const second = await store.listIngestLog({ limit: 3, after: first.next ?? undefined });
    assert.deepEqual(second.items.map((e) => e.input), ['f2', 'f1', 'f0'], 'newer lines do not push older ones onto the next page again');
    assert.equal(second.next, null);

    const prov = await provenance(store, 'q');
    for (let i = 0; i < 4; i++) await store.quarantine({ code: `c${i}`, message: 'm' }, prov);
    const page = await store.listQuarantine({}, { limit: 3 });
    await store.quarantine({ code: 'c-new', message: 'm' }, prov);
    const rest = await store.listQuarantine({}, { limit: 3, after: page.next ?? undefined });
    assert.deepEqual(rest.items.map((q) => q.code), ['c3', 'c-new'], 'an entry added after the first page is on the next');
  });
}
