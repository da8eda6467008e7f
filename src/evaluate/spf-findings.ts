/**
 * Turns an SPF audit tree into findings (codes in .tmp/findings-spf.md → docs/findings.md). Each
 * finding names the record (`name`) and term (`location`) at fault, the RFC 7208 clause, and a fix
 * the domain owner can apply; problems inside a provider's include say so. Params: `domain` (the
 * record holding the term), `term`, and the counts, limits and targets the message names.
 */
import type { Finding, FindingParams } from './finding.js';
import { finding } from './finding.js';
import type { SpfAudit, SpfAuditNode, SpfAuditTerm } from './spf-audit.js';
import { SPF_LIMITS } from './spf-evaluate.js';

type Qualifier = '+' | '-' | '~' | '?';

/** Findings about the tree below a root that has exactly one record. */
export function findTreeProblems(audit: SpfAudit): Finding[] {
  const findings: Finding[] = [];
  walkNode(audit.root, undefined, findings);
  findLimits(audit, findings);
  return findings;
}

function walkNode(node: SpfAuditNode, outer: Qualifier | null | undefined, findings: Finding[]): void {
  const name = node.domain;
  const afterAll = node.terms.filter((t) => t.ignored === 'after-all').map((t) => t.term);
  if (afterAll.length > 0) {
    findings.push(
      finding('spf-terms-after-all', 'warning', `The SPF record of ${name} has terms after "all" (${afterAll.join(' ')}); receivers never evaluate them.`, `Move ${afterAll.join(' ')} before the "all" mechanism of ${name}, or delete ${afterAll.length > 1 ? 'them' : 'it'}.`, 'RFC 7208 §5.1', { name, location: afterAll[0] as string }, { domain: name, terms: afterAll }),
    );
  }
  for (const term of node.terms) {
    const where = { name, location: term.term };
    const about = { domain: name, term: term.term };
    const lower = term.term.toLowerCase();
    const qualifier = ('+-~?'.includes(lower[0] ?? '') ? lower[0] : '+') as Qualifier;
    const bare = lower.replace(/^[+\-~?]/, '');
    if (bare === 'all' && !term.ignored) checkAll(name, term, outer === undefined ? qualifier : qualifier === '+' ? outer : null, outer !== undefined, findings);
    if ((bare === 'ptr' || bare.startsWith('ptr:')) && !term.ignored) {
      findings.push(finding('spf-ptr-used', 'warning', `The SPF record of ${name} uses "${term.term}", which RFC 7208 says not to use: it is slow, unreliable, and some receivers skip it.`, `Replace "${term.term}" in ${name} with ip4:/ip6: terms (or an a: term) for the servers it was meant to cover.`, 'RFC 7208 §5.5', where, about));
    }
    if (term.ignored === 'redirect-with-all') {
      findings.push(finding('spf-redirect-ignored', 'warning', `The SPF record of ${name} has both "all" and "${term.term}"; receivers ignore the redirect because "all" always matches first.`, `Remove "${term.term}" from ${name}, or remove "all" if the redirect is what you want.`, 'RFC 7208 §6.1', where, about));
    }
    if (term.loop) {
      findings.push(finding('spf-include-loop', 'error', `"${term.term}" in the SPF record of ${name} leads back to a record already being evaluated; receivers return permerror for every message.`, `Remove "${term.term}" from ${name}; an include or redirect must never point back to a record that reaches it.`, 'RFC 7208 §4.6.4, §5.2', where, about));
    }
    if (term.dnsError) {
      findings.push(finding('spf-dns-error', 'error', `The DNS lookup for "${term.term}" in the SPF record of ${name} failed (${term.dnsError}); receivers that reach this term return temperror.`, `Check that the name servers for the target of "${term.term}" answer; if the name is obsolete, remove the term from ${name}.`, 'RFC 7208 §5, §2.6.6', where, { ...about, error: term.dnsError }));
    }
    if (term.mxNames !== undefined && term.mxNames > SPF_LIMITS.mxNames) {
      findings.push(finding('spf-too-many-mx-names', 'error', `"${term.term}" in the SPF record of ${name} finds ${term.mxNames} MX names, more than the ${SPF_LIMITS.mxNames} a receiver may look up; receivers return permerror.`, `Replace "${term.term}" in ${name} with ip4:/ip6: terms for the mail servers that actually send.`, 'RFC 7208 §4.6.4', where, { ...about, mxNames: term.mxNames, limit: SPF_LIMITS.mxNames }));
    }
    if (term.void && !term.dnsError) {
      findings.push(finding('spf-void-lookup', 'warning', `"${term.term}" in the SPF record of ${name} looks up a name with no ${bare.startsWith('mx') ? 'MX' : 'address'} records (a void lookup); more than ${SPF_LIMITS.voidLookups} of these make the record a permerror.`, `Remove "${term.term}" from ${name} if that host no longer sends mail, or publish its records.`, 'RFC 7208 §4.6.4', where, { ...about, limit: SPF_LIMITS.voidLookups }));
    }
    if (term.explanationProblem) {
      findings.push(finding('spf-exp-invalid', 'warning', `"${term.term}" in the SPF record of ${name} is not usable: ${term.explanationProblem}.`, `Publish exactly one TXT record with the explanation text at the exp= target, or remove "${term.term}" from ${name}.`, 'RFC 7208 §6.2', where, { ...about, reason: term.explanationProblem }));
    }
    if (term.child) checkChild(name, term, outer, qualifier, findings);
  }
  if (node.via !== 'include' && node.status === 'ok') {
    const hasAll = node.terms.some((t) => /^[+\-~?]?all$/i.test(t.term) && !t.ignored);
    const hasRedirect = node.terms.some((t) => /^redirect=/i.test(t.term) && !t.ignored);
    if (!hasAll && !hasRedirect) {
      findings.push(finding('spf-no-all', 'warning', `The SPF record of ${name} does not end with an "all" mechanism, so mail from any server not listed gets the default result neutral, which protects nothing.`, `Add "-all" (or "~all") at the end of the record of ${name}.`, 'RFC 7208 §4.7, §5.1', { name }, { domain: name }));
    }
  }
}

