/**
 * Issue 11's verdicts as scenarios: each replays a rollout history (daily reports from several
 * reporters, the DNS the domain publishes, the owner's decisions) through the same src/app
 * functions the CLI calls (planDomain, listSenders, decideSender, checkDomains) and asserts the
 * decision an expert would make. The history is written in test/helpers/rollout-scenario.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryZone } from '../src/dns/memory-resolver.js';
import type { AppContext } from '../src/app/context.js';
import { ingestReports, withTestApp } from '../src/app/app-fixtures.test-helper.js';
import type { RolloutPlan } from '../src/app/plan-domain.js';
import { planDomain } from '../src/app/plan-domain.js';
import { decideSender, listSenders } from '../src/app/senders.js';
import { checkDomains } from '../src/app/check-domains.js';
import { AppError } from '../src/app/problems.js';
import type { Scenario, ScenarioSender } from './helpers/rollout-scenario.js';
import { failureReportEml } from './helpers/failure-reports.js';
import { ingestInput } from '../src/app/ingest.js';
import { aligned, scenarioReports, spoofed, unalignedService, unauthenticated } from './helpers/rollout-scenario.js';

const DOMAIN = 'example.gov.uk';
const RUA = 'mailto:dmarc@example.gov.uk';
const NOW = new Date('2026-12-01T12:00:00Z');
const STAGE_DAY = '2026-11-17';

const WORKSPACE: ScenarioSender = { ip: '192.0.2.10', perDay: 1000, mail: () => aligned(DOMAIN) };
const MAILCHIMP: ScenarioSender = { ip: '198.51.100.20', perDay: 60, mail: () => unalignedService('mcsv.net', 'mail20.mcsv.net') };
/** The council's CRM: 345 messages a month, never signed, never in SPF. */
const CRM: ScenarioSender = { ip: '203.0.113.10', perDay: 11.5, mail: () => unauthenticated(DOMAIN) };
const BOTNET: ScenarioSender = { ip: '198.18.0.7', perDay: 40, mail: () => spoofed(DOMAIN) };
const REPORTERS = [
  { org: 'google.com', share: 0.6 },
  { org: 'Enterprise Outlook', share: 0.3 },
  { org: 'Yahoo', share: 0.1 },
];

/** Three weeks at p=none, then two weeks at p=quarantine; pct=10 (from 17 November). */
function history(senders: readonly ScenarioSender[], overrides: Partial<Scenario> = {}): Scenario {
  return {
    domain: DOMAIN,
    from: '2026-10-27',
    to: '2026-11-30',
    policies: [
      ['2026-10-27', { p: 'none' }],
      [STAGE_DAY, { p: 'quarantine', pct: 10 }],
    ],
    reporters: REPORTERS,
    senders,
    ...overrides,
  };
}

const dmarcZone = (record: string | undefined, extra: MemoryZone = {}): MemoryZone => ({
  [DOMAIN]: { A: ['192.0.2.1'], MX: [{ exchange: `mx.${DOMAIN}`, priority: 10 }] },
  ...(record !== undefined ? { [`_dmarc.${DOMAIN}`]: { TXT: [record] } } : {}),
  ...extra,
});

async function withScenario(zone: MemoryZone, scenario: Scenario | undefined, body: (ctx: AppContext) => Promise<void>, now = NOW): Promise<void> {
  await withTestApp({ now, zone }, async ({ ctx }) => {
    if (scenario !== undefined) await ingestReports(ctx, scenarioReports(scenario));
    await body(ctx);
  });
}

/** The invariant of verdict 1: a plan is ready only when every gate passes and the next record is valid. */
function assertHonest(plan: RolloutPlan): void {
  const gatesPass = plan.gates.every((g) => g.passes);
  if (plan.verdict === 'ready') assert.ok(gatesPass && plan.next?.valid === true, 'ready with a failing gate or an invalid record');
  if (plan.verdict === 'not-ready') assert.ok(!gatesPass || plan.next?.valid === false, 'not ready, yet every gate passes');
  assert.equal(plan.ready, plan.verdict === 'ready' || (plan.verdict === 'first-step' && plan.next?.valid === true));
}

const Q10T = `v=DMARC1; p=quarantine; t=y; pct=10; rua=${RUA}`;
const netOf = (ip: string): string => `net:${ip.split('.').slice(0, 3).join('.')}.0/24`;

