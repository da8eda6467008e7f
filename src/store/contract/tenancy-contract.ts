/**
 * The contract of tenancy (store.ts, Tenancy and StoreRoot.forOrganization): organisations and
 * their domains with their conflicts, the default organisation's view (the whole instance), and
 * the view of an organisation that owns a few domains: every domain-keyed method refuses a domain
 * outside (a look-alike like notexample.com included), lists and streams are filtered in SQL (a
 * subdomain in, and `_` or `%` in a name matching only itself), the instance's own lists are
 * empty, and ingest writes pass through.
 */
import assert from 'node:assert/strict';
import type { Store, StoreRoot } from '../store.js';
import { DEFAULT_ORGANIZATION_ID, OutOfScopeError, StoreConflictError } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';
import { collect, failure, header, provenance, record, saveAggregate, tls } from './contract-fixtures.test-helper.js';

const conflict = (field: string) => (err: unknown) => err instanceof StoreConflictError && err.field === field;
const outOfScope = (err: unknown) => err instanceof OutOfScopeError;

/** Reports for the owned domains, a subdomain, and names that only a careless LIKE would match. */
const OWNED = ['example.com', 'a_b.example', 'p%q.test'];
const IN_SCOPE = ['example.com', 'mail.example.com', 'x.a_b.example', 'a_b.example', 'x.p%q.test'];
const OUT_OF_SCOPE = ['notexample.com', 'example.com.evil.test', 'x.axb.example', 'x.pzzq.test', 'com'];

async function scopedOrganization(store: StoreRoot): Promise<Store> {
  const organization = await store.createOrganization({ slug: 'camden-council', name: 'Camden Council', at: new Date('2026-11-01T00:00:00Z') });
  for (const domain of OWNED) await store.assignDomain(organization.id, domain);
  return store.forOrganization(organization.id);
}

