/**
 * The owner's decisions through the application core, over the report history of
 * test/helpers/sender-history.ts (and the failure reports of test/helpers/failure-reports.ts), as
 * the CLI and the API call them: keys that can never match and senders never seen are refused,
 * bulk decisions show what they would do before doing it, every decision keeps who, when and
 * its note, and failure reports are counted per sender and read per sender.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOTNET_IPS, DOMAIN, NOW, reportXml, senderHistory, zone } from '../../test/helpers/sender-history.js';
import { failureHistory } from '../../test/helpers/failure-reports.js';
import type { AppContext } from './context.js';
import { ingestInput } from './ingest.js';
import { AppError } from './problems.js';
import { countFailureReportsBySender, getFailureReport, streamFailureReports, streamTlsReports } from './reports.js';
import { checkSenderKey, decideSender, decideSendersInBulk, listSenders, nearestServiceIds, senderDecisionHistory } from './senders.js';
import { fixture, ingestReports, withTestApp } from './app-fixtures.test-helper.js';

const DAY_MS = 86_400_000;
const since = new Date(NOW.getTime() - 30 * DAY_MS);
const invalidWith = (...codes: string[]) => (caught: unknown): boolean =>
  caught instanceof AppError && caught.kind === 'invalid' && codes.every((code) => caught.problems.some((p) => p.code === code));

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function ingestFailures(ctx: AppContext): Promise<void> {
  for (const { name, eml } of failureHistory()) {
    const counts = await ingestInput(ctx, { bytes: new TextEncoder().encode(eml), name });
    assert.equal(counts.newReports, 1, name);
  }
}

test('checkSenderKey: keys no sender can have are refused with the key meant; the others come back as the senders list writes them', () =>
  withTestApp({}, ({ ctx }) => {
    const check = (text: string) => checkSenderKey(text, ctx.catalogue);
    const refused = (text: string): [string, string] => {
      const result = check(text);
      assert.ok('problem' in result, `${text} is refused`);
      return [result.problem.code, result.problem.message];
    };
    assert.deepEqual(refused('service:mailchimpp'), ['sender-unknown-service', 'service:mailchimpp can never match a sender: no service of the catalogue has the id "mailchimpp"; did you mean service:mailchimp?']);
    assert.match(refused('service:google')[1], /did you mean service:google-workspace or service:google-groups\?$/);
    assert.match(refused('service:no-such-vendor-at-all')[1], /the ids are listed in docs\/senders\.md/);
    assert.deepEqual(refused('net:1.2.3.4/24'), ['sender-network-host-bits', 'net:1.2.3.4/24 can never match a sender: 1.2.3.4 is not the network address of its /24; did you mean net:1.2.3.0/24?']);
    const [wideCode, wide] = refused('net:1.2.3.0/16');
    assert.equal(wideCode, 'sender-network-prefix');
    assert.match(wide, /exactly \/24 \(IPv4\) or \/48 \(IPv6\) \(and 1\.2\.3\.0 is not the network address of a \/16: that is 1\.2\.0\.0\/16\); the sender of 1\.2\.3\.0 is net:1\.2\.3\.0\/24/);
    assert.equal(refused('net:10.0.0.0/8')[0], 'sender-network-prefix', 'a wider network, even a clean one, is several senders');
    assert.match(refused('net:198.51.100.7')[1], /the sender of 198\.51\.100\.7 is net:198\.51\.100\.0\/24$/);
    assert.match(refused('net:2001:db8:b1::/64')[1], /the sender of 2001:db8:b1:: is net:2001:db8:b1::\/48/);
    assert.deepEqual(refused('net:1.2.3.0/99')[0], 'not-a-sender-key');
    assert.deepEqual(refused('net:not-an-address/24')[0], 'not-a-sender-key');
    assert.deepEqual(refused('domain:smtp.crm.example'), ['sender-domain-not-organisational', 'domain:smtp.crm.example can never match a sender: senders are grouped by the organisational domain of their reverse DNS name; did you mean domain:crm.example?']);
    assert.deepEqual(refused('domain:mcsv.net'), ['sender-domain-is-service', 'domain:mcsv.net can never match a sender: reverse DNS names under mcsv.net are recognised as Mailchimp (Intuit); decide service:mailchimp']);
    assert.deepEqual(refused('domain:bad_domain!'), ['not-a-sender-key', '"domain:bad_domain!" is not a sender key: bad_domain! is not a domain name']);
    assert.deepEqual(refused('mailchimp')[0], 'not-a-sender-key');
    assert.deepEqual(check(' Service:MailChimp '), { key: 'service:mailchimp' });
    assert.deepEqual(check('net:2001:DB8:B1:0:0::/48'), { key: 'net:2001:db8:b1::/48' }, 'an IPv6 network in the form the list writes');
    assert.deepEqual(check('net:192.0.2.0/24'), { key: 'net:192.0.2.0/24' });
    assert.deepEqual(check('domain:crm.example'), { key: 'domain:crm.example' });
    assert.deepEqual(check('domain:outlook.com'), { key: 'domain:outlook.com' }, 'a suffix below the domain does not claim all of it');
    assert.deepEqual(nearestServiceIds('sendgird', ctx.catalogue), ['sendgrid']);
    assert.deepEqual(nearestServiceIds('ses', ctx.catalogue), ['amazon-ses']);
    return Promise.resolve();
  }));

test('decideSender: an impossible key, an unseen sender and a bad note are refused and nothing is recorded; --unseen pre-approves with a warning', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, [
      ...senderHistory(),
      // A network whose only address is recognised as Mailchimp (DKIM d=mcsv.net): its net: key is no sender.
      {
        name: 'extra.xml',
        xml: reportXml({
          org: 'other.example', reportId: 'extra-1', domain: DOMAIN, begin: Date.UTC(2026, 10, 25) / 1000, end: Date.UTC(2026, 10, 26) / 1000 - 1, p: 'quarantine',
          rows: [{ ip: '198.51.99.5', count: 4, dkim: 'fail', spf: 'fail', authDkim: [{ domain: 'mcsv.net', selector: 'k1', result: 'pass' }], authSpf: [{ domain: 'mail5.mcsv.net', result: 'pass' }] }],
        }),
      },
    ]);
    const actor = 'cli:alice';
    await assert.rejects(decideSender(ctx, DOMAIN, 'service:mailchimpp', { decision: 'approved', actor }), invalidWith('sender-unknown-service'));
    await assert.rejects(decideSender(ctx, DOMAIN, 'net:203.0.113.7/24', { decision: 'rejected', actor }), invalidWith('sender-network-host-bits'));
    await assert.rejects(decideSender(ctx, DOMAIN, 'net:203.0.113.0/16', { decision: 'rejected', actor, note: 'two\nlines' }), invalidWith('sender-network-prefix', 'note-invalid'), 'every problem at once');
    await assert.rejects(decideSender(ctx, DOMAIN, 'net:203.0.113.0/24', { decision: 'rejected', actor, note: 'x'.repeat(1001) }), invalidWith('note-invalid'));
    await assert.rejects(decideSender(ctx, DOMAIN, 'net:10.0.0.0/24', { decision: 'approved', actor }), (caught: unknown) => {
      assert.ok(caught instanceof AppError);
      assert.deepEqual(caught.problems.map((p) => [p.code, p.field]), [['sender-not-seen', 'sender']]);
      assert.match(caught.message, /net:10\.0\.0\.0\/24 has not been seen in the aggregate reports stored for example\.com \(\d+ other senders have\)/);
      return true;
    });
    await assert.rejects(decideSender(ctx, DOMAIN, 'net:198.51.99.0/24', { decision: 'approved', actor }), (caught: unknown) => {
      assert.match(String((caught as Error).message), /the addresses of it that were seen belong to service:mailchimp$/);
      return true;
    });
    await assert.rejects(decideSender(ctx, 'exmaple.com', 'service:mailchimp', { decision: 'approved', actor }), (caught: unknown) => {
      assert.match(String((caught as Error).message), /no aggregate reports for exmaple\.com are stored, so no sender of it has been seen/);
      return true;
    });
    await assert.rejects(decideSender(ctx, DOMAIN, 'domain:newvendor.example', { decision: 'approved', actor, offline: true }), invalidWith('sender-not-seen'), 'offline, with nothing cached, only DNS would tell');
    await assert.rejects(decideSender(ctx, DOMAIN, 'domain:crm.exmaple', { decision: 'approved', actor }), invalidWith('sender-not-seen'), 'a typo in a domain key');
    assert.deepEqual((await senderDecisionHistory(ctx, DOMAIN)).items, [], 'nothing refused was recorded');

    // Seen senders: by network offline, by DKIM evidence, and by reverse DNS (looked up through the cache when not cached yet).
    for (const key of ['net:203.0.113.0/24', 'service:mailchimp', 'domain:newvendor.example', 'service:google-workspace']) {
      const outcome = await decideSender(ctx, DOMAIN, key, { decision: 'approved', actor });
      assert.deepEqual([outcome.key, outcome.decision, outcome.warnings], [key, 'approved', []]);
    }
    const pre = await decideSender(ctx, DOMAIN, 'NET:10.0.0.0/24', { decision: 'approved', actor, note: 'the new office, from next month', unseen: true });
    assert.deepEqual([pre.key, pre.decision, pre.note, pre.warnings.map((w) => w.code)], ['net:10.0.0.0/24', 'approved', 'the new office, from next month', ['sender-not-seen']]);

    // A decision recorded with a key refused today (before these checks existed) can still be removed.
    await ctx.store.setSenderDecision(DOMAIN, 'service:mailchimpp', { decision: 'approved', at: NOW, actor });
    const undone = await decideSender(ctx, DOMAIN, 'service:mailchimpp', { decision: null, actor });
    assert.deepEqual([undone.decision, undone.previous], [null, 'approved']);
    // Undo and the history take a key in any spelling the list would write one way.
    await decideSender(ctx, DOMAIN, 'net:2001:db8:b2::/48', { decision: 'rejected', actor });
    assert.deepEqual((await senderDecisionHistory(ctx, DOMAIN, { sender: 'NET:2001:DB8:B2:0::/48' })).items.map((c) => c.key), ['net:2001:db8:b2::/48']);
    assert.equal((await decideSender(ctx, DOMAIN, 'net:2001:0db8:00b2::/48', { decision: null, actor })).previous, 'rejected');
  }));

test('decideSendersInBulk: a dry run lists the undecided suspicious senders and their mail; applying records one decision each, same actor, note and time', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    await decideSender(ctx, DOMAIN, 'net:2001:db8:b6::/48', { decision: 'approved', actor: 'cli:alice', note: 'our lab, oddly' });
    const input = { decision: 'rejected' as const, classes: ['suspicious' as const], since, actor: 'cli:bob', note: 'spoofing campaign' };
    const preview = await decideSendersInBulk(ctx, DOMAIN, { ...input, apply: false });
    const expected = ['net:203.0.113.0/24', 'net:2001:db8:b1::/48', 'net:2001:db8:b2::/48', 'net:2001:db8:b3::/48', 'net:2001:db8:b4::/48', 'net:2001:db8:b5::/48'];
    assert.deepEqual(preview.senders.map((s) => s.key).sort(), expected.sort(), 'the approved one is left alone');
    assert.equal(preview.applied, false);
    assert.deepEqual(preview.changes, []);
    assert.equal(preview.senders.find((s) => s.key === 'net:203.0.113.0/24')?.sourceIps, BOTNET_IPS.filter((ip) => ip.startsWith('203.')).length);
    assert.equal(preview.messages, preview.senders.reduce((n, s) => n + s.messages, 0));
    assert.equal(preview.failing, preview.messages, 'all of it fails DMARC');
    assert.equal((await senderDecisionHistory(ctx, DOMAIN)).items.length, 1, 'a dry run records nothing');

    const applied = await decideSendersInBulk(ctx, DOMAIN, { ...input, apply: true });
    assert.deepEqual(applied.senders.map((s) => s.key), preview.senders.map((s) => s.key));
    assert.equal(applied.changes.length, expected.length);
    assert.ok(applied.changes.every((c) => c.decision === 'rejected' && c.previous === null && c.actor === 'cli:bob' && c.note === 'spoofing campaign' && c.at.getTime() === NOW.getTime()));
    const history = (await senderDecisionHistory(ctx, DOMAIN)).items;
    assert.deepEqual(history.slice(0, expected.length).map((c) => c.key).sort(), [...expected].sort(), 'recorded as individual decisions');
    const list = await listSenders(ctx, DOMAIN, { since });
    for (const key of expected) {
      const sender = list.senders.find((s) => s.key === key);
      assert.deepEqual([sender?.decision, sender?.state, sender?.decisionRecord?.note], ['rejected', 'rejected', 'spoofing campaign'], key);
    }
    assert.deepEqual((await decideSendersInBulk(ctx, DOMAIN, { ...input, apply: true })).senders, [], 'decided senders are not taken again');
    await assert.rejects(decideSendersInBulk(ctx, DOMAIN, { ...input, classes: [], apply: false }), invalidWith('sender-classes-missing'));
    await assert.rejects(decideSendersInBulk(ctx, DOMAIN, { ...input, classes: ['spam' as never], note: 'a\u0007', apply: false }), invalidWith('not-a-sender-class', 'note-invalid'));
  }));

test('listSenders: the decision, who made it, when and its note; a later decision keeps the earlier note in the history', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    const key = 'domain:newvendor.example';
    await decideSender(ctx, DOMAIN, key, { decision: 'approved', actor: 'cli:alice', note: 'the new CRM' });
    let vendor = (await listSenders(ctx, DOMAIN, { since })).senders.find((s) => s.key === key);
    assert.deepEqual(vendor?.decisionRecord, { decision: 'approved', actor: 'cli:alice', at: NOW.toISOString(), note: 'the new CRM' });
    await decideSender(ctx, DOMAIN, key, { decision: 'rejected', actor: 'cli:bob', note: 'no: it is a phishing kit' });
    await decideSender(ctx, DOMAIN, key, { decision: 'rejected', actor: 'cli:carol' });
    vendor = (await listSenders(ctx, DOMAIN, { since })).senders.find((s) => s.key === key);
    assert.deepEqual(vendor?.decisionRecord, { decision: 'rejected', actor: 'cli:carol', at: NOW.toISOString(), note: null }, 'the current decision as made');
    const history = (await senderDecisionHistory(ctx, DOMAIN, { sender: key })).items;
    assert.deepEqual(history.map((c) => [c.decision, c.previous, c.actor, c.note]), [
      ['rejected', 'rejected', 'cli:carol', null],
      ['rejected', 'approved', 'cli:bob', 'no: it is a phishing kit'],
      ['approved', null, 'cli:alice', 'the new CRM'],
    ]);
    const undecided = (await listSenders(ctx, DOMAIN, { since })).senders.find((s) => s.key === 'service:mailchimp');
    assert.equal(undecided?.decisionRecord, null);
  }));

test('countFailureReportsBySender: the window\'s failure reports of the domain and its subdomains, per sender, for an IP no aggregate report names too', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    await ingestFailures(ctx);
    const list = await listSenders(ctx, DOMAIN, { since });
    const expected = [
      { key: 'net:2001:db8:b1::/48', reports: 3 },
      { key: 'service:mailchimp', reports: 3 },
      { key: 'domain:newvendor.example', reports: 1 },
    ];
    assert.deepEqual(list.failureReports.senders, expected);
    assert.deepEqual([list.failureReports.total, list.failureReports.withoutSourceIp], [7, 0], 'the report from before the window is left out');
    const counted = new Map(list.senders.map((s) => [s.key, s.failureReports]));
    assert.deepEqual([counted.get('net:2001:db8:b1::/48'), counted.get('service:mailchimp'), counted.get('domain:newvendor.example'), counted.get('service:google-workspace')], [3, 3, 1, 0]);
    // Without the senders (the planner passes its own), the same answer from the store's history and cache.
    const alone = await countFailureReportsBySender(ctx, 'EXAMPLE.com', { since, until: NOW });
    assert.deepEqual([alone.domain, alone.senders, alone.total], [DOMAIN, expected, 7]);
    const older = await countFailureReportsBySender(ctx, DOMAIN, { since: new Date('2026-08-01T00:00:00Z'), until: NOW });
    assert.equal(older.senders.find((c) => c.key === 'net:2001:db8:b1::/48')?.reports, 4);
    assert.deepEqual((await countFailureReportsBySender(ctx, 'news.example.com', { since, until: NOW })).senders, [{ key: 'domain:newvendor.example', reports: 1 }]);
    await assert.rejects(countFailureReportsBySender(ctx, DOMAIN, { since: NOW, until: since }), invalidWith('window-empty'));
  }));

test('streamFailureReports: per sender and per source IP (any spelling), every stored field by id; TLS reports streamed too', () =>
  withTestApp({ now: NOW, zone }, async ({ ctx }) => {
    await ingestReports(ctx, senderHistory());
    await ingestFailures(ctx);
    await ingestInput(ctx, { bytes: fixture('tlsrpt/sender-example-sts-failures.json'), name: 'tls.json' });
    const ips = async (query: Parameters<typeof streamFailureReports>[1]) => (await collect(streamFailureReports(ctx, query))).map((r) => r.sourceIp);
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'service:mailchimp' }), ['192.0.2.200', '198.51.100.20', '198.51.100.20']);
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'net:2001:db8:b1::/48', since }), ['2001:db8:b1::7', '2001:db8:b1::7', '2001:db8:b1::7']);
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'net:2001:db8:b1::/48' }), ['2001:db8:b1::7', '2001:db8:b1::7', '2001:db8:b1::7', '2001:db8:b1::7'], 'all time');
    // Reverse DNS comes from the cache: before any `senders` run looked it up, the vendor is still its network.
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'net:198.51.100.0/24' }), ['198.51.100.77']);
    await listSenders(ctx, DOMAIN, { since });
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'domain:newvendor.example' }), ['198.51.100.77'], 'its subdomain news.example.com too');
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'net:198.51.100.0/24' }), []);
    assert.deepEqual(await ips({ domain: DOMAIN, sender: 'service:google-workspace' }), []);
    assert.deepEqual(await ips({ sourceIp: '2001:DB8:B1:0::7', since }), ['2001:db8:b1::7', '2001:db8:b1::7', '2001:db8:b1::7']);
    assert.equal((await collect(streamFailureReports(ctx))).length, failureHistory().length);
    assert.throws(() => streamFailureReports(ctx, { sender: 'service:mailchimp' }), invalidWith('sender-needs-domain'));
    assert.throws(() => streamFailureReports(ctx, { domain: DOMAIN, sender: 'service:mailchimpp' }), invalidWith('sender-unknown-service'));
    assert.throws(() => streamFailureReports(ctx, { sourceIp: 'nope' }), invalidWith('not-an-ip'));

    const [newest] = await collect(streamFailureReports(ctx, { domain: DOMAIN, sender: 'service:mailchimp' }));
    assert.ok(newest);
    const one = await getFailureReport(ctx, newest.id);
    assert.deepEqual(one, newest);
    assert.deepEqual([one.dkimDomain, one.dkimSelector, one.spfDomain, one.deliveryResult, one.headers], ['mcsv.net', 'k1', null, 'reject', null]);
    const tls = await collect(streamTlsReports(ctx, { domain: DOMAIN }));
    assert.deepEqual(tls.map((t) => t.policyDomains), [[DOMAIN]]);
  }));