describe('verdict 1: never READY while a gate fails; documented verdicts', () => {
  it('a typo of the domain with no data: no data, no record proposed, no gates', () =>
    withScenario(dmarcZone(undefined), undefined, async (ctx) => {
      const { plan, notices } = await planDomain(ctx, 'exampel.gov.uk');
      assert.equal(plan.verdict, 'no-data');
      assert.equal(plan.ready, false);
      assert.equal(plan.next, null);
      assert.deepEqual(plan.gates, []);
      assert.deepEqual(notices.map((n) => n.code), ['plan-domain-not-found']);
    }));

  it('a domain with no record and no reports: the first step is not gated, and says so', () =>
    withScenario(dmarcZone(undefined), undefined, async (ctx) => {
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.equal(plan.verdict, 'first-step');
      assert.deepEqual(plan.gates, []);
      assert.equal(plan.next?.record, 'v=DMARC1; p=none');
      assertHonest(plan);
    }));

  it('a domain with failing legitimate mail is not ready, and every verdict is honest about its gates', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, MAILCHIMP, CRM, BOTNET]), async (ctx) => {
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.equal(plan.verdict, 'not-ready');
      assert.ok(plan.gates.some((g) => !g.passes));
      assertHonest(plan);
    }));
});

describe('verdict 2: every legitimate sender the next step would harm blocks, by name, with its fix', () => {
  it('an approved sender failing all its messages blocks quarantine-25 at quarantine-10', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, CRM]), async (ctx) => {
      await decideSender(ctx, DOMAIN, netOf(CRM.ip), { decision: 'approved', actor: 'test:alice', note: 'the CRM' });
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.equal(plan.next?.stage, 'quarantine-25');
      const crm = plan.blockers.find((b) => b.sender === netOf(CRM.ip));
      assert.ok(crm, JSON.stringify(plan.blockers));
      assert.ok(crm.gates.includes('legitimate-senders'));
      assert.equal(crm.reasons.find((r) => r.code === 'blocker-legitimate-harmed')?.params.passShare, 0);
      assert.ok(crm.fix.length > 0, 'the blocker says how to fix it');
      assert.equal(plan.verdict, 'not-ready');
      assertHonest(plan);
    }));

  it('at quarantine-100 the same sender blocks p=reject, which the simulation shows rejecting its mail', () =>
    withScenario(dmarcZone(`v=DMARC1; p=quarantine; np=reject; rua=${RUA}`), history([WORKSPACE, CRM], { policies: [['2026-10-27', { p: 'quarantine' }]] }), async (ctx) => {
      await decideSender(ctx, DOMAIN, netOf(CRM.ip), { decision: 'approved', actor: 'test:alice' });
      const { plan } = await planDomain(ctx, DOMAIN, { rejectTest: false });
      assert.equal(plan.next?.stage, 'reject');
      const simulated = plan.impact?.senders.find((s) => s.sender === netOf(CRM.ip));
      assert.ok(simulated && simulated.expected.rejected > 0);
      assert.ok(plan.blockers.some((b) => b.sender === netOf(CRM.ip) && b.gates.includes('legitimate-senders')));
      assert.equal(plan.ready, false);
    }));
});

describe('verdict 3: judge on current evidence, blame the cause that applies', () => {
  const FIX_DAY = '2026-11-15';
  const fixedMailchimp: ScenarioSender = { ...MAILCHIMP, mail: (day) => (day >= FIX_DAY ? { ...unalignedService('mcsv.net', 'mail20.mcsv.net'), dkim: 'pass', authDkim: [{ domain: DOMAIN, selector: 'k1', result: 'pass' }] } : MAILCHIMP.mail(day)) };

  it('a sender fixed two weeks ago and passing since does not block; before the fix it blocked, blaming DKIM, not SPF', async () => {
    await withScenario(dmarcZone(Q10T), history([WORKSPACE, fixedMailchimp]), async (ctx) => {
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.equal(plan.blockers.find((b) => b.sender === 'service:mailchimp'), undefined, JSON.stringify(plan.blockers));
      assert.equal(plan.gates.find((g) => g.id === 'legitimate-pass-share')?.passes, true);
    });
    await withScenario(
      dmarcZone(Q10T),
      history([WORKSPACE, MAILCHIMP]),
      async (ctx) => {
        const { plan } = await planDomain(ctx, DOMAIN);
        const reason = plan.blockers.find((b) => b.sender === 'service:mailchimp')?.reasons.find((r) => r.code === 'blocker-legitimate-harmed');
        assert.ok(reason, JSON.stringify(plan.blockers));
        assert.equal(reason.params.diagnosis, 'sender-dkim-not-aligned', 'Mailchimp cannot align SPF: DKIM is the fix');
      },
    );
  });
});

