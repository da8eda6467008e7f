/**
 * Sender intelligence over report histories where the right answer is known
 * (helpers/sender-history.ts): each sender's key, class, state, diagnosis and fix (advice codes,
 * params and sentences), end to end from aggregate report XML through the SQLite store, reverse DNS
 * and the catalogue; and no advice sentence, of the senders or of a plan made from them, holds a
 * command or a CLI flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRollout } from '../src/analysis/plan-rollout.js';
import { DEFAULT_GATE_SETTINGS } from '../src/analysis/readiness-gates.js';
import { summarizeSenders } from '../src/analysis/summarize-senders.js';
import { memoryEnrichmentCache } from '../src/analysis/enrich-sources.js';
import type { SenderSummary } from '../src/analysis/sender-model.js';
import { senderAdviceText } from '../src/cli/senders-printer.js';
import type { Advice } from '../src/core/advice.js';
import { parseDmarcRecord } from '../src/records/dmarc-record.js';
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

const codes = (list: readonly Advice[]): string[] => list.map((a) => a.code);
const messages = (list: readonly Advice[]): string => list.map((a) => a.message).join('\n');
/** The one advice with `code` in the list. */
function only(list: readonly Advice[], code: string): Advice {
  const found = list.filter((a) => a.code === code);
  assert.equal(found.length, 1, `one ${code} in ${codes(list).join(', ')}`);
  return found[0] as Advice;
}

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
    assert.deepEqual(codes(mailchimp.diagnosis), ['sender-dkim-not-aligned', 'sender-spf-not-aligned']);
    assert.deepEqual(only(mailchimp.diagnosis, 'sender-dkim-not-aligned'), {
      code: 'sender-dkim-not-aligned',
      params: { domain: 'example.com', dkimDomains: ['mcsv.net'] },
      message: 'DKIM is signed by mcsv.net, not example.com: DKIM is not aligned.',
    });
    assert.deepEqual(only(mailchimp.diagnosis, 'sender-spf-not-aligned'), {
      code: 'sender-spf-not-aligned',
      params: { domain: 'example.com', spfDomains: ['mail20.mcsv.net', 'mail21.mcsv.net'], serviceReturnPath: true, spfCannotAlign: true },
      message: "SPF passes for mail20.mcsv.net and mail21.mcsv.net, Mailchimp (Intuit)'s own return path, which it cannot move under example.com: its SPF never aligns, so DKIM signed with d=example.com is what makes its mail pass.",
    });
    // The catalogue's steps, one advice each, then where Mailchimp documents them.
    assert.deepEqual(codes(mailchimp.fix), ['service-align-step', 'service-align-step', 'service-align-step', 'service-documentation']);
    assert.deepEqual(mailchimp.fix.slice(0, 3).map((a) => a.params), [1, 2, 3].map((step) => ({ service: 'mailchimp', serviceName: 'Mailchimp (Intuit)', step, domain: 'example.com' })));
    assert.match(mailchimp.fix[1]?.message ?? '', /k2\._domainkey\.example\.com -> dkim2\.mcsv\.net/);
    assert.doesNotMatch(messages(mailchimp.fix), /\{domain\}/, 'the catalogue placeholder is filled in');
    assert.deepEqual(mailchimp.fix[3]?.params, { service: 'mailchimp', serviceName: 'Mailchimp (Intuit)', url: 'https://mailchimp.com/help/set-up-email-domain-authentication/' });
    assert.match(mailchimp.fix[3]?.message ?? '', /mailchimp\.com\/help/);
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
    assert.deepEqual(codes(forwarder.diagnosis), ['forwarded-overrides', 'forwarded-spf-cannot-align', 'sender-dkim-fails', 'sender-spf-fails']);
    const overrides = only(forwarder.diagnosis, 'forwarded-overrides');
    assert.deepEqual(overrides.params, { types: ['forwarded'] });
    assert.equal(overrides.message, 'Receivers reported overrides on its messages: forwarded (150).');
    const dkim = only(forwarder.diagnosis, 'sender-dkim-fails');
    assert.deepEqual(dkim.params, { domain: 'example.com', dkimDomains: ['example.com'], selectors: ['google'], results: ['fail'], messages: 150 });
    assert.match(dkim.message, /^The DKIM signature of example\.com \(selector google, fail\) does not verify on 150 messages/);
    assert.deepEqual(only(forwarder.diagnosis, 'sender-spf-fails').params, { domain: 'example.com', spfDomains: ['example.com'], messages: 150, ips: [FORWARDER_IP] });
    assert.deepEqual(codes(forwarder.fix), ['fix-forwarded-dkim', 'fix-forwarded-arc']);
    assert.deepEqual(forwarder.fix[0]?.params, { domain: 'example.com' });
    assert.match(forwarder.fix[0]?.message ?? '', /^No DNS change fixes forwarded mail\. .*DKIM d=example\.com/);
    assert.match(forwarder.fix[1]?.message ?? '', /ARC \(RFC 8617\)/);
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
      assert.deepEqual(codes(sender.diagnosis), ['sender-no-dkim', 'sender-spf-fails', 'suspicious-spoofing'], sender.key);
      assert.match(only(sender.diagnosis, 'sender-no-dkim').message, /^No DKIM signature was reported on its mail/);
      const spf = only(sender.diagnosis, 'sender-spf-fails');
      assert.deepEqual(spf.params.ips, sender.sourceIps);
      assert.equal(spf.params.messages, sender.messages);
      assert.match(spf.message, /^SPF fails for example\.com on \d+ messages: .* not authorised by its SPF record\.$/);
      const spoofing = only(sender.diagnosis, 'suspicious-spoofing');
      assert.deepEqual(spoofing.params, { domain: 'example.com', addresses: sender.sourceIps.length, withoutReverseDns: sender.sourceIps.length });
      assert.match(spoofing.message, /looks like someone else sending as example\.com/);
      assert.deepEqual(codes(sender.fix), ['fix-nothing-not-yours', 'fix-approve-if-yours']);
      assert.match(sender.fix[0]?.message ?? '', /^Nothing to fix: this mail is not yours/);
      // The advice names the sender and the domain; the CLI turns it into the command.
      assert.deepEqual(sender.fix[1]?.params, { domain: 'example.com', sender: sender.key });
      assert.equal(sender.fix[1]?.message, `If it is in fact yours, approve ${sender.key} as a sender of example.com, then align it.`);
      assert.equal(senderAdviceText(sender.fix[1]), `If it is in fact yours, run \`dmarcpilot approve example.com ${sender.key}\`, then align it.`);
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
    assert.equal(only(vendor.diagnosis, 'sender-dkim-not-aligned').message, 'DKIM is signed by newvendor.example, not example.com: DKIM is not aligned.');
    assert.deepEqual(only(vendor.diagnosis, 'sender-spf-not-aligned').params, { domain: 'example.com', spfDomains: ['bounce.newvendor.example'], serviceReturnPath: false, spfCannotAlign: false });
    assert.deepEqual(codes(vendor.fix), ['fix-approve-and-align', 'fix-sign-dkim', 'fix-return-path']);
    assert.deepEqual(vendor.fix[0]?.params, { domain: 'example.com', sender: 'domain:newvendor.example' });
    assert.equal(senderAdviceText(vendor.fix[0]), 'If this sender is yours, approve it (`dmarcpilot approve example.com domain:newvendor.example`) and align it:');
    assert.match(only(vendor.fix, 'fix-sign-dkim').message, /^Sign its mail with DKIM d=example\.com: .* at <selector>\._domainkey\.example\.com, then turn signing on\.$/);
    const returnPath = only(vendor.fix, 'fix-return-path');
    assert.deepEqual(returnPath.params, {
      domain: 'example.com', returnPath: 'bounces.example.com', record: 'v=spf1 ip4:198.51.100.77 -all', mechanisms: ['ip4:198.51.100.77'], moreNetworks: 0, afterDkimStep: true,
    });
    assert.match(returnPath.message, /bounces\.example\.com TXT "v=spf1 ip4:198\.51\.100\.77 -all"/);
    // Senders there from the start of the history are never new.
    const all = await senders(store);
    assert.deepEqual([...all.values()].filter((s) => s.state === 'new').map((s) => s.key), ['domain:newvendor.example']);

    await store.setSenderDecision(DOMAIN, 'domain:newvendor.example', { decision: 'approved', at: NOW, actor: 'test', note: 'the new CRM' });
    const approved = get(await senders(store), 'domain:newvendor.example');
    assert.equal(approved.decision, 'approved');
    assert.equal(approved.state, 'approved');
    assert.equal(approved.class, 'legitimate-unaligned', 'approved and failing: the owner decided it is theirs');
    assert.deepEqual(codes(approved.fix), ['fix-sign-dkim', 'fix-return-path'], 'no "approve it" step once approved');
    assert.doesNotMatch(messages(approved.fix), /approve/);

    await store.setSenderDecision(DOMAIN, 'service:google-workspace', { decision: 'rejected', at: NOW, actor: 'test' });
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
    await store.setSenderDecision(DOMAIN, 'service:mailchimp', { decision: 'approved', at: NOW, actor: 'test' });
    const fixed = get(await senders(store), 'service:mailchimp');
    assert.equal(fixed.state, 'fixed');
    assert.equal(fixed.class, 'legitimate-unaligned', 'most of the window still fails');
    const taking = only(fixed.diagnosis, 'sender-fix-taking-effect');
    assert.deepEqual(taking.params, { sender: 'service:mailchimp', recentDays: 7, recentMessages: 210, recentPassShare: 120 / 210, earlierMessages: 690, earlierPassShare: 0 });
    assert.match(taking.message, /^In the last 7 days 57\.1% of its 210 messages pass DMARC, against 0% before: the fix is taking effect/);
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

