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
  const { resolver, fetchText } = options;
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
  const all = [...dmarc.findings, ...spf.findings, ...dkim.findings, ...mx.findings, ...mtaSts.findings, ...tlsRpt.findings, ...bimi.findings];
  const findings = ORDER.flatMap((severity) => all.filter((f) => f.severity === severity));
  const summary = { error: 0, warning: 0, info: 0, ok: 0 };
  for (const f of findings) summary[f.severity]++;
  return {
    domain: dmarc.records.domain,
    checkedAt,
    summary,
    findings,
    records: { dmarc: dmarc.records, spf: spf.records, dkim: dkim.records, mx: mx.records, mtaSts: mtaSts.records, tlsRpt: tlsRpt.records, bimi: bimi.records },
    ...(spfForIp ? { spfForIp } : {}),
  };
}