describe('verdict 4: know what is published; say when sources disagree', () => {
  const scenario = history([WORKSPACE], { reporters: [...REPORTERS, { org: 'mail.example.net', share: 0.05 }, { org: 'comcast.net', share: 0.05 }] });

  it('DNS says NXDOMAIN while five reporters show a live record: said loudly, not ready, and no record without rua', () =>
    withScenario(dmarcZone(undefined), scenario, async (ctx) => {
      const { plan, notices } = await planDomain(ctx, DOMAIN);
      const disagree = notices.find((n) => n.code === 'plan-sources-disagree');
      assert.ok(disagree, JSON.stringify(notices));
      assert.equal(disagree.params.reporters, 5);
      assert.match(disagree.message, /shows no DMARC record .* yet reports from 5 reporters up to 2026-11-30 show one published/);
      assert.equal(plan.gates.find((g) => g.id === 'published-record')?.passes, false);
      assert.equal(plan.next?.valid, false, 'a record without the rua the reports prove exists would stop every report');
      assert.notEqual(plan.next?.record, 'v=DMARC1; p=none');
      assertHonest(plan);
    }));

  it('with a saved check showing rua, the next record keeps it', () =>
    withScenario(dmarcZone(undefined), scenario, async (ctx) => {
      await ctx.store.saveDomainCheck({ domain: DOMAIN, checkedAt: new Date('2026-11-01T09:00:00Z'), errors: 0, warnings: 0, result: { records: { dmarc: { applied: { text: `v=DMARC1; p=none; rua=${RUA}` } } } } });
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.match(plan.next?.record ?? '', new RegExp(`rua=${RUA}`));
      assert.equal(plan.ready, false, 'still not ready while DNS and the reports disagree');
    }));

  it('a DNS error is unknown, never absent: planned from the reports, not ready; with no reports, an error', async () => {
    await withScenario(dmarcZone(undefined, { [`_dmarc.${DOMAIN}`]: 'timeout' }), scenario, async (ctx) => {
      const { plan, notices } = await planDomain(ctx, DOMAIN);
      assert.deepEqual(notices.map((n) => n.code), ['plan-dns-unanswered']);
      assert.equal(plan.published.from, 'reports');
      assert.equal(plan.gates.find((g) => g.id === 'published-record')?.passes, false);
      assert.equal(plan.ready, false);
    });
    await withScenario(dmarcZone(undefined, { [`_dmarc.${DOMAIN}`]: 'timeout' }), undefined, async (ctx) => {
      await assert.rejects(planDomain(ctx, DOMAIN), (caught: unknown) => caught instanceof AppError && caught.kind === 'unavailable' && /unknown/.test(caught.message));
    });
  });
});

describe('verdict 5: one ladder: check and plan give the same next record', () => {
  async function checkNext(ctx: AppContext): Promise<{ next: unknown; warnings: string[] }> {
    for await (const outcome of checkDomains(ctx, [DOMAIN], { probeDefaultSelectors: false }).outcomes) {
      assert.equal(outcome.status, 'checked');
      if (outcome.status !== 'checked') break;
      const stage = outcome.result.findings.find((f) => f.code === 'dmarc-rollout-stage');
      const warnings = outcome.result.findings.filter((f) => f.severity === 'warning' && f.code.startsWith('dmarc-')).map((f) => f.code);
      return { next: stage?.params.nextRecord, warnings };
    }
    throw new Error('no outcome');
  }
  for (const record of [`v=DMARC1; p=none; rua=${RUA}`, `v=DMARC1; p=quarantine; pct=10; rua=${RUA}`, Q10T, `v=DMARC1; p=quarantine; np=reject; rua=${RUA}`]) {
    it(`at ${record.replace(`; rua=${RUA}`, '')}`, () =>
      withScenario(dmarcZone(record), history([WORKSPACE]), async (ctx) => {
        const { plan } = await planDomain(ctx, DOMAIN);
        const checked = await checkNext(ctx);
        assert.equal(checked.next, plan.next?.record);
        if (record === `v=DMARC1; p=quarantine; pct=10; rua=${RUA}`) {
          // Off the ladder: RFC 9989 receivers already quarantine everything; the next step never adds t=y back, nor goes back to pct=0.
          assert.equal(plan.next?.record, `v=DMARC1; p=quarantine; np=reject; pct=25; rua=${RUA}`);
          assert.doesNotMatch(plan.next?.why.find((w) => w.code === 'next-stage')?.message ?? '', /t=y/);
        }
        if (record === Q10T) assert.deepEqual(checked.warnings.filter((c) => ['dmarc-pct-partial', 'dmarc-testing', 'dmarc-removed-tag'].includes(c)), [], 'no warnings about the planner\'s own stage');
        if (record.includes('p=none')) assert.equal(plan.next?.stage, 'test');
      }));
  }
});

