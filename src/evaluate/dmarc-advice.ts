/**
 * Findings about one parsed DMARC record, without DNS: its syntax diagnostics, weak policies,
 * reporting set-up, and how the two generations of receivers read it differently. Shared by
 * `check` (on the record found) and `record dmarc` (on the record built), so both say the same.
 * Every finding's params hold `name` (`_dmarc.<policy domain>`) and `policyDomain`, then the
 * values its message names.
 */
import { getPublicSuffix } from 'tldts';
import type { DmarcEffectivePolicy } from '../records/dmarc-effective.js';
import { computeEffectivePolicy } from '../records/dmarc-effective.js';
import type { DmarcParse, DmarcRecord } from '../records/dmarc-record.js';
import type { DmarcUri } from '../records/dmarc-uri.js';
import { formatDmarcTags, optionsFromRecord } from '../records/dmarc-build.js';
import type { DmarcBuildOptions } from '../records/dmarc-build.js';
import { describePolicyEffect, findStage, identifyStage, nextLadderRecord } from './dmarc-ladder.js';
import type { Finding } from './finding.js';
import { finding } from './finding.js';

export interface DmarcAdviceContext {
  /** The domain whose `_dmarc` record this is. */
  readonly policyDomain: string;
  /** The domain being checked: the policy domain, or a subdomain inheriting its record. */
  readonly domain: string;
  /** The Organizational Domain of the policy domain (PSL): sp/np only mean something in a record there. */
  readonly organizationalDomain: string;
}

/** The record with some options changed, as text for a fix. */
function withChanges(record: DmarcRecord, changes: Partial<Record<keyof DmarcBuildOptions, unknown>>): string {
  const options: Record<string, unknown> = { ...optionsFromRecord(record), ...changes };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return formatDmarcTags(options);
}

/** Every finding about `parse` (which must hold a record) in `context`. */
export function adviseDmarcRecord(parse: DmarcParse, context: DmarcAdviceContext): Finding[] {
  const record = parse.record;
  if (!record) return [];
  const name = `_dmarc.${context.policyDomain}`;
  const base = { name, policyDomain: context.policyDomain };
  const findings: Finding[] = [];
  const corrected = formatDmarcTags(optionsFromRecord(record));
  const stage = isLadderStageRecord(record);
  for (const d of parse.diagnostics) {
    if (stage !== undefined && d.code === 'dmarc-removed-tag' && d.tag === 'pct') {
      // The ladder's partial stages pair pct (for RFC 7489 receivers) with t=y (for RFC 9989 ones) on purpose.
      findings.push(finding(d.code, 'info', `pct was removed by RFC 9989 and its receivers ignore it; here it is paired with t=y on purpose (rollout stage ${stage}): RFC 7489 receivers apply p to ${record.percentage ?? 100}% of failing mail, RFC 9989 receivers one level below p.`, 'Remove pct together with t when the stage is over.', d.rfc, { name, location: `pct${d.offset !== undefined ? ` at offset ${d.offset}` : ''}` }, { ...base, tag: 'pct', ...(d.offset !== undefined ? { offset: d.offset } : {}), ...d.params }));
      continue;
    }
    const location = d.tag !== undefined ? `${d.tag}${d.offset !== undefined ? ` at offset ${d.offset}` : ''}` : d.offset !== undefined ? `offset ${d.offset}` : undefined;
    const fix = d.code === 'dmarc-syntax-error' || d.code === 'dmarc-duplicate-tag' || d.code === 'dmarc-unknown-tag' ? `Publish the record without the fault; with the invalid parts left out it reads: ${corrected}` : fixFor(d.code, record);
    const params = { ...base, ...(d.tag !== undefined ? { tag: d.tag } : {}), ...(d.offset !== undefined ? { offset: d.offset } : {}), ...d.params };
    findings.push(finding(d.code, d.severity, d.message, fix, d.rfc, { name, ...(location !== undefined ? { location } : {}) }, params));
  }
  const effective = { rfc7489: computeEffectivePolicy(record, 'rfc7489'), rfc9989: computeEffectivePolicy(record, 'rfc9989') };
  findings.push(...advisePolicy(record, context, effective, base));
  findings.push(...adviseReporting(record, base));
  return findings;
}

/**
 * The ladder stage whose own policy tags the record carries exactly (not merely the same effect:
 * `p=none; t=y` still gets its note on t), or undefined.
 */
