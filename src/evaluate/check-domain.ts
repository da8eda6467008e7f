/**
 * One domain's whole DNS posture, as `dmarcpilot check` reports it: DMARC, SPF, DKIM, MX,
 * MTA-STS, TLS-RPT and BIMI, each check's findings in one list (errors first) and the records
 * as found. Independent lookups run at once; the checks that need another's answer (MTA-STS
 * needs the MX hosts, BIMI the DMARC policy) wait for it. `--ip` adds what SPF would say for
 * that sender address.
 */
import type { Resolver } from '../core/dns-resolver.js';
import type { FetchText } from '../core/fetch-text.js';
import { canonicalizeIp } from '../core/ip.js';
import type { BimiCheckRecords } from './check-bimi.js';
import { checkBimi } from './check-bimi.js';
import type { DkimCheckRecords, DkimSelectorInput } from './check-dkim.js';
import { checkDkim } from './check-dkim.js';
import type { DmarcCheckRecords } from './check-dmarc.js';
import { checkDmarc } from './check-dmarc.js';
import type { MtaStsCheckRecords } from './check-mta-sts.js';
import { checkMtaSts } from './check-mta-sts.js';
import type { MxCheckRecords } from './check-mx.js';
import { checkMx } from './check-mx.js';
import type { SpfCheckRecords } from './check-spf.js';
import { checkSpf } from './check-spf.js';
import type { TlsRptCheckRecords } from './check-tlsrpt.js';
import { checkTlsRpt } from './check-tlsrpt.js';
import { defaultSelectorProbes } from './dkim-selectors.js';
import type { DomainDnsStatus, RecordArea, RecordState } from './dns-diagnosis.js';
import { createRecordingResolver, diagnoseDomainDns, recordState } from './dns-diagnosis.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding, FindingSeverity } from './finding.js';
import type { SpfEvaluation } from './spf-evaluate.js';
import { evaluateSpfForIp } from './spf-evaluate.js';

export interface DomainCheckOptions {
  readonly resolver: Resolver;
  readonly fetchText: FetchText;
  /** Selectors to look up: given on the command line, or seen in stored reports. */
  readonly selectors?: readonly DkimSelectorInput[];
  /** Also probe the common provider default selectors (docs/findings.md lists them). Default true. */
  readonly probeDefaultSelectors?: boolean;
  /** Evaluate SPF for this sender address (`--ip`). */
  readonly ip?: string;
  readonly now: () => Date;
}

/** The `check --json` object for one domain. */
export interface DomainCheckResult {
  readonly domain: string;
  readonly checkedAt: string;
  /** Counts by severity. */
  readonly summary: Readonly<Record<FindingSeverity, number>>;
  /** Every finding, errors first, then warnings, info and ok; within a severity in check order. */
  readonly findings: readonly Finding[];
  /**
   * Whether DNS could be read: `answered`, or the one reason it could not (the resolver failed,
   * the domain's servers failed, the domain does not exist), which is then the only finding.
   */
  readonly dns: DomainDnsStatus;
  /** Each area's record as DNS told it: found, absent, or unknown with the lookup's failure (never "absent"). */
  readonly state: Readonly<Record<RecordArea, RecordState>>;
  readonly records: {
    readonly dmarc: DmarcCheckRecords;
    readonly spf: SpfCheckRecords;
    readonly dkim: DkimCheckRecords;
    readonly mx: MxCheckRecords;
    readonly mtaSts: MtaStsCheckRecords;
    readonly tlsRpt: TlsRptCheckRecords;
    readonly bimi: BimiCheckRecords;
  };
  /** With `ip`: the SPF result that address would get. */
  readonly spfForIp?: SpfEvaluation;
}

const ORDER: readonly FindingSeverity[] = ['error', 'warning', 'info', 'ok'];