export function runTenancyContract(withStore: StoreTest): void {
  withStore('tenancy: the default organisation sees every domain; slugs and domains conflict; unknown organisations are out of scope', async (store) => {
    const [only] = (await store.listOrganizations()).items;
    assert.deepEqual({ ...only, createdAt: undefined }, { id: DEFAULT_ORGANIZATION_ID, slug: 'default', name: 'Default organisation', allDomains: true, createdAt: undefined });
    assert.deepEqual(await store.getDomainScope(DEFAULT_ORGANIZATION_ID), { kind: 'all' });
    const at = new Date('2026-11-02T03:04:05.678Z');
    const camden = await store.createOrganization({ slug: 'camden', name: 'Camden', at });
    assert.deepEqual(camden, { id: camden.id, slug: 'camden', name: 'Camden', allDomains: false, createdAt: at });
    assert.deepEqual(await store.getOrganization(camden.id), camden);
    assert.deepEqual(await store.getOrganizationBySlug('camden'), camden);
    assert.equal(await store.getOrganizationBySlug('nobody'), undefined);
    assert.equal(await store.getOrganization(camden.id + 100), undefined);
    await assert.rejects(store.createOrganization({ slug: 'camden', name: 'Another', at }), conflict('slug'));
    await assert.rejects(store.createOrganization({ slug: 'default', name: 'Another', at }), conflict('slug'));
    const other = await store.createOrganization({ slug: 'other', name: 'Other', at });
    await store.assignDomain(camden.id, 'camden.example');
    await store.assignDomain(camden.id, 'camden.example');
    await assert.rejects(store.assignDomain(other.id, 'camden.example'), conflict('domain'));
    await store.assignDomain(other.id, 'sub.camden.example');
    await assert.rejects(store.assignDomain(camden.id + 100, 'x.example'), outOfScope);
    assert.deepEqual(await store.getDomainScope(camden.id), { kind: 'domains', domains: ['camden.example'] });
    assert.deepEqual(await store.getDomainScope(other.id), { kind: 'domains', domains: ['sub.camden.example'] });
    assert.equal(await store.getDomainScope(camden.id + 100), undefined);
    await assert.rejects(store.forOrganization(camden.id + 100), outOfScope);
  });

  withStore("tenancy: the default organisation's view is the whole instance, and closing it closes nothing", async (store) => {
    await saveAggregate(store, header('r-1', {}, 'anything.example'), [record(1)]);
    const prov = await provenance(store, 'bad');
    await store.quarantine({ code: 'x', message: 'y' }, prov);
    const view = await store.forOrganization(DEFAULT_ORGANIZATION_ID);
    assert.deepEqual(await view.countReports(), await store.countReports());
    assert.equal((await view.listQuarantine({})).items.length, 1);
    assert.equal((await collect(view.streamRecords({}))).length, 1);
    assert.deepEqual(await view.readRawInput(prov.raw.sha256), new TextEncoder().encode('bad'));
    await view.close();
    assert.equal((await store.countReports()).aggregate, 1, 'the root is still open');
  });

  withStore("tenancy: an organisation's view refuses every domain-keyed method outside its domains, and allows its subdomains", async (store) => {
    const view = await scopedOrganization(store);
    const since = new Date('2020-01-01T00:00:00Z');
    const until = new Date('2030-01-01T00:00:00Z');
    const at = new Date('2026-11-20T10:00:00Z');
    const keyed = (domain: string): [string, () => Promise<unknown>][] => [
      ['sourceStats', () => view.sourceStats(domain, since, until, since)],
      ['reportingStats', () => view.reportingStats(domain, since, until)],
      ['listPublishedPolicies', () => view.listPublishedPolicies(domain)],
      ['listPublishedPolicyDays', () => view.listPublishedPolicyDays(domain)],
      ['sourceDays', () => view.sourceDays(domain, since, until)],
      ['dkimSelectors', () => view.dkimSelectors(domain, since, 10)],
      ['dailySeries', () => view.dailySeries(domain, { since, until })],
      ['setSenderDecision', () => view.setSenderDecision(domain, 'service:x', { decision: 'approved', at })],
      ['listSenderDecisions', () => view.listSenderDecisions(domain)],
      ['listSenderDecisionHistory', () => view.listSenderDecisionHistory(domain, {})],
      ['saveDomainCheck', () => view.saveDomainCheck({ domain, checkedAt: at, errors: 0, warnings: 0, result: {} })],
      ['listDomainChecks', () => view.listDomainChecks(domain)],
    ];
    for (const domain of OUT_OF_SCOPE) {
      for (const [method, call] of keyed(domain)) await assert.rejects(call(), outOfScope, `${method}(${domain}) is refused`);
    }
    for (const domain of IN_SCOPE) {
      for (const [method, call] of keyed(domain)) await assert.doesNotReject(call(), `${method}(${domain}) is allowed`);
    }
    assert.deepEqual((await store.listSenderDecisions('mail.example.com')).items.map((d) => d.key), ['service:x'], 'an allowed write reaches the store');
    assert.deepEqual(await store.listSenderDecisions('notexample.com'), { items: [], next: null }, 'a refused write does not');
  });

  withStore("tenancy: an organisation's view sees only its domains' records and reports, filtered in SQL", async (store) => {
    for (const [i, domain] of [...IN_SCOPE, ...OUT_OF_SCOPE].entries()) {
      await saveAggregate(store, header(`r-${i}`, {}, domain), [record(i)]);
      const prov = await provenance(store, `ruf-${i}`);
      await store.saveFailureReport(failure({ reportedDomain: domain, sourceIp: `192.0.2.${i}` }), prov, { keepFullHeaders: false }, []);
      await store.saveTlsReport(tls(`t-${i}`, [domain]), prov, []);
    }
    const prov = await provenance(store, 'mixed');
    await store.saveFailureReport(failure({ reportedDomain: null, sourceIp: '192.0.2.200' }), prov, { keepFullHeaders: false }, []);
    const mixed = await store.saveTlsReport(tls('t-mixed', ['other.example', 'mail.example.com']), prov, []);
    const view = await scopedOrganization(store);
    const sorted = (domains: Iterable<string | null>): (string | null)[] => [...domains].sort();

    const records = await collect(view.streamRecords({}));
    assert.deepEqual(sorted(records.map((r) => r.header.policy.domain)), sorted(IN_SCOPE));
    assert.deepEqual(await collect(view.streamRecords({ domain: 'notexample.com' })), []);
    assert.deepEqual((await collect(view.streamRecords({ domains: ['mail.example.com', 'notexample.com'] }))).map((r) => r.header.policy.domain), ['mail.example.com']);
    assert.deepEqual((await collect(view.streamRecords({ domains: ['example.com'] }))).length, 2, "the caller's filter within the scope");

    const failures = (await view.listFailureReports({})).items;
    assert.deepEqual(sorted(failures.map((f) => f.reportedDomain)), sorted(IN_SCOPE));
    assert.deepEqual((await view.listFailureReports({ domain: 'x.axb.example' })).items, []);
    const outside = (await store.listFailureReports({ domain: 'notexample.com' })).items[0];
    assert.ok(outside !== undefined);
    assert.equal(await view.getFailureReport(outside.id), undefined);
    assert.deepEqual((await view.getFailureReport(failures[0]?.id ?? 0))?.id, failures[0]?.id);
    const counted = await view.countFailureReportSources({});
    assert.deepEqual(counted.map((c) => c.sourceIp).sort(), failures.map((f) => f.sourceIp).sort(), 'failure counts see the same reports as the list');
    assert.deepEqual(await view.countFailureReportSources({ domain: 'notexample.com' }), []);

    const tlsReports = (await view.listTlsReports({})).items;
    assert.deepEqual(sorted(tlsReports.flatMap((t) => t.policyDomains)), sorted([...IN_SCOPE, 'mail.example.com']));
    const seen = tlsReports.find((t) => t.id === mixed.id);
    assert.deepEqual(seen?.report.policies.map((p) => p.policyDomain), ['mail.example.com'], "another organisation's policies are left out");
    assert.deepEqual((await view.getTlsReport(mixed.id))?.policyDomains, ['mail.example.com']);
    assert.deepEqual((await store.getTlsReport(mixed.id))?.policyDomains, ['other.example', 'mail.example.com'], 'the root sees the whole report');
    const tlsOutside = (await store.listTlsReports({ domain: 'x.pzzq.test' })).items[0];
    assert.ok(tlsOutside !== undefined);
    assert.equal(await view.getTlsReport(tlsOutside.id), undefined);
  });

  withStore("tenancy: an organisation's view has no quarantine, log, raw inputs or counts of the instance, but its ingest writes pass through", async (store) => {
    const view = await scopedOrganization(store);
    const prov = await provenance(view, 'bad input');
    const id = await view.quarantine({ code: 'xml-malformed', message: 'truncated' }, prov);
    await view.logIngest({ at: new Date('2026-11-20T10:00:00Z'), input: 'bad', raw: prov.raw, newReports: 0, duplicateReports: 0, rejected: 1, records: 0 });
    assert.equal((await saveAggregate(view, header('via-view', {}, 'notexample.com'), [record(1)])).status, 'new', 'ingest is instance-wide');
    assert.deepEqual(await view.listQuarantine({}), { items: [], next: null });
    assert.equal(await view.getQuarantine(id), undefined);
    await assert.rejects(view.setQuarantineState(id, 'dismissed'), outOfScope);
    assert.deepEqual(await view.listIngestLog(), { items: [], next: null });
    assert.equal(await view.readRawInput(prov.raw.sha256), undefined);
    await assert.rejects(view.countReports(), outOfScope);
    await assert.rejects(view.compact(), outOfScope);
    await assert.rejects(view.refreshStatistics(), outOfScope);
    await store.refreshStatistics();
    assert.equal((await store.getQuarantine(id))?.state, 'open');
    assert.equal((await store.listIngestLog()).items.length, 1);
    assert.equal((await store.countReports()).aggregate, 1);
    await view.close();
    assert.equal((await store.countReports()).raw, 2, 'closing the view leaves the root open');
  });
}