function isLadderStageRecord(record: DmarcRecord): string | undefined {
  const identified = identifyStage(record);
  if (!identified.exact) return undefined;
  const tags = findStage(identified.stage).tags;
  return record.percentage === tags.percentage && record.testing === tags.testing ? identified.stage : undefined;
}

/** `name` and `policyDomain`: the params every finding about the record carries. */
type RecordParams = { readonly name: string; readonly policyDomain: string };

function fixFor(code: string, record: DmarcRecord): string {
  switch (code) {
    case 'dmarc-policy-missing':
      return `Add p right after v: ${withChanges(record, { policy: 'none' })}`;
    case 'dmarc-policy-not-second':
      return `Put p right after v: ${formatDmarcTags(optionsFromRecord(record))}`;
    case 'dmarc-removed-tag':
      return 'Keep pct only while RFC 7489 receivers matter and pair a test stage with t=y (p=quarantine; pct=0; t=y works on both); drop rf and ri.';
    case 'dmarc-report-uri-size':
      return `Drop the size limit: ${withChanges(record, { aggregateUris: record.aggregateUris.map((u) => u.uri), failureUris: record.failureUris.map((u) => u.uri) })}`;
    default:
      return '';
  }
}

function advisePolicy(record: DmarcRecord, context: DmarcAdviceContext, effective: Record<'rfc7489' | 'rfc9989', DmarcEffectivePolicy>, base: RecordParams): Finding[] {
  const { name } = base;
  const findings: Finding[] = [];
  const inherited = context.domain !== context.policyDomain;
  const atOrganizationalDomain = context.policyDomain === context.organizationalDomain || record.publicSuffixDomain === 'n';
  const governing = (e: DmarcEffectivePolicy): string => (inherited ? e.subdomainPolicy : e.policy);
  const rfc = 'RFC 7489 §6.3; RFC 9989 §4.7';
  // The rollout ladder the planner walks (dmarc-ladder.ts): where the record is, and the same next record the planner proposes.
  const ladder = inherited ? undefined : { stage: identifyStage(record), next: nextLadderRecord(record, { domain: context.policyDomain, organizational: atOrganizationalDomain && context.policyDomain === context.organizationalDomain }) };
  if (ladder !== undefined && (effective.rfc7489.applied || effective.rfc9989.applied)) findings.push(ladderFinding(record, ladder, base));
  if (!effective.rfc7489.applied && !effective.rfc9989.applied) {
    findings.push(finding('dmarc-policy-invalid', 'error', `The record at ${name} has no valid policy and no valid rua, so receivers apply no DMARC at all.`, `Publish a valid record, e.g. ${withChanges(record, { policy: 'none' })}`, 'RFC 7489 §6.6.3; RFC 9989 §4.10.1', { name }, base));
  } else if (governing(effective.rfc7489) === 'none' && governing(effective.rfc9989) === 'none') {
    const tag = inherited ? 'sp' : 'p';
    const fallback = effective.rfc9989.fellBackToNone || effective.rfc7489.fellBackToNone;
    const how = fallback ? ' (receivers fall back to none because of an invalid or missing tag)' : '';
    const whose = inherited ? `${context.domain} inherits the policy none from ${name}` : `${name} has p=none`;
    const params = { ...base, domain: context.domain, inherited, tag, policy: 'none', fallback };
    const first = inherited ? undefined : ladder?.next;
    const fix = first !== undefined ? `When the aggregate reports show every legitimate source passing, take the first step of the rollout (${first.stage}): ${first.text}` : `When the aggregate reports show every legitimate source passing, raise the policy: ${withChanges(record, { subdomainPolicy: 'quarantine' })}`;
    findings.push(finding('dmarc-policy-none', 'warning', `${whose}${how}: receivers take no action on mail that fails DMARC, so anyone can still send as the domain (monitoring only).`, fix, rfc, { name, location: tag }, params));
  }
  if (atOrganizationalDomain && !inherited && record.policy !== undefined && record.policy !== 'none') {
    if (record.subdomainPolicy === 'none') {
      findings.push(finding('dmarc-subdomain-policy-none', 'warning', `${name} has sp=none: mail from existing subdomains that fails DMARC is not acted on, although p=${record.policy}.`, `Set sp to quarantine or reject once subdomains' senders pass (or remove sp so that p applies): ${withChanges(record, { subdomainPolicy: record.policy })}`, rfc, { name, location: 'sp' }, { ...base, tag: 'sp', value: 'none', policy: record.policy }));
    }
    if (record.nonexistentSubdomainPolicy === 'none') {
      findings.push(finding('dmarc-subdomain-policy-none', 'warning', `${name} has np=none: RFC 9989 receivers take no action on mail from subdomains that do not exist, the easiest names to spoof.`, `Set np=reject: ${withChanges(record, { nonexistentSubdomainPolicy: 'reject' })}`, 'RFC 9989 §4.7', { name, location: 'np' }, { ...base, tag: 'np', value: 'none', policy: record.policy }));
    }
  }
  const onLadder = ladder !== undefined && isLadderStageRecord(record) !== undefined;
  if (record.percentage !== undefined && record.percentage < 100 && !onLadder) {
    const testPair = record.percentage === 0 && record.testing === 'y';
    findings.push(
      finding(
        'dmarc-pct-partial',
        testPair ? 'info' : 'warning',
        testPair
          ? `${name} has pct=0 with t=y: the test stage that works on both generations (RFC 7489 receivers read pct=0, RFC 9989 receivers t=y, and both apply one level below p=${record.policy ?? 'none'}).`
          : `${name} has pct=${record.percentage}: RFC 7489 receivers apply p=${record.policy ?? 'none'} to ${record.percentage}% of failing mail${record.policy === 'reject' ? ' (the rest is quarantined)' : ''}, but RFC 9989 receivers ignore pct and apply ${record.testing === 'y' ? 'one level below it (t=y)' : 'it'} to all of it.`,
        testPair
          ? 'When the test stage is over, remove pct and t.'
          : ladder?.next !== undefined
            ? `Take the next step of the rollout (${ladder.next.stage}), which never loosens what either generation applies today: ${ladder.next.text}`
            : `Drop pct: ${withChanges(record, { percentage: undefined, testing: undefined })}`,
        'RFC 7489 §6.6.4; RFC 9989 §4.7, App. A.6',
        { name, location: 'pct' },
        { ...base, tag: 'pct', pct: record.percentage, policy: record.policy ?? 'none', testing: record.testing === 'y', rfc7489Policy: effective.rfc7489.applies.policy, rfc9989Policy: effective.rfc9989.applies.policy },
      ),
    );
  }
  if (record.testing === 'y' && !onLadder) {
    const none = record.policy === undefined || record.policy === 'none';
    const pctNote = record.percentage === 0 ? '' : ` RFC 7489 receivers ignore t and apply p=${record.policy ?? 'none'} in full${record.percentage !== undefined ? ` to ${record.percentage}% of failing mail` : ''}; add pct=0 for the same test stage on both.`;
    const params = { ...base, tag: 't', value: 'y', policy: record.policy ?? 'none', pct: record.percentage ?? 100, rfc7489Policy: effective.rfc7489.applies.policy, rfc9989Policy: effective.rfc9989.applies.policy };
    findings.push(
      none
        ? finding('dmarc-testing', 'info', `${name} has t=y, which has no effect with p=none.`, `Remove t: ${withChanges(record, { testing: undefined })}`, 'RFC 9989 §4.7', { name, location: 't' }, params)
        : finding('dmarc-testing', 'warning', `${name} has t=y (test mode): RFC 9989 receivers apply one level below the policy, ${record.policy === 'reject' ? 'quarantine instead of reject' : 'none instead of quarantine'}.${pctNote}`, ladder?.next !== undefined ? `Take the next step of the rollout (${ladder.next.stage}): ${ladder.next.text}` : `When the test stage is over, remove t: ${withChanges(record, { testing: undefined, percentage: record.percentage === 0 ? undefined : record.percentage })}`, 'RFC 9989 §4.7, App. A.6', { name, location: 't' }, params),
    );
  }
  findings.push(...adviseScope(record, context, effective, base, inherited, atOrganizationalDomain));
  return findings;
}

