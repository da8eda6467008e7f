import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDomains, listDomainChecks } from './check-domains.js';
import type { DomainCheckOutcome } from './check-domains.js';
import { ingestInput } from './ingest.js';
import { AppError } from './problems.js';
import { withTestApp } from './app-fixtures.test-helper.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const zone = {
  '_dmarc.a.example': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@a.example'] },
  'a.example': { TXT: ['v=spf1 -all'], MX: [{ priority: 10, exchange: 'mx.a.example' }] },
  'mx.a.example': { A: ['192.0.2.25'] },
  's2026._domainkey.a.example': { TXT: ['v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAx'] },
};

async function collect(outcomes: AsyncIterable<DomainCheckOutcome>): Promise<DomainCheckOutcome[]> {
  const all: DomainCheckOutcome[] = [];
  for await (const outcome of outcomes) all.push(outcome);
  return all;
}

function reportFor(domain: string, selector: string): Uint8Array {
  const end = Math.floor(NOW.getTime() / 1000) - 3600;
  return new TextEncoder().encode(
    `<?xml version="1.0"?><feedback><report_metadata><org_name>receiver.example</org_name><email>d@receiver.example</email><report_id>sel-${selector}</report_id>` +
      `<date_range><begin>${end - 86_400}</begin><end>${end}</end></date_range></report_metadata><policy_published><domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p></policy_published>` +
      `<record><row><source_ip>198.51.100.7</source_ip><count>12</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row>` +
      `<identifiers><header_from>${domain}</header_from></identifiers><auth_results><dkim><domain>${domain}</domain><selector>${selector}</selector><result>pass</result></dkim>` +
      `<spf><domain>${domain}</domain><result>pass</result></spf></auth_results></record></feedback>`,
  );
}

test('checkDomains: domains normalised and checked once each; the outcomes stream as they finish, bounded', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    const names = Array.from({ length: 30 }, (_, i) => `d${i}.example`);
    const run = checkDomains(ctx, ['A.example.', 'a.example', ...names], { concurrency: 4, probeDefaultSelectors: false });
    assert.deepEqual(run.domains, ['a.example', ...names]);
    const outcomes = await collect(run.outcomes);
    assert.deepEqual(outcomes.map((o) => o.domain).sort(), ['a.example', ...names].sort());
    assert.ok(outcomes.every((o) => o.status === 'checked'));
    const a = outcomes.find((o) => o.domain === 'a.example');
    assert.ok(a?.status === 'checked' && a.result.checkedAt === NOW.toISOString());
  }));

test('checkDomains: bad input is refused before anything is looked up', () =>
  withTestApp({ now: NOW, zone }, ({ ctx, resolver }) => {
    const refused = (call: () => unknown, field: string): void =>
      assert.throws(call, (caught: unknown) => caught instanceof AppError && caught.kind === 'invalid' && caught.field === field);
    refused(() => checkDomains(ctx, ['a.example', 'not a domain', 'x..y']), 'domains');
    refused(() => checkDomains(ctx, []), 'domains');
    refused(() => checkDomains(ctx, ['a.example'], { ip: '192.0.2.300' }), 'ip');
    refused(() => checkDomains(ctx, ['a.example'], { concurrency: 0 }), 'concurrency');
    assert.deepEqual(resolver.queries, []);
    try {
      checkDomains(ctx, ['not a domain']);
    } catch (caught) {
      assert.ok(caught instanceof AppError);
      assert.equal(caught.message, 'domains: not a domain name: not a domain');
    }
    return Promise.resolve();
  }));

test('checkDomains with the store: selectors seen in reports are looked up, each result is saved (unless told not to) and listed newest first', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx, resolver }) => {
    await ingestInput(ctx, { bytes: reportFor('a.example', 's2026'), name: 'report.xml' });
    const [first] = await collect(checkDomains(ctx, ['a.example'], { useStore: true, probeDefaultSelectors: false }).outcomes);
    assert.ok(first?.status === 'checked');
    assert.deepEqual(first.result.records.dkim.selectors.map((s) => `${s.selector} ${s.origin} ${s.status}`), ['s2026 reports found']);
    assert.ok(resolver.queries.includes('TXT s2026._domainkey.a.example'), resolver.queries.join('\n'));
    await collect(checkDomains(ctx, ['a.example'], { useStore: true, save: false, probeDefaultSelectors: false }).outcomes);
    await collect(checkDomains(ctx, ['a.example'], { useStore: true, selectors: ['extra'], probeDefaultSelectors: false }).outcomes);
    const saved = await listDomainChecks(ctx, 'a.example');
    assert.equal(saved.items.length, 2);
    const selectors = (entry: unknown): string[] => (entry as { records: { dkim: { selectors: { selector: string }[] } } }).records.dkim.selectors.map((s) => s.selector);
    assert.deepEqual(selectors(saved.items[0]?.result), ['extra', 's2026']);
    assert.deepEqual(selectors(saved.items[1]?.result), ['s2026']);
  }));

test('checkDomains: a resolver that answers nothing gives each domain one dns-resolver-failed and unknown records, saved as such', () => {
  const refuse = (name: string) => Promise.resolve({ status: 'error', code: 'refused', message: `${name}: 192.0.2.53:53 REFUSED` } as const);
  const resolver = { txt: refuse, a: refuse, aaaa: refuse, mx: refuse, ptr: refuse, servers: ['192.0.2.53:53'] };
  return withTestApp({ now: NOW, overrides: { resolver } }, async ({ ctx }) => {
    const outcomes = await collect(checkDomains(ctx, ['a.example', 'b.example'], { useStore: true }).outcomes);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'checked');
      if (outcome.status !== 'checked') continue;
      assert.deepEqual(outcome.result.findings.map((f) => f.code), ['dns-resolver-failed']);
      const { dns } = outcome.result;
      assert.ok(dns.status === 'resolver-failed' && dns.failure === 'refused' && dns.lookups > 5, JSON.stringify(dns));
      assert.deepEqual(dns.servers, ['192.0.2.53:53']);
      assert.ok(Object.values(outcome.result.state).every((s) => s.state === 'unknown' && s.failure === 'refused'));
    }
    const saved = (await listDomainChecks(ctx, 'a.example')).items;
    assert.equal(saved.length, 1);
    assert.deepEqual([saved[0]?.errors, saved[0]?.warnings], [1, 0]);
  });
});