describe('verdict 6: stage time in calendar days, robust to stragglers; coverage weighs evidence', () => {
  it('14 daily reports are 14 days, and a receiver caching the old record does not reset the stage', () =>
    withScenario(
      dmarcZone(Q10T),
      history([WORKSPACE], { reporters: [...REPORTERS, { org: 'cached.example.net', share: 0.02, lagDays: 5 }] }),
      async (ctx) => {
        const { plan } = await planDomain(ctx, DOMAIN);
        assert.equal(plan.stageStart?.slice(0, 10), STAGE_DAY);
        assert.equal(plan.gates.find((g) => g.id === 'days-at-stage')?.value, 14);
      },
    ));

  it('five small reporters with a few dozen messages are not coverage', () =>
    withScenario(
      dmarcZone(Q10T),
      history([{ ...WORKSPACE, perDay: 1 }], { from: '2026-11-01', reporters: ['a', 'b', 'c', 'd', 'e'].map((x) => ({ org: `${x}.example.net`, share: 1 })) }),
      async (ctx) => {
        const { plan } = await planDomain(ctx, DOMAIN, { days: 14 });
        const coverage = plan.gates.find((g) => g.id === 'coverage');
        assert.equal(coverage?.passes, false, JSON.stringify(coverage?.detail));
        assert.equal(plan.ready, false);
      },
    ));
});

describe('verdict 7: subdomains inherit', () => {
  const SUB = `planning.${DOMAIN}`;
  const planning: ScenarioSender = { ip: '198.51.100.77', perDay: 43, headerFrom: SUB, mail: () => unalignedService('planning-portal.example', 'bounce.planning-portal.example') };

  it('the senders of a subdomain are found in the parent\'s reports, and the parent lists the subdomain', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, planning]), async (ctx) => {
      const since = new Date('2026-11-10T12:00:00Z');
      const sub = await listSenders(ctx, SUB, { since, offline: true });
      assert.equal(sub.reportedUnder, DOMAIN);
      assert.deepEqual(sub.senders.map((s) => s.key), [netOf(planning.ip)]);
      assert.equal(sub.senders[0]?.messages, 43 * 21, 'the 21 daily reports overlapping the window');
      const parent = await listSenders(ctx, DOMAIN, { since, offline: true });
      assert.deepEqual(parent.subdomains.map((s) => s.domain), [SUB]);
    }));

  it('a subdomain is planned under the parent\'s record, never given a p=none of its own', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, planning]), async (ctx) => {
      const { plan, notices } = await planDomain(ctx, SUB);
      assert.equal(plan.domain, DOMAIN);
      assert.ok(notices.some((n) => n.code === 'plan-subdomain-under-parent'));
      assert.doesNotMatch(plan.next?.record ?? '', /^v=DMARC1; p=none/);
      // The subdomain's failing mail is the parent's to judge: shown, and the parent is not ready while it fails.
      assert.ok(plan.subdomains.some((s) => s.domain === SUB && !s.ready));
      assert.equal(plan.ready, false);
    }));
});

describe('verdict 8: what the current stage did, beside the prediction', () => {
  it('legitimate mail quarantined since the stage began is shown per sender, and blocks', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, MAILCHIMP, BOTNET]), async (ctx) => {
      const { plan } = await planDomain(ctx, DOMAIN);
      const outcome = plan.currentStage;
      assert.ok(outcome, 'the plan shows what the stage did');
      assert.equal(outcome.since.slice(0, 10), STAGE_DAY);
      const mailchimp = outcome.senders.find((s) => s.sender === 'service:mailchimp');
      assert.ok(mailchimp && mailchimp.legitimate && mailchimp.observed.quarantined > 0, JSON.stringify(outcome.senders));
      assert.ok(mailchimp.predicted.quarantined > 0);
      assert.ok(outcome.legitimate.observed.quarantined > 0);
      const reason = plan.blockers.find((b) => b.sender === 'service:mailchimp')?.reasons.find((r) => r.code === 'blocker-legitimate-harmed');
      assert.ok(reason && Number(reason.params.observedQuarantined) === mailchimp.observed.quarantined);
    }));

  it('a blocker says how many failure reports its addresses sent, to dig into (issue 11, item 12)', () =>
    withScenario(dmarcZone(Q10T), history([WORKSPACE, CRM]), async (ctx) => {
      await decideSender(ctx, DOMAIN, netOf(CRM.ip), { decision: 'approved', actor: 'test:alice' });
      for (const [i, day] of ['2026-11-20', '2026-11-21', '2026-11-25'].entries()) {
        const eml = failureReportEml({ id: `crm-${i}@${DOMAIN}`, sourceIp: CRM.ip, arrival: `${day}T10:00:00Z`, reportedDomain: DOMAIN });
        await ingestInput(ctx, { bytes: new TextEncoder().encode(eml), name: `failure-${i}.eml` });
      }
      const { plan } = await planDomain(ctx, DOMAIN);
      assert.equal(plan.blockers.find((b) => b.sender === netOf(CRM.ip))?.failureReports, 3);
    }));
});