/**
 * Where the record is on the rollout ladder, and the next record: the planner's (nextLadderRecord),
 * so `check` and `plan` never disagree; a record off the ladder is named by its nearest stage.
 */
function ladderFinding(record: DmarcRecord, ladder: { stage: ReturnType<typeof identifyStage>; next: ReturnType<typeof nextLadderRecord> }, base: RecordParams): Finding {
  const { stage, next } = ladder;
  const where = stage.exact ? `is at rollout stage ${stage.stage}` : `is nearest to rollout stage ${stage.stage} without matching it`;
  const notes = stage.notes.filter((n) => n.code !== 'stage-not-exact').map((n) => ` ${n.message}`).join('');
  const fix =
    next === undefined
      ? 'This is the last stage: keep rua, and keep approving or rejecting new senders as they appear.'
      : `When every legitimate sender passes DMARC at this stage, take the next step (${next.stage}): ${next.text} (sp is held back while subdomains seen in the reports still fail).`;
  return finding(
    'dmarc-rollout-stage',
    'info',
    `${base.name} ${where}: ${describePolicyEffect(record)}${notes}`,
    fix,
    'RFC 7489 §6.6.4; RFC 9989 §4.7, App. A.6',
    { name: base.name },
    { ...base, stage: stage.stage, exact: stage.exact, nextStage: next?.stage ?? null, nextRecord: next?.text ?? null },
  );
}