/** Every Advice in a JSON-shaped value (objects with code, params and message), wherever it sits. */
function collectAdvice(value: unknown, into: Advice[] = []): Advice[] {
  if (Array.isArray(value)) {
    for (const item of value) collectAdvice(item, into);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.code === 'string' && typeof record.message === 'string' && typeof record.params === 'object') into.push(record as unknown as Advice);
    for (const item of Object.values(record)) collectAdvice(item, into);
  }
  return into;
}

test('scenario: no advice sentence of the senders, or of plans made from them, names the program or a CLI flag', async () => {
  const histories = [
    senderHistory(),
    senderHistory({ mailchimpFixedFrom: Date.UTC(2026, 10, 27) / 1000 }),
    senderHistory().map((r) => ({ ...r, xml: r.xml.replaceAll('<selector>google</selector><result>pass</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope><result>fail</result>', '<selector>google</selector><result>fail</result></dkim><spf><domain>example.com</domain><scope>mfrom</scope><result>temperror</result>') })),
  ];
  const found: Advice[] = [];
  for (const reports of histories) {
    const store = await storeWith(reports);
    try {
      await store.setSenderDecision(DOMAIN, 'service:mailchimp', { decision: 'approved', at: NOW, actor: 'test' });
      await store.setSenderDecision(DOMAIN, 'net:2001:db8:b1::/48', { decision: 'rejected', at: NOW, actor: 'test' });
      for (const offline of [false, true]) {
        const list = [...(await senders(store, { offline })).values()];
        found.push(...collectAdvice(list));
        const history = { observations: [], reporters: [{ orgName: 'receiver.example', messages: 1000, rfc9989: false }], subdomains: [{ domain: 'shop.example.com', messages: 500, dmarcPass: 10 }], lastDataAt: NOW.toISOString() };
        for (const text of [undefined, 'v=DMARC1; p=none', 'v=DMARC1; p=quarantine; pct=10', 'v=DMARC1; p=quarantine; t=y; sp=none', 'v=DMARC1; p=reject']) {
          for (const publishedFrom of ['dns', 'reports'] as const) {
            const published = text === undefined ? undefined : parseDmarcRecord(text).record;
            const plan = planRollout({ domain: DOMAIN, published, publishedFrom, senders: list, history, gates: DEFAULT_GATE_SETTINGS, now: NOW });
            found.push(...collectAdvice(JSON.parse(JSON.stringify(plan)) as unknown));
          }
        }
      }
    } finally {
      await store.close();
    }
  }
  const seen = new Set(found.map((a) => a.code));
  for (const code of ['sender-spf-error', 'fix-approve-if-yours', 'fix-approve-and-align', 'fix-sign-dkim', 'next-add-rua', 'watch-first-reports', 'watch-new-senders', 'watch-at-reject']) {
    assert.ok(seen.has(code), `the scenarios produce ${code} (whose CLI text has a command)`);
  }
  const offending = found.filter((a) => /dmarcpilot|(^|[\s(`])--[a-z]/i.test(a.message)).map((a) => `${a.code}: ${a.message}`);
  assert.deepEqual([...new Set(offending)], []);
});
