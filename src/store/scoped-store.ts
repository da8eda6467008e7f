/**
 * An organisation's view of a store (StoreRoot.forOrganization), implemented once over any Store,
 * so that both dialects and every concern apply organisation scope the same way:
 *
 * - an organisation that sees every domain (the default one) gets the store itself, only its
 *   close() closing nothing;
 * - otherwise the methods keyed on one domain (sender statistics and decisions, checks, daily
 *   series, DKIM selectors, published policies) throw OutOfScopeError for a domain that is neither
 *   one of its domains nor a subdomain of one (domain-scope.ts), before asking the store;
 * - record streams and report lists pass the scope down as their `domains` filter (intersected
 *   with the caller's own), which the store applies in SQL; a single failure or TLS report outside
 *   the scope is undefined, and a TLS report covering several domains shows only the policies of
 *   the domains in scope;
 * - the quarantine, the ingest log and raw inputs belong to the instance (a raw input may hold
 *   other organisations' reports): their lists are empty, their entries and bytes undefined, a
 *   change of a quarantine entry's state, a purge, the counts, the retention and compaction are
 *   refused (OutOfScopeError);
 * - writes of ingest (raw inputs, reports, quarantine entries, log lines, write groups) and the
 *   IP-keyed enrichment cache pass through: ingest is instance-wide.
 *
 * The scope is read once, when the view is made: a domain assigned later is seen by later views.
 */
import type { DomainScope, Store, StoredTlsReport, Tenancy } from './store.js';
import { OutOfScopeError } from './store.js';
import { inDomainScope, intersectDomainScopes } from './domain-scope.js';
import { EMPTY_PAGE } from './paging.js';

/** The view of organisation `organizationId` on `root`; OutOfScopeError for an unknown organisation. */
export async function organizationView(root: Store & Tenancy, organizationId: number): Promise<Store> {
  const scope = await root.getDomainScope(organizationId);
  if (scope === undefined) throw new OutOfScopeError(`There is no organisation ${organizationId}.`);
  return scopedStore(root, scope);
}

/** `store` as seen within `scope`. */
function scopedStore(store: Store, scope: DomainScope): Store {
  if (scope.kind === 'all') return new Proxy(store, { get: (target, prop) => (prop === 'close' ? () => Promise.resolve() : bindMember(target, prop)) });
  return new DomainScopedStore(store, scope.domains);
}

function bindMember(target: Store, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target);
  return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}

function refused(what: string): Promise<never> {
  return Promise.reject(new OutOfScopeError(`${what} belongs to the instance, not to an organisation.`, 'instance-only'));
}

class DomainScopedStore implements Store {
  readonly #store: Store;
  readonly #domains: readonly string[];

  constructor(store: Store, domains: readonly string[]) {
    this.#store = store;
    this.#domains = domains;
  }

  #in(domain: string | null): boolean {
    return domain !== null && inDomainScope(domain, this.#domains);
  }