function checkAll(name: string, term: SpfAuditTerm, result: Qualifier | null, included: boolean, findings: Finding[]): void {
  const where = { name, location: term.term };
  if (result === '+') {
    const params = { domain: name, term: term.term, included };
    findings.push(
      finding(
        'spf-permissive-all',
        'error',
        included
          ? `The included SPF record of ${name} ends with "${term.term}", so the include passes for every server on the Internet and anyone can send as your domain.`
          : `The SPF record of ${name} ends with "${term.term}", which authorises every server on the Internet to send as ${name}.`,
        included ? `Remove the include of ${name} (or ask its owner to fix it); an include must never end in +all.` : `Replace "${term.term}" with "-all" (or "~all" while you are still finding your senders).`,
        'RFC 7208 §5.1, §10.1',
        where,
        params,
      ),
    );
  } else if (result === '?' && !included) {
    findings.push(finding('spf-neutral-all', 'warning', `The SPF record of ${name} ends with "${term.term}": servers not listed get neutral, which receivers treat like no SPF at all.`, `Replace "${term.term}" with "~all", and with "-all" once every sender is listed.`, 'RFC 7208 §5.1, §8.2', where, { domain: name, term: term.term }));
  }
}

function checkChild(name: string, term: SpfAuditTerm, outer: Qualifier | null | undefined, qualifier: Qualifier, findings: Finding[]): void {
  const child = term.child as SpfAuditNode;
  const where = { name, location: term.term };
  const about = { domain: name, term: term.term, target: child.domain };
  const isRedirect = child.via === 'redirect';
  switch (child.status) {
    case 'ok':
      walkNode(child, isRedirect ? outer : outer === undefined ? qualifier : qualifier === '+' ? outer : null, findings);
      return;
    case 'none':
    case 'invalid-name':
      findings.push(
        isRedirect
          ? finding('spf-redirect-missing', 'error', `"${term.term}" in the SPF record of ${name} points to ${child.domain}, which has no SPF record; receivers return permerror for every message.`, `Correct the redirect target in ${name}, or publish an SPF record at ${child.domain}.`, 'RFC 7208 §6.1', where, about)
          : finding('spf-include-missing', 'error', `"${term.term}" in the SPF record of ${name} points to ${child.domain}, which has no SPF record; receivers treat the include, and so the whole check, as permerror.`, `Remove "${term.term}" from ${name}, or correct the name to the one the provider documents.`, 'RFC 7208 §5.2', where, about),
      );
      return;
    case 'multiple-records':
    case 'syntax-error': {
      const what = child.status === 'multiple-records' ? `has ${child.records?.length ?? 2} SPF records` : `has a syntax error (${child.diagnostics?.[0]?.location ?? ''}: ${child.diagnostics?.[0]?.message ?? ''})`;
      const first = child.diagnostics?.[0];
      const detail: FindingParams = child.status === 'multiple-records' ? { count: child.records?.length ?? 2 } : { column: columnOf(first?.location), ...(first ? { diagnostic: first.code } : {}) };
      findings.push(finding('spf-include-invalid', 'error', `${child.domain}, reached by "${term.term}" from ${name}, ${what}; every check that reaches it is a permerror.`, `If ${child.domain} is yours, fix its record; if it is a provider's, report it to them and remove "${term.term}" until it is fixed.`, 'RFC 7208 §4.5, §4.6, §5.2', where, { ...about, status: child.status, ...detail }));
      return;
    }
    case 'dns-error':
      findings.push(finding('spf-dns-error', 'error', `The SPF record of ${child.domain}, reached by "${term.term}" from ${name}, could not be fetched (${child.dnsError ?? 'DNS failure'}); receivers return temperror when they reach it.`, `Check that the name servers of ${child.domain} answer TXT queries; if the include is obsolete, remove it from ${name}.`, 'RFC 7208 §4.4, §5.2', { name: child.domain, location: term.term }, { ...about, error: child.dnsError ?? 'DNS failure' }));
      return;
    case 'not-followed':
      return;
  }
}

