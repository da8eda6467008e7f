/**
 * The MTA-STS part of `dmarcpilot check` (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy
 * file at `https://mta-sts.<domain>/.well-known/mta-sts.txt` fetched through the injected
 * `fetchText` (TLS verified, no redirects, §3.3), its fields (§3.2), and its MX patterns against
 * the domain's real MX hosts (§4.1): a host no pattern covers gets no mail from senders that
 * enforce the policy. MTA-STS is optional, so its absence is only `info`.
 */
import type { MxHost, Resolver } from '../core/dns-resolver.js';
import type { FetchText } from '../core/fetch-text.js';
import type { MtaStsPolicy } from '../records/mta-sts-policy.js';
import { matchesMxPattern, parseMtaStsPolicy } from '../records/mta-sts-policy.js';
import { isMtaStsRecordText, looksLikeMtaStsAttempt, parseMtaStsRecord } from '../records/mta-sts-record.js';
import { normalizeDomainName } from './domain-name.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';
import { diagnosticToFinding, dnsErrorFinding, joinTxtStrings } from './record-findings.js';

export interface MtaStsCheckRecords {
  readonly domain: string;
  /** `_mta-sts.<domain>`. */
  readonly name: string;
  /** Every TXT record at the name, strings joined. */
  readonly txt: readonly string[];
  /** The `v=STSv1` record used (the first when there are several). */
  readonly record?: { readonly text: string; readonly id?: string };
  readonly policyUrl: string;
  /** What the policy fetch returned; absent when there is no record to fetch it for. */
  readonly policy?: {
    readonly httpStatus?: number;
    readonly contentType?: string;
    readonly error?: string;
    readonly text?: string;
    readonly parsed?: MtaStsPolicy;
  };
  /** Each MX host and the policy pattern covering it (absent when none does). */
  readonly mxCoverage: readonly { readonly exchange: string; readonly pattern?: string }[];
}

export interface MtaStsCheck {
  readonly findings: Finding[];
  readonly records: MtaStsCheckRecords;
}

export interface MtaStsCheckOptions {
  readonly resolver: Resolver;
  readonly fetchText: FetchText;
  /** The domain's MX hosts when the caller has them already (from checkMx); otherwise they are looked up. */
  readonly mx?: readonly MxHost[];
}

/** Seconds below which max_age is reported as short: a week in enforce mode, a day in testing. */
export const MTA_STS_SHORT_MAX_AGE = { enforce: 604_800, testing: 86_400 } as const;

const RFC_RECORD = 'RFC 8461 §3.1';
const RFC_FETCH = 'RFC 8461 §3.3';
const INVALID_RECORD_FIX = 'Publish exactly one TXT record "v=STSv1; id=<1 to 32 letters or digits>" at the name, and change the id whenever the policy file changes.';