function adviseScope(record: DmarcRecord, context: DmarcAdviceContext, effective: Record<'rfc7489' | 'rfc9989', DmarcEffectivePolicy>, base: RecordParams, inherited: boolean, atOrganizationalDomain: boolean): Finding[] {
  const { name } = base;
  const findings: Finding[] = [];
  const seven = effective.rfc7489;
  const nine = effective.rfc9989;
  const stated = (e: DmarcEffectivePolicy, key: 'subdomainPolicy' | 'nonexistentSubdomainPolicy'): string => (e[key] === e.applies[key] ? e[key] : `${e[key]}, applied as ${e.applies[key]} in test mode`);
  if (inherited) {
    const params = { ...base, domain: context.domain, rfc9989SubdomainPolicy: nine.subdomainPolicy, testing: nine.testing, rfc7489SubdomainPolicy: seven.subdomainPolicy, pct: seven.percentage };
    findings.push(finding('dmarc-inherited', 'info', `${context.domain} has no DMARC record of its own; receivers apply the record at ${name}: sp gives it ${stated(nine, 'subdomainPolicy')} (RFC 9989) and ${seven.subdomainPolicy}${seven.percentage < 100 ? ` at pct=${seven.percentage}` : ''} (RFC 7489).`, '', 'RFC 7489 §6.6.3; RFC 9989 §4.10.1', { name }, params));
  } else if (atOrganizationalDomain && (seven.applied || nine.applied)) {
    const params = { ...base, rfc9989SubdomainPolicy: nine.subdomainPolicy, rfc9989NonexistentSubdomainPolicy: nine.nonexistentSubdomainPolicy, testing: nine.testing, rfc7489SubdomainPolicy: seven.subdomainPolicy };
    findings.push(finding('dmarc-subdomain-inheritance', 'info', `Subdomains of ${context.policyDomain} without their own record get: existing ones ${stated(nine, 'subdomainPolicy')}, non-existent ones ${stated(nine, 'nonexistentSubdomainPolicy')} under RFC 9989; RFC 7489 receivers have no np and apply ${seven.subdomainPolicy} to both.`, '', 'RFC 7489 §6.3; RFC 9989 §4.7, §4.10.1', { name }, params));
  }
  if (!atOrganizationalDomain && !inherited && (record.subdomainPolicy !== undefined || record.nonexistentSubdomainPolicy !== undefined)) {
    const tag = record.subdomainPolicy !== undefined ? 'sp' : 'np';
    findings.push(finding('dmarc-subdomain-policy-ignored', 'info', `${name} is not at the Organizational Domain (${context.organizationalDomain}), so receivers ignore its sp and np: its subdomains get the policy of _dmarc.${context.organizationalDomain}.`, `Set sp/np in the record at _dmarc.${context.organizationalDomain}, or publish records for the subdomains themselves.`, 'RFC 7489 §6.3; RFC 9989 §4.7', { name, location: tag }, { ...base, tag, organizationalDomain: context.organizationalDomain }));
  }
  if (record.publicSuffixDomain === 'y' && getPublicSuffix(context.policyDomain) !== context.policyDomain) {
    findings.push(finding('dmarc-psd-unexpected', 'warning', `${name} has psd=y, which declares ${context.policyDomain} a public suffix operated for others: RFC 9989 receivers then treat each name one label below it as its own Organizational Domain.`, `Only public suffix operators publish psd=y; remove it: ${withChanges(record, { publicSuffixDomain: undefined })}`, 'RFC 9989 §4.7, §4.10.2', { name, location: 'psd' }, { ...base, tag: 'psd', value: 'y' }));
  }
  if (record.publicSuffixDomain === 'y' && record.failureUris.length > 0) {
    findings.push(finding('dmarc-psd-ruf', 'warning', `${name} has psd=y and ruf: report generators must not send failure reports to a public suffix domain's ruf without an agreement.`, `Remove ruf: ${withChanges(record, { failureUris: undefined })}`, 'RFC 9991 §2', { name, location: 'ruf' }, { ...base, tag: 'ruf', uris: record.failureUris.map((u) => u.uri) }));
  }
  return findings;
}

