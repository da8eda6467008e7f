/**
 * Rollout histories for the planner's scenario tests (test/plan-scenarios.test.ts), written so the
 * right decision is known: daily RFC 7489 aggregate reports from several reporters, each carrying
 * its share of every sender's mail for the day, under the policy the domain published that day (a
 * reporter can be made to lag behind a change, as a receiver caching the old record does). A
 * sender's mail each day is described by a function of the day, so a fix, a new sender or a
 * subdomain's mail can start on any day. Documentation addresses and example names only.
 */

export interface ScenarioPolicy {
  readonly p: 'none' | 'quarantine' | 'reject';
  readonly pct?: number;
  readonly sp?: 'none' | 'quarantine' | 'reject';
}

export interface ScenarioMail {
  readonly dkim: 'pass' | 'fail';
  readonly spf: 'pass' | 'fail';
  readonly authDkim: readonly { readonly domain: string; readonly selector: string; readonly result: string }[];
  readonly authSpf: readonly { readonly domain: string; readonly result: string }[];
}

export interface ScenarioSender {
  readonly ip: string;
  /** Messages per day over all reporters. */
  readonly perDay: number;
  /** How its mail authenticates on `day` (`YYYY-MM-DD`); undefined: it sends nothing that day. */
  readonly mail: (day: string) => ScenarioMail | undefined;
  /** header_from; the policy domain by default. */
  readonly headerFrom?: string;
}

export interface ScenarioReporter {
  readonly org: string;
  /** Share (0–1) of each sender's daily mail it reports. */
  readonly share: number;
  /** Days it keeps reporting the previous policy after a change (a cached record). */
  readonly lagDays?: number;
}

export interface Scenario {
  readonly domain: string;
  /** First and last day with reports, inclusive. */
  readonly from: string;
  readonly to: string;
  /** The published policy from each day on, oldest first; the first entry must be on or before `from`. */
  readonly policies: readonly (readonly [string, ScenarioPolicy])[];
  readonly reporters: readonly ScenarioReporter[];
  readonly senders: readonly ScenarioSender[];
  /** Receivers apply the policy: failing mail is quarantined/rejected at pct% (rounded per row); default true. */
  readonly dispositions?: boolean;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(dayOf(t));
  return out;
}

/** The day `n` days after `day`. */
export function addDays(day: string, n: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
}

function policyOn(policies: Scenario['policies'], day: string): ScenarioPolicy {
  let current = policies[0]?.[1];
  for (const [from, policy] of policies) if (from <= day) current = policy;
  if (current === undefined) throw new Error('a scenario needs a policy');
  return current;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The daily reports of the scenario, as `{name, xml}` for ingestReports. */
export function scenarioReports(scenario: Scenario): { name: string; xml: string }[] {
  const reports: { name: string; xml: string }[] = [];
  for (const day of daysBetween(scenario.from, scenario.to)) {
    const begin = Date.parse(`${day}T00:00:00Z`) / 1000;
    for (const reporter of scenario.reporters) {
      const policy = policyOn(scenario.policies, addDays(day, -(reporter.lagDays ?? 0)));
      const rows: string[] = [];
      for (const sender of scenario.senders) {
        const mail = sender.mail(day);
        if (mail === undefined) continue;
        const count = Math.round(sender.perDay * reporter.share);
        if (count === 0) continue;
        const failing = mail.dkim !== 'pass' && mail.spf !== 'pass';
        const acted = failing && scenario.dispositions !== false && policy.p !== 'none' ? Math.round((count * (policy.pct ?? 100)) / 100) : 0;
        const parts: [number, string][] = acted > 0 ? [[acted, policy.p], [count - acted, 'none']] : [[count, 'none']];
        for (const [n, disposition] of parts) {
          if (n === 0) continue;
          const dkim = mail.authDkim.map((d) => `<dkim><domain>${d.domain}</domain><selector>${d.selector}</selector><result>${d.result}</result></dkim>`).join('');
          const spf = mail.authSpf.map((s) => `<spf><domain>${s.domain}</domain><scope>mfrom</scope><result>${s.result}</result></spf>`).join('');
          rows.push(
            `<record><row><source_ip>${sender.ip}</source_ip><count>${n}</count><policy_evaluated><disposition>${disposition}</disposition>` +
              `<dkim>${mail.dkim}</dkim><spf>${mail.spf}</spf></policy_evaluated></row>` +
              `<identifiers><header_from>${escape(sender.headerFrom ?? scenario.domain)}</header_from></identifiers><auth_results>${dkim}${spf}</auth_results></record>`,
          );
        }
      }
      if (rows.length === 0) continue;
      const reportId = `${reporter.org}-${scenario.domain}-${day}`;
      const pct = policy.pct !== undefined ? `<pct>${policy.pct}</pct>` : '<pct>100</pct>';
      const sp = policy.sp !== undefined ? `<sp>${policy.sp}</sp>` : '';
      reports.push({
        name: `${reportId}.xml`,
        xml:
          '<?xml version="1.0" encoding="UTF-8"?>\n<feedback><version>1.0</version><report_metadata>' +
          `<org_name>${escape(reporter.org)}</org_name><email>dmarc@reporter.example</email><report_id>${escape(reportId)}</report_id>` +
          `<date_range><begin>${begin}</begin><end>${begin + 86399}</end></date_range></report_metadata>` +
          `<policy_published><domain>${scenario.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${policy.p}</p>${sp}${pct}</policy_published>` +
          `${rows.join('')}</feedback>\n`,
      });
    }
  }
  return reports;
}

/** Mail signed and sent as the domain itself: both aligned. */
export const aligned = (domain: string): ScenarioMail => ({
  dkim: 'pass',
  spf: 'pass',
  authDkim: [{ domain, selector: 's1', result: 'pass' }],
  authSpf: [{ domain, result: 'pass' }],
});

/** A marketing platform with its own DKIM domain and return path: neither aligns. */
export const unalignedService = (dkimDomain: string, returnPath: string): ScenarioMail => ({
  dkim: 'fail',
  spf: 'fail',
  authDkim: [{ domain: dkimDomain, selector: 'k1', result: 'pass' }],
  authSpf: [{ domain: returnPath, result: 'pass' }],
});

/** A system of the owner's that neither signs nor is in SPF. */
export const unauthenticated = (domain: string): ScenarioMail => ({ dkim: 'fail', spf: 'fail', authDkim: [], authSpf: [{ domain, result: 'softfail' }] });

/** Someone else sending as the domain. */
export const spoofed = (domain: string): ScenarioMail => ({ dkim: 'fail', spf: 'fail', authDkim: [], authSpf: [{ domain, result: 'fail' }] });