function findLimits(audit: SpfAudit, findings: Finding[]): void {
  const name = audit.root.domain;
  const atLeast = audit.dynamic || audit.truncated ? 'at least ' : '';
  const breakdown = describeCosts(audit.root.terms, 2);
  const counts = { domain: name, lookups: audit.lookups, limit: SPF_LIMITS.lookups, lowerBound: atLeast !== '', costs: listCosts(audit.root.terms) };
  if (audit.lookups > SPF_LIMITS.lookups) {
    findings.push(
      finding(
        'spf-too-many-lookups',
        'error',
        `The SPF record of ${name} needs ${atLeast}${audit.lookups} DNS-querying terms, over the limit of ${SPF_LIMITS.lookups}; receivers return permerror once they pass the limit. Cost per term: ${breakdown}.`,
        `Bring ${name} to ${SPF_LIMITS.lookups} lookups or fewer: remove includes for services you no longer use, replace a/mx with ip4:/ip6: for stable addresses, or move a sending service to a subdomain with its own record. The largest costs are listed above.`,
        'RFC 7208 §4.6.4',
        { name },
        counts,
      ),
    );
  } else if (audit.lookups > 0 || audit.dynamic) {
    findings.push(finding('spf-lookup-count', 'info', `The SPF record of ${name} uses ${atLeast}${audit.lookups} of the ${SPF_LIMITS.lookups} allowed DNS-querying terms: ${breakdown}.`, '', 'RFC 7208 §4.6.4', { name }, counts));
  }
  const voids = collectVoids(audit.root);
  if (audit.voidLookups > SPF_LIMITS.voidLookups) {
    findings.push(finding('spf-too-many-void-lookups', 'error', `The SPF record of ${name} causes ${audit.voidLookups} void lookups (names with no records), over the limit of ${SPF_LIMITS.voidLookups}; receivers return permerror: ${voids.join(', ')}.`, `Remove the terms that point to names without records (${voids.join(', ')}), or publish the missing records.`, 'RFC 7208 §4.6.4', { name }, { domain: name, voidLookups: audit.voidLookups, limit: SPF_LIMITS.voidLookups, terms: voids }));
  }
  const dynamic = collectDynamic(audit.root);
  if (dynamic.length > 0) {
    findings.push(finding('spf-macro-used', 'info', `The SPF record tree of ${name} has terms with macros (${dynamic.join(', ')}); they expand per message, so their lookups cannot be counted without one: each counts as one lookup here and the total is a lower bound.`, '', 'RFC 7208 §7, §4.6.4', { name }, { domain: name, terms: dynamic }));
  }
}

/** `include:_spf.example.net 4 (include:a 1, include:b 2), mx 1`: the terms that cost lookups. */
export function describeCosts(terms: readonly SpfAuditTerm[], depth: number): string {
  const costly = terms.filter((t) => t.lookups > 0);
  if (costly.length === 0) return 'none';
  return costly
    .map((t) => {
      const inner = t.child && depth > 1 ? t.child.terms.filter((c) => c.lookups > 0) : [];
      const detail = inner.length > 0 ? ` (${describeCosts(t.child?.terms ?? [], depth - 1)})` : '';
      const flags = t.dynamic ? ' (macro: not followed)' : t.loop ? ' (loop)' : '';
      return `${t.term} ${t.lookups}${flags}${detail}`;
    })
    .join(', ');
}

/** `column 21` → 21: the column of an SPF parser diagnostic (its location); 1 when it has none. */
export function columnOf(location: string | undefined): number {
  const column = /^column (\d+)$/.exec(location ?? '')?.[1];
  return column === undefined ? 1 : Number(column);
}

/** `["include:_spf.example.net 4", "mx 1"]`: the record's own terms that cost lookups, with their cost. */
function listCosts(terms: readonly SpfAuditTerm[]): string[] {
  return terms.filter((t) => t.lookups > 0).map((t) => `${t.term} ${t.lookups}`);
}

function collectVoids(node: SpfAuditNode, via = ''): string[] {
  return node.terms.flatMap((t) => [...(t.void ? [`${t.term}${via}`] : []), ...(t.child ? collectVoids(t.child, ` in ${t.child.domain}`) : [])]);
}

function collectDynamic(node: SpfAuditNode): string[] {
  return node.terms.flatMap((t) => [...(t.dynamic ? [`${t.term} in ${node.domain}`] : []), ...(t.child ? collectDynamic(t.child) : [])]);
}