function adviseReporting(record: DmarcRecord, base: RecordParams): Finding[] {
  const { name } = base;
  const findings: Finding[] = [];
  if (record.aggregateUris.length === 0) {
    const uri = `mailto:dmarc-reports@${base.policyDomain}`;
    findings.push(finding('dmarc-no-rua', 'warning', `${name} has no (valid) rua, so receivers send no aggregate reports and nobody sees who sends as the domain.`, `Add an aggregate report address: ${withChanges(record, { aggregateUris: [uri] })}`, 'RFC 7489 §6.3; RFC 9989 §4.7; RFC 9990 §2', { name, location: 'rua' }, { ...base, tag: 'rua', uri }));
  }
  for (const [tag, uris] of [['rua', record.aggregateUris], ['ruf', record.failureUris]] as const) {
    if (uris.length > 2) {
      const params = { ...base, tag, count: uris.length, limit: 2, uris: uris.map((u) => u.text) };
      findings.push(finding('dmarc-too-many-report-uris', 'warning', `${name} lists ${uris.length} ${tag} URIs; receivers need only send to two, so the later ones may get nothing.`, `Keep at most two ${tag} URIs (the first two are: ${uris.slice(0, 2).map((u) => u.text).join(', ')}).`, 'RFC 7489 §6.2', { name, location: tag }, params));
    }
    const seen = new Set<string>();
    for (const uri of uris) {
      const key = uri.uri.toLowerCase();
      if (seen.has(key)) findings.push(finding('dmarc-duplicate-report-uri', 'warning', `${name} lists ${uri.uri} more than once in ${tag}; receivers may send the same report twice.`, `List each ${tag} URI once.`, 'RFC 7489 §6.2; RFC 9989 §4.7', { name, location: `${tag} at offset ${uri.offset}` }, { ...base, tag, uri: uri.uri, offset: uri.offset }));
      seen.add(key);
    }
    findings.push(...adviseSchemes(uris, tag, base));
  }
  if (record.failureOptions !== undefined && record.failureUris.length === 0) {
    const value = record.failureOptions.join(':');
    findings.push(finding('dmarc-fo-without-ruf', 'warning', `${name} has fo=${value} but no ruf: fo only selects failure reports, so receivers ignore it.`, `Remove fo, or add a ruf URI if you want failure reports: ${withChanges(record, { failureOptions: undefined })}`, 'RFC 7489 §6.3; RFC 9989 §4.7', { name, location: 'fo' }, { ...base, tag: 'fo', value }));
  }
  return findings;
}

function adviseSchemes(uris: readonly DmarcUri[], tag: string, base: RecordParams): Finding[] {
  const { name } = base;
  const findings: Finding[] = [];
  const hasMailto = uris.some((u) => u.scheme === 'mailto');
  for (const uri of uris) {
    if (uri.scheme === 'mailto') continue;
    if (uri.scheme === 'https' && hasMailto) continue;
    const https = uri.scheme === 'https';
    findings.push(
      finding(
        'dmarc-report-uri-scheme',
        https ? 'info' : 'warning',
        https
          ? `${name} sends ${tag} only to ${uri.uri}: receivers must support mailto: but need not support https:, so few reports will arrive.`
          : `${name} lists ${uri.uri} in ${tag}: receivers must support only mailto: and ignore URIs whose scheme they do not support.`,
        `Use a mailto: URI for ${tag}${https ? ' as well' : ''}.`,
        'RFC 7489 §6.2; RFC 9989 §4.7',
        { name, location: `${tag} at offset ${uri.offset}` },
        { ...base, tag, uri: uri.uri, scheme: uri.scheme, offset: uri.offset },
      ),
    );
  }
  return findings;
}