export async function checkDomain(domain: string, options: DomainCheckOptions): Promise<DomainCheckResult> {
  const { fetchText } = options;
  const { resolver, log } = createRecordingResolver(options.resolver);
  const checkedAt = options.now().toISOString();
  const selectors = [...(options.selectors ?? []), ...(options.probeDefaultSelectors === false ? [] : defaultSelectorProbes())];
  const ip = options.ip === undefined ? undefined : canonicalizeIp(options.ip)?.ip;
  if (options.ip !== undefined && ip === undefined) throw new RangeError(`"${options.ip}" is not an IP address`);

  const [dmarc, spf, mx, dkim, spfForIp] = await Promise.all([
    checkDmarc(domain, { resolver }),
    checkSpf(domain, { resolver }),
    checkMx(domain, { resolver }),
    checkDkim(domain, selectors, { resolver }),
    ip === undefined ? undefined : evaluateSpfForIp(domain, ip, { resolver }),
  ]);
  const mxHosts = mx.records.status === 'ok' ? mx.records.mx.map((host) => ({ priority: host.priority, exchange: host.exchange })) : [];
  const [mtaSts, bimi] = await Promise.all([
    checkMtaSts(domain, { resolver, fetchText, mx: mxHosts }),
    checkBimi(domain, { resolver, dmarc: dmarc.records.policy }),
  ]);
  const mtaStsMode = mtaSts.records.policy?.parsed?.mode;
  const tlsRpt = await checkTlsRpt(domain, { resolver, ...(mtaStsMode !== undefined ? { mtaStsMode } : {}) });
  const ascii = normalizeDomainName(domain);
  // A name that is not a domain was looked up nowhere worth diagnosing (dmarc-invalid-domain says so).
  const diagnosis = ascii === undefined ? { dns: { status: 'answered' } as const } : await diagnoseDomainDns(ascii, log, options.resolver);
  const all = diagnosis.finding ? [diagnosis.finding] : [...dmarc.findings, ...spf.findings, ...dkim.findings, ...mx.findings, ...mtaSts.findings, ...tlsRpt.findings, ...bimi.findings];
  const findings = ORDER.flatMap((severity) => all.filter((f) => f.severity === severity));
  const name = ascii ?? domain;
  const own = dmarc.records.discovery.rfc9989.lookups[0];
  const states: Record<RecordArea, RecordState> = {
    dmarc: recordState('dmarc', dmarc.records.applied !== undefined || (own?.dmarc.length ?? 0) > 1 || dmarc.records.discovery.rfc7489.outcome === 'multiple', name, log),
    spf: recordState('spf', spf.records.status === 'ok' || spf.records.status === 'multiple-records' || spf.records.status === 'syntax-error', name, log),
    dkim: recordState('dkim', dkim.records.selectors.some((s) => s.status === 'found'), name, log),
    mx: recordState('mx', mx.records.status === 'ok' || mx.records.status === 'null', name, log),
    mtaSts: recordState('mtaSts', mtaSts.records.record !== undefined, name, log),
    tlsRpt: recordState('tlsRpt', tlsRpt.records.record !== undefined, name, log),
    bimi: recordState('bimi', bimi.records.record !== undefined, name, log),
  };
  // When nothing of the domain could be read, no area is known, even one that made no lookup (DKIM without selectors).
  const dns = diagnosis.dns;
  const state = dns.status === 'resolver-failed' || dns.status === 'domain-servers-failed' ? markUnknown(states, { state: 'unknown', failure: dns.failure, error: dns.error }) : states;
  const summary = { error: 0, warning: 0, info: 0, ok: 0 };
  for (const f of findings) summary[f.severity]++;
  return {
    domain: dmarc.records.domain,
    checkedAt,
    summary,
    findings,
    dns,
    state,
    records: { dmarc: dmarc.records, spf: spf.records, dkim: dkim.records, mx: mx.records, mtaSts: mtaSts.records, tlsRpt: tlsRpt.records, bimi: bimi.records },
    ...(spfForIp ? { spfForIp } : {}),
  };
}

function markUnknown(states: Record<RecordArea, RecordState>, unknown: RecordState): Record<RecordArea, RecordState> {
  return Object.fromEntries(Object.entries(states).map(([area, state]) => [area, state.state === 'absent' ? unknown : state])) as Record<RecordArea, RecordState>;
}