/** Checks the MTA-STS set-up of `domain`. */
export async function checkMtaSts(domain: string, options: MtaStsCheckOptions): Promise<MtaStsCheck> {
  const ascii = normalizeDomainName(domain) ?? domain;
  const name = `_mta-sts.${ascii}`;
  const policyUrl = `https://mta-sts.${ascii}/.well-known/mta-sts.txt`;
  const base = { domain: ascii, name, policyUrl, mxCoverage: [] };
  const answer = await options.resolver.txt(name);
  if (answer.status === 'error') {
    return { findings: [dnsErrorFinding('mta-sts-dns-error', 'TXT', name, answer, 'whether the domain has an MTA-STS policy', RFC_RECORD, { domain: ascii })], records: { ...base, txt: [] } };
  }
  const txt = answer.status === 'ok' ? answer.records.map(joinTxtStrings) : [];
  const sts = txt.filter(isMtaStsRecordText);
  const findings: Finding[] = [];
  if (sts.length === 0) {
    const attempts = txt.filter(looksLikeMtaStsAttempt);
    for (const text of attempts) for (const d of parseMtaStsRecord(text).diagnostics) findings.push(diagnosticToFinding(d, name, INVALID_RECORD_FIX, { domain: ascii, record: text }));
    if (attempts.length === 0) findings.push(describeMissing(ascii, name));
    return { findings, records: { ...base, txt } };
  }
  if (sts.length > 1) {
    findings.push(finding('mta-sts-multiple-records', 'error', `${name} has ${sts.length} records beginning with "v=STSv1;"; senders then act as if the domain had no MTA-STS policy.`, `Delete all but one of the v=STSv1 records at ${name}.`, RFC_RECORD, { name }, { name, domain: ascii, count: sts.length, records: sts }));
  }
  const recordText = sts[0] ?? '';
  const parsedRecord = parseMtaStsRecord(recordText);
  for (const d of parsedRecord.diagnostics) findings.push(diagnosticToFinding(d, name, INVALID_RECORD_FIX, { domain: ascii, record: recordText }));
  const record = { text: recordText, ...(parsedRecord.record?.id !== undefined ? { id: parsedRecord.record.id } : {}) };

  const fetched = await fetchPolicy(ascii, policyUrl, options.fetchText);
  findings.push(...fetched.findings);
  const parsed = fetched.policy.parsed;
  let mxCoverage: MtaStsCheckRecords['mxCoverage'] = [];
  if (parsed?.mode !== undefined && parsed.mode !== 'none') {
    findings.push(...describeModeAndAge(ascii, parsed, policyUrl));
    const coverage = await checkCoverage(ascii, parsed, options);
    findings.push(...coverage.findings);
    mxCoverage = coverage.mxCoverage;
  } else if (parsed?.mode === 'none') {
    findings.push(finding('mta-sts-mode-none', 'info', `The MTA-STS policy of ${ascii} has mode none: senders apply no MTA-STS protection (the policy is being withdrawn).`, 'If MTA-STS should protect the domain, set "mode: testing" and later "mode: enforce", and change the id in the TXT record.', 'RFC 8461 §5', { name: policyUrl }, { domain: ascii, url: policyUrl, mode: 'none' }));
  }
  const problems = findings.some((f) => f.severity === 'error' || f.severity === 'warning');
  if (!problems && parsed?.valid && parsed.mode === 'enforce') {
    const params = { name, domain: ascii, url: policyUrl, id: record.id ?? null, mode: 'enforce', maxAge: parsed.maxAge ?? null, hosts: mxCoverage.map((c) => c.exchange) };
    findings.push(finding('mta-sts-ok', 'ok', `${ascii} publishes an MTA-STS policy in enforce mode (id ${record.id ?? '?'}, max_age ${parsed.maxAge ?? '?'} s) that covers every MX host.`, '', 'RFC 8461 §3', { name }, params));
  }
  return { findings, records: { ...base, txt, record, policy: fetched.policy, mxCoverage } };
}

function describeMissing(domain: string, name: string): Finding {
  return finding(
    'mta-sts-missing',
    'info',
    `${domain} publishes no MTA-STS record at ${name}: senders may deliver its mail without TLS or to a forged MX host when an attacker interferes. MTA-STS is optional.`,
    `To add it: serve "version: STSv1", "mode: testing", one "mx: <host>" line per MX host and "max_age: 86400" at https://mta-sts.${domain}/.well-known/mta-sts.txt, publish "v=STSv1; id=<date and time>" at ${name}, add a TLS-RPT record, then move to mode enforce.`,
    'RFC 8461 §3',
    { name },
    { name, domain, url: `https://mta-sts.${domain}/.well-known/mta-sts.txt` },
  );
}

async function fetchPolicy(domain: string, url: string, fetchText: FetchText): Promise<{ findings: Finding[]; policy: NonNullable<MtaStsCheckRecords['policy']> }> {
  const failed = (message: string, policy: NonNullable<MtaStsCheckRecords['policy']>): { findings: Finding[]; policy: NonNullable<MtaStsCheckRecords['policy']> } => ({
    findings: [
      finding('mta-sts-policy-fetch-failed', 'error', `The MTA-STS policy at ${url} could not be fetched: ${message}. Senders then act as if the domain had no MTA-STS policy.`, `Serve the policy file at ${url} over HTTPS with a valid certificate for mta-sts.${domain}, status 200, Content-Type text/plain, and no redirect.`, RFC_FETCH, { name: url }, {
        domain,
        url,
        host: `mta-sts.${domain}`,
        httpStatus: policy.httpStatus ?? null,
        error: policy.error ?? null,
      }),
    ],
    policy,
  });
  let response;
  try {
    response = await fetchText(url);
  } catch (caught) {
    response = { status: 'error' as const, message: caught instanceof Error ? caught.message : String(caught) };
  }
  if (response.status === 'error') return failed(response.message, { error: response.message });
  const seen = { httpStatus: response.httpStatus, ...(response.contentType !== undefined ? { contentType: response.contentType } : {}) };
  if (response.httpStatus >= 300 && response.httpStatus < 400) return failed(`the server answered ${response.httpStatus} (a redirect), and senders must not follow redirects`, seen);
  if (response.httpStatus !== 200) return failed(`the server answered HTTP ${response.httpStatus}`, seen);
  const findings: Finding[] = [];
  const mediaType = response.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'text/plain') {
    findings.push(finding('mta-sts-policy-content-type', 'warning', `The MTA-STS policy at ${url} is served as ${response.contentType ?? 'no Content-Type'}, not text/plain; senders should reject it.`, `Serve ${url} with "Content-Type: text/plain".`, RFC_FETCH, { name: url }, { domain, url, contentType: response.contentType ?? null }));
  }
  const { policy, diagnostics } = parseMtaStsPolicy(response.body);
  const fix = `Correct the policy file at ${url}: the lines "version: STSv1", "mode: enforce" (or testing, none), one "mx: <host or *.domain>" per MX host, and "max_age: <seconds, at most 31557600>", each ended by CRLF or LF.`;
  for (const d of diagnostics) findings.push(diagnosticToFinding(d, url, fix, { domain, url }));
  return { findings, policy: { ...seen, text: response.body, parsed: policy } };
}

