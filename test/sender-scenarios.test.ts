/**
 * Sender intelligence over report histories where the right answer is known
 * (helpers/sender-history.ts): each sender's key, class, state, diagnosis and fix, end to end from
 * aggregate report XML through the SQLite store, reverse DNS and the catalogue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeSenders } from '../src/analysis/summarize-senders.js';
import { memoryEnrichmentCache } from '../src/analysis/enrich-sources.js';
import type { SenderSummary } from '../src/analysis/sender-model.js';
import { MemoryResolver } from '../src/dns/memory-resolver.js';
import { parseAggregateReport } from '../src/reports/aggregate/aggregate-parser.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { BOTNET_IPS, DOMAIN, FORWARDER_IP, MAILCHIMP_IPS, NEW_VENDOR_IP, NOW, senderHistory, zone } from './helpers/sender-history.js';

const DAY_MS = 86_400_000;

async function storeWith(reports: readonly { name: string; xml: string }[]): Promise<Store> {
  const store = await openSqliteStore(':memory:');
  for (const { name, xml } of reports) {
    const { report, rejection } = parseAggregateReport(xml);
    assert.ok(report, `${name}: ${rejection?.message ?? ''}`);
    const raw = await store.saveRawInput(new TextEncoder().encode(xml));
    const writer = await store.beginAggregateReport(report, { raw, source: name, receivedAt: NOW });
    await writer.addRecords(report.records);
    await writer.commit(report);
  }
  return store;
}

async function senders(store: Store, options: { offline?: boolean; resolver?: MemoryResolver } = {}): Promise<Map<string, SenderSummary>> {
  const list = await summarizeSenders(store, DOMAIN, {
    since: new Date(NOW.getTime() - 30 * DAY_MS),
    until: NOW,
    resolver: options.resolver ?? new MemoryResolver(zone),
    now: () => NOW,
    ...(options.offline ? { offline: true, cache: memoryEnrichmentCache() } : {}),
  });
  return new Map(list.map((s) => [s.key, s]));
}

const get = (map: Map<string, SenderSummary>, key: string): SenderSummary => {
  const sender = map.get(key);
  assert.ok(sender, `sender ${key} among ${[...map.keys()].join(', ')}`);
  return sender;
};

test('scenario: a fully aligned Google Workspace is recognised by reverse DNS, aligned and verified, with nothing to fix', async () => {
  const store = await storeWith(senderHistory());
  try {
    const google = get(await senders(store), 'service:google-workspace');
    assert.equal(google.class, 'aligned');
    assert.equal(google.state, 'verified');
    assert.equal(google.messages, 30 * 80);
    assert.equal(google.dmarcPass, google.messages);
    assert.deepEqual(google.matches.map((m) => m.by), ['ptr', 'ptr']);
    assert.deepEqual(google.sources?.map((s) => [s.ip, s.fcrdns, s.name, s.messages]), [
      ['192.0.2.10', 'confirmed', 'mail-sor-f10.google.com', 1200],
      ['192.0.2.11', 'confirmed', 'mail-sor-f11.google.com', 1200],
    ]);
    assert.deepEqual(google.diagnosis, []);
    assert.deepEqual(google.fix, []);
    assert.equal(google.firstSeen, '2026-10-20', 'first seen over all history, before the window');
    assert.equal(google.lastSeen, '2026-11-30');
  } finally {
    await store.close();
  }
});

test('scenario: a forgotten marketing platform fails SPF alignment (its own return path) and signs with its own DKIM domain', async () => {
  const store = await storeWith(senderHistory());
  try {
    const mailchimp = get(await senders(store), 'service:mailchimp');
    assert.equal(mailchimp.class, 'legitimate-unaligned');
    assert.equal(mailchimp.state, 'unknown');
    assert.deepEqual([...mailchimp.sourceIps].sort(), MAILCHIMP_IPS);
    assert.equal(mailchimp.dmarcPass, 0);
    assert.ok(mailchimp.diagnosis.includes('DKIM is signed by mcsv.net, not example.com: DKIM is not aligned.'), mailchimp.diagnosis.join('\n'));
    assert.ok(
      mailchimp.diagnosis.includes("SPF passes for mail20.mcsv.net and mail21.mcsv.net (the service's own return path), not for example.com: SPF is not aligned."),
      mailchimp.diagnosis.join('\n'),
    );
    assert.match(mailchimp.fix.join('\n'), /k2\._domainkey\.example\.com -> dkim2\.mcsv\.net/);
    assert.doesNotMatch(mailchimp.fix.join('\n'), /\{domain\}/, 'the catalogue placeholder is filled in');
    assert.match(mailchimp.fix.join('\n'), /mailchimp\.com\/help/);
  } finally {
    await store.close();
  }
});

test('scenario: a forwarder (override reason forwarded, DKIM still passing) is forwarded, with ARC and DKIM advice and no DNS fix', async () => {
  const store = await storeWith(senderHistory());
  try {
    const forwarder = get(await senders(store), 'domain:forwarder.example');
    assert.deepEqual(forwarder.sourceIps, [FORWARDER_IP]);
    assert.equal(forwarder.class, 'forwarded');
    assert.deepEqual(forwarder.overrides, [{ type: 'forwarded', messages: 150 }]);
    // DKIM passes, so DMARC passes: nothing fails, nothing to diagnose.
    assert.equal(forwarder.dmarcPass, forwarder.messages);
    assert.deepEqual(forwarder.diagnosis, []);
  } finally {
    await store.close();
  }
});

test('scenario: a forwarder whose mail fails DMARC is told "no DNS fix", ARC and DKIM', async () => {
  const reports = senderHistory().map((r) => ({ ...r, xml: r.xml.replaceAll(`<source_ip>${FORWARDER_IP}</source_ip><count>5</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim>`, `<source_ip>${FORWARDER_IP}</source_ip><count>5</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim>`).replaceAll('<selector>google</selector><result>pass</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope><result>fail</result>', '<selector>google</selector><result>fail</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope><result>fail</result>') }));
  const store = await storeWith(reports);
  try {
    const forwarder = get(await senders(store), 'domain:forwarder.example');
    assert.equal(forwarder.class, 'forwarded');
    assert.equal(forwarder.dmarcPass, 0);
    assert.match(forwarder.diagnosis.join('\n'), /Receivers reported overrides on its messages: forwarded \(150\)/);
    assert.match(forwarder.diagnosis.join('\n'), /The DKIM signature of example\.com \(selector google, fail\) does not verify on 150 messages/);
    assert.match(forwarder.fix[0] ?? '', /^No DNS change fixes forwarded mail\. .*DKIM d=example\.com/);
    assert.match(forwarder.fix[1] ?? '', /ARC \(RFC 8617\)/);
  } finally {
    await store.close();
  }
});

test('scenario: a spoofing botnet (many networks, no reverse DNS, everything fails) is suspicious, with nothing to fix', async () => {
  const store = await storeWith(senderHistory());
  try {
    const all = await senders(store);
    const botnet = [...all.values()].filter((s) => s.sourceIps.some((ip) => BOTNET_IPS.includes(ip)));
    assert.deepEqual(botnet.map((s) => s.key).sort(), [
      'net:2001:db8:b1::/48', 'net:2001:db8:b2::/48', 'net:2001:db8:b3::/48', 'net:2001:db8:b4::/48', 'net:2001:db8:b5::/48', 'net:2001:db8:b6::/48', 'net:203.0.113.0/24',
    ]);
    for (const sender of botnet) {
      assert.equal(sender.class, 'suspicious', sender.key);
      assert.equal(sender.state, 'unknown', sender.key);
      assert.match(sender.diagnosis.join('\n'), /No DKIM signature was reported on its mail/);
      assert.match(sender.diagnosis.join('\n'), /SPF fails for example\.com on \d+ messages: .* not authorised by its SPF record\./);
      assert.match(sender.diagnosis.join('\n'), /looks like someone else sending as example\.com/);
      assert.match(sender.fix[0] ?? '', /^Nothing to fix: this mail is not yours/);
      assert.match(sender.fix[1] ?? '', new RegExp(`dmarcpilot approve example\\.com ${sender.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  } finally {
    await store.close();
  }
});

test('scenario: a sender appearing after the policy change is new; once decided on, it is not', async () => {
  const store = await storeWith(senderHistory());
  try {
    const vendor = get(await senders(store), 'domain:newvendor.example');
    assert.deepEqual(vendor.sourceIps, [NEW_VENDOR_IP]);
    assert.equal(vendor.firstSeen, '2026-11-24');
    assert.equal(vendor.state, 'new', 'first seen 7.5 days before now, but after the policy change of 2026-11-20');
    assert.equal(vendor.class, 'unknown');
    assert.ok(vendor.diagnosis.includes('DKIM is signed by newvendor.example, not example.com: DKIM is not aligned.'), vendor.diagnosis.join('\n'));
    assert.match(vendor.fix[0] ?? '', /approve example\.com domain:newvendor\.example/);
    assert.match(vendor.fix.join('\n'), /Sign its mail with DKIM d=example\.com/);
    assert.match(vendor.fix.join('\n'), /bounces\.example\.com TXT "v=spf1 ip4:198\.51\.100\.77 -all"/);
    // Senders there from the start of the history are never new.
    const all = await senders(store);
    assert.deepEqual([...all.values()].filter((s) => s.state === 'new').map((s) => s.key), ['domain:newvendor.example']);

    await store.setSenderDecision(DOMAIN, 'domain:newvendor.example', 'approved', NOW, 'the new CRM');
    const approved = get(await senders(store), 'domain:newvendor.example');
    assert.equal(approved.decision, 'approved');
    assert.equal(approved.state, 'approved');
    assert.equal(approved.class, 'legitimate-unaligned', 'approved and failing: the owner decided it is theirs');
    assert.doesNotMatch(approved.fix.join('\n'), /approve/);

    await store.setSenderDecision(DOMAIN, 'service:google-workspace', 'rejected', NOW);
    const rejected = get(await senders(store), 'service:google-workspace');
    assert.equal(rejected.class, 'suspicious', 'the decision wins over the evidence');
    assert.equal(rejected.state, 'rejected');
  } finally {
    await store.close();
  }
});

test('scenario: an approved sender whose last days pass is fixed, then verified once the failures leave the window', async () => {
  const fixedFrom = Date.UTC(2026, 10, 27) / 1000;
  const store = await storeWith(senderHistory({ mailchimpFixedFrom: fixedFrom }));
  try {
    await store.setSenderDecision(DOMAIN, 'service:mailchimp', 'approved', NOW);
    const fixed = get(await senders(store), 'service:mailchimp');
    assert.equal(fixed.state, 'fixed');
    assert.equal(fixed.class, 'legitimate-unaligned', 'most of the window still fails');
    assert.match(fixed.diagnosis.join('\n'), /In the last 7 days 57\.1% of its 210 messages pass DMARC, against 0% before: the fix is taking effect/);
    // Only the days after the fix in the window: verified.
    const later = await summarizeSenders(store, DOMAIN, { since: new Date(fixedFrom * 1000), until: NOW, resolver: new MemoryResolver(zone), now: () => NOW });
    const verified = later.find((s) => s.key === 'service:mailchimp');
    assert.equal(verified?.state, 'verified');
    assert.equal(verified?.class, 'aligned');
    assert.deepEqual(verified?.fix, []);
  } finally {
    await store.close();
  }
});

test('scenario: offline (no DNS), every source still groups and classifies; the cache is the only source of names', async () => {
  const store = await storeWith(senderHistory());
  try {
    const resolver = new MemoryResolver(zone);
    const all = await senders(store, { offline: true, resolver });
    assert.deepEqual(resolver.queries, [], 'offline asks DNS nothing');
    assert.ok([...all.values()].every((s) => s.sources?.every((x) => x.fcrdns === 'unresolved')), 'every source marked unresolved');
    // Mailchimp is still recognised by its DKIM d= and return path; Google signs as example.com, so it falls back to its network.
    assert.equal(get(all, 'service:mailchimp').class, 'legitimate-unaligned');
    assert.equal(get(all, 'net:192.0.2.0/24').class, 'aligned');
    const mixed = get(all, 'net:203.0.113.0/24');
    assert.ok(mixed.sourceIps.includes(FORWARDER_IP) && mixed.sourceIps.length === 7, 'without names the forwarder shares its /24 with six bots');
    assert.equal(mixed.class, 'unknown', 'mixed evidence: some DKIM passes for example.com, most mail fails, no override on most of it');
    assert.equal(get(all, 'net:2001:db8:b1::/48').class, 'suspicious', 'SPF failing for example.com is enough without reverse DNS');
    const vendor = get(all, 'net:198.51.100.0/24');
    assert.equal(vendor.class, 'unknown');
    assert.equal(vendor.state, 'new');

    // Online once, through the store's cache: a later offline run reuses the names.
    await summarizeSenders(store, DOMAIN, { since: new Date(NOW.getTime() - 30 * DAY_MS), until: NOW, resolver, now: () => NOW });
    const queries = resolver.queries.length;
    assert.ok(queries > 0);
    const cached = await summarizeSenders(store, DOMAIN, { since: new Date(NOW.getTime() - 30 * DAY_MS), until: NOW, resolver, now: () => NOW, offline: true });
    assert.equal(resolver.queries.length, queries);
    assert.ok(cached.some((s) => s.key === 'service:google-workspace'));
  } finally {
    await store.close();
  }
});