  /** Runs `read` for a domain in scope; an OutOfScopeError (as a rejection) for any other. */
  #keyed<T>(domain: string, read: () => Promise<T>): Promise<T> {
    return this.#in(domain) ? read() : Promise.reject(new OutOfScopeError(`The domain ${domain} is not one of the organisation's.`));
  }

  #within<F extends { readonly domains?: readonly string[] }>(filter: F): F {
    return { ...filter, domains: filter.domains === undefined ? this.#domains : intersectDomainScopes(filter.domains, this.#domains) };
  }

  /** A TLS report with only the policies of domains in scope. */
  #trim(report: StoredTlsReport): StoredTlsReport {
    const policies = report.report.policies.filter((p) => p.policyDomain !== null && this.#in(p.policyDomain.toLowerCase()));
    return { ...report, report: { ...report.report, policies }, policyDomains: report.policyDomains.filter((d) => this.#in(d)) };
  }

  // Ingest: instance-wide writes pass through.
  saveRawInput: Store['saveRawInput'] = (bytes, options) => this.#store.saveRawInput(bytes, options);
  readRawInput: Store['readRawInput'] = () => Promise.resolve(undefined);
  beginWriteGroup: Store['beginWriteGroup'] = () => this.#store.beginWriteGroup();
  beginAggregateReport: Store['beginAggregateReport'] = (header, provenance) => this.#store.beginAggregateReport(header, provenance);
  saveFailureReport: Store['saveFailureReport'] = (report, provenance, options, warnings) => this.#store.saveFailureReport(report, provenance, options, warnings);
  saveTlsReport: Store['saveTlsReport'] = (report, provenance, warnings) => this.#store.saveTlsReport(report, provenance, warnings);
  quarantine: Store['quarantine'] = (rejection, provenance, truncatedFrom) => this.#store.quarantine(rejection, provenance, truncatedFrom);
  logIngest: Store['logIngest'] = (entry) => this.#store.logIngest(entry);

  // Reports: filtered by the scope in SQL.
  streamRecords: Store['streamRecords'] = (filter) => this.#store.streamRecords(this.#within(filter));
  listFailureReports: Store['listFailureReports'] = (filter, page) => this.#store.listFailureReports(this.#within(filter), page);
  listAggregateReports: Store['listAggregateReports'] = (filter, page) => this.#store.listAggregateReports(this.#within(filter), page);
  listReportedDomains: Store['listReportedDomains'] = (filter, page) => this.#store.listReportedDomains(this.#within(filter), page);
  countFailureReportSources: Store['countFailureReportSources'] = (filter) => this.#store.countFailureReportSources(this.#within(filter));
  getFailureReport: Store['getFailureReport'] = async (id) => {
    const report = await this.#store.getFailureReport(id);
    return report !== undefined && this.#in(report.reportedDomain) ? report : undefined;
  };
  listTlsReports: Store['listTlsReports'] = async (filter, page) => {
    const listed = await this.#store.listTlsReports(this.#within(filter), page);
    return { items: listed.items.map((report) => this.#trim(report)), next: listed.next };
  };
  getTlsReport: Store['getTlsReport'] = async (id) => {
    const report = await this.#store.getTlsReport(id);
    return report !== undefined && report.policyDomains.some((d) => this.#in(d)) ? this.#trim(report) : undefined;
  };
  dailySeries: Store['dailySeries'] = (domain, window) => this.#keyed(domain, () => this.#store.dailySeries(domain, window));

  // The instance's own lists.
  listQuarantine: Store['listQuarantine'] = () => Promise.resolve(EMPTY_PAGE);
  getQuarantine: Store['getQuarantine'] = () => Promise.resolve(undefined);
  setQuarantineState: Store['setQuarantineState'] = () => refused('The quarantine');
  purgeQuarantine: Store['purgeQuarantine'] = () => refused('The quarantine');
  listIngestLog: Store['listIngestLog'] = () => Promise.resolve(EMPTY_PAGE);

  // Domain-keyed reads and writes.
  saveDomainCheck: Store['saveDomainCheck'] = (entry) => this.#keyed(entry.domain, () => this.#store.saveDomainCheck(entry));
  listDomainChecks: Store['listDomainChecks'] = (domain, page) => this.#keyed(domain, () => this.#store.listDomainChecks(domain, page));
  sourceStats: Store['sourceStats'] = (domain, since, until, recentSince, filter) => this.#keyed(domain, () => this.#store.sourceStats(domain, since, until, recentSince, filter));
  sourceDays: Store['sourceDays'] = (domain, since, until, filter) => this.#keyed(domain, () => this.#store.sourceDays(domain, since, until, filter));
  listPublishedPolicyDays: Store['listPublishedPolicyDays'] = (domain) => this.#keyed(domain, () => this.#store.listPublishedPolicyDays(domain));
  domainOverviews: Store['domainOverviews'] = (domains, since, until) => this.#store.domainOverviews(domains.filter((d) => this.#in(d)), since, until);
  sourceReporters: Store['sourceReporters'] = (domain, ips, since, until) => this.#keyed(domain, () => this.#store.sourceReporters(domain, ips, since, until));
  reportingStats: Store['reportingStats'] = (domain, since, until) => this.#keyed(domain, () => this.#store.reportingStats(domain, since, until));
  listPublishedPolicies: Store['listPublishedPolicies'] = (domain) => this.#keyed(domain, () => this.#store.listPublishedPolicies(domain));
  dkimSelectors: Store['dkimSelectors'] = (domain, since, max) => this.#keyed(domain, () => this.#store.dkimSelectors(domain, since, max));
  setSenderDecision: Store['setSenderDecision'] = (domain, key, input) => this.#keyed(domain, () => this.#store.setSenderDecision(domain, key, input));
  listSenderDecisions: Store['listSenderDecisions'] = (domain, page) => this.#keyed(domain, () => this.#store.listSenderDecisions(domain, page));
  listSenderDecisionHistory: Store['listSenderDecisionHistory'] = (domain, filter, page) =>
    this.#keyed(domain, () => this.#store.listSenderDecisionHistory(domain, filter, page));

  // Facts about IPs, shared by every organisation.
  getSourceEnrichments: Store['getSourceEnrichments'] = (ips) => this.#store.getSourceEnrichments(ips);
  putSourceEnrichments: Store['putSourceEnrichments'] = (entries) => this.#store.putSourceEnrichments(entries);

  // Maintenance is the instance's.
  countReports: Store['countReports'] = () => refused('Counting the store');
  applyRetention: Store['applyRetention'] = () => refused('The retention of the store');
  compact: Store['compact'] = () => refused('Compacting the store');
  refreshStatistics: Store['refreshStatistics'] = () => refused("The store's statistics");
  close: Store['close'] = () => Promise.resolve();
}