function describeModeAndAge(domain: string, policy: MtaStsPolicy, url: string): Finding[] {
  const findings: Finding[] = [];
  if (policy.mode === 'testing') {
    findings.push(finding('mta-sts-mode-testing', 'warning', 'The MTA-STS policy is in testing mode: senders report failures (with TLS-RPT) but still deliver without TLS protection.', 'Once TLS reports show no failures for a few weeks, set "mode: enforce" in the policy file and change the id in the _mta-sts record.', 'RFC 8461 §5', { name: url, location: 'mode' }, { domain, url, mode: 'testing' }));
  }
  const mode = policy.mode === 'enforce' ? 'enforce' : 'testing';
  const minimum = MTA_STS_SHORT_MAX_AGE[mode];
  if (policy.maxAge !== undefined && policy.maxAge < minimum) {
    const suggested = mode === 'enforce' ? 1_209_600 : 86_400;
    findings.push(
      finding('mta-sts-max-age-short', 'warning', `The MTA-STS max_age is ${policy.maxAge} seconds; in ${mode} mode it should be at least ${minimum} (${mode === 'enforce' ? 'a week' : 'a day'}): a short cache leaves senders exposed when an attacker blocks the next policy fetch.`, `Set "max_age: ${suggested}" (or more) in the policy file and change the id in the _mta-sts record.`, 'RFC 8461 §3.2, §10', { name: url, location: 'max_age' }, {
        domain,
        url,
        mode,
        maxAge: policy.maxAge,
        limit: minimum,
        suggested,
      }),
    );
  }
  return findings;
}

async function checkCoverage(domain: string, policy: MtaStsPolicy, options: MtaStsCheckOptions): Promise<{ findings: Finding[]; mxCoverage: MtaStsCheckRecords['mxCoverage'] }> {
  let hosts = options.mx;
  if (!hosts) {
    const answer = await options.resolver.mx(domain);
    if (answer.status === 'error') return { findings: [dnsErrorFinding('mta-sts-dns-error', 'MX', domain, answer, 'whether the MTA-STS policy covers every MX host', 'RFC 8461 §4.1', { domain })], mxCoverage: [] };
    hosts = answer.status === 'ok' ? answer.records : [];
  }
  const exchanges = hosts.map((h) => h.exchange).filter((e) => e !== '');
  const mxCoverage = exchanges.map((exchange) => {
    const pattern = policy.mx.find((p) => matchesMxPattern(p, exchange));
    return pattern === undefined ? { exchange } : { exchange, pattern };
  });
  const findings: Finding[] = [];
  const enforce = policy.mode === 'enforce';
  for (const entry of mxCoverage.filter((c) => c.pattern === undefined)) {
    findings.push(
      finding(
        'mta-sts-mx-not-covered',
        enforce ? 'error' : 'warning',
        `MX host ${entry.exchange} matches no mx pattern of the MTA-STS policy (${policy.mx.join(', ') || 'none'}), so senders ${enforce ? 'that enforce MTA-STS will not deliver to it' : 'report every delivery to it as a failure'}.`,
        `Add "mx: ${entry.exchange}" (or a "*." pattern covering it) to the policy file and change the id in the _mta-sts record, or remove the MX record if the host is retired.`,
        'RFC 8461 §4.1',
        { name: entry.exchange },
        { domain, host: entry.exchange, mode: policy.mode ?? null, patterns: policy.mx },
      ),
    );
  }
  for (const pattern of policy.mx.filter((p) => !exchanges.some((e) => matchesMxPattern(p, e)))) {
    findings.push(finding('mta-sts-mx-pattern-unused', 'info', `The MTA-STS pattern "mx: ${pattern}" matches none of the MX hosts of ${domain}${exchanges.length === 0 ? ' (it has none)' : ''}: an old entry?`, `Remove "mx: ${pattern}" from the policy file unless a new MX host will use it.`, 'RFC 8461 §4.1', { name: domain }, { domain, pattern, hosts: exchanges }));
  }
  return { findings, mxCoverage };
}
