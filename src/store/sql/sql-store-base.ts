/**
 * What both SQL stores do with the same SQL (the shared query modules in ../queries/, run by the
 * store's SqlRunner): the quarantine, the ingest log, saved DNS checks, sender decisions and their
 * history, organisations, the writing and reading of failure and TLS reports, purging quarantine
 * entries and the retention rules. The dialect
 * stores extend it with what each does its own way (raw inputs, aggregate writers, record
 * streaming, rollups, sender statistics, maintenance).
 */
import type { Diagnostic, Rejection } from '../../core/diagnostic.js';
import type { FailureReport } from '../../reports/failure/failure-report.js';
import type { TlsReport } from '../../reports/tlsrpt/tls-report.js';
import type {
  AggregateReportSummary,
  SourceReporter,
  ApiToken,
  ApiTokenRow,
  Invitation,
  AuditEntry,
  AuditInput,
  DomainClaim,
  Member,
  MemberRole,
  Membership,
  SessionRow,
  User,
  UserCredentials,
  DomainCheckEntry,
  DomainScope,
  FailureReportSourceCount,
  FailureStoreOptions,
  IngestLogEntry,
  Organization,
  Page,
  PageRequest,
  Provenance,
  QuarantineEntry,
  ReportListFilter,
  RetentionOutcome,
  RetentionRules,
  SaveOutcome,
  SenderDecisionChange,
  SenderDecisionEntry,
  SenderDecisionInput,
  StoredFailureReport,
  StoredTlsReport,
} from '../store.js';
import * as accounts from '../queries/account-queries.js';
import { listAggregateReports, listReportedDomains } from '../queries/aggregate-list-queries.js';
import { sourceReporters } from '../queries/sender-reporter-queries.js';
import { insertDomainCheck, listDomainChecks } from '../queries/check-queries.js';
import { listSenderDecisionHistory, listSenderDecisions, setSenderDecision } from '../queries/decision-queries.js';
import { countFailureReportSources, getFailureReport, listFailureReports, saveFailureReport } from '../queries/failure-queries.js';
import { insertIngestLog, listIngestLog } from '../queries/ingest-log-queries.js';
import { getQuarantine, insertQuarantine, listQuarantine, setQuarantineState } from '../queries/quarantine-queries.js';
import { assignDomain, createOrganization, getDomainScope, getOrganization, getOrganizationBySlug, listOrganizationDomains, listOrganizations } from '../queries/tenancy-queries.js';
import { applyRetention, purgeQuarantine } from '../queries/retention-queries.js';
import { getTlsReport, listTlsReports, saveTlsReport } from '../queries/tls-queries.js';
import type { SqlRunner } from './sql-program.js';

export abstract class SqlStoreBase {
  readonly #sql: SqlRunner;

  protected constructor(sql: SqlRunner) {
    this.#sql = sql;
  }

  saveFailureReport(report: FailureReport, provenance: Provenance, options: FailureStoreOptions, warnings: readonly Diagnostic[]): Promise<SaveOutcome> {
    return this.#sql.run(saveFailureReport(this.#sql.dialect, report, provenance, options, warnings));
  }

  saveTlsReport(report: TlsReport, provenance: Provenance, warnings: readonly Diagnostic[]): Promise<SaveOutcome> {
    return this.#sql.transaction(saveTlsReport(this.#sql.dialect, report, provenance, warnings));
  }

  listFailureReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<StoredFailureReport>> {
    return this.#sql.run(listFailureReports(this.#sql.dialect, filter, page));
  }

  listAggregateReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<AggregateReportSummary>> {
    return this.#sql.run(listAggregateReports(this.#sql.dialect, filter, page));
  }

  getFailureReport(id: number): Promise<StoredFailureReport | undefined> {
    return this.#sql.run(getFailureReport(this.#sql.dialect, id));
  }

  countFailureReportSources(filter: ReportListFilter): Promise<FailureReportSourceCount[]> {
    return this.#sql.run(countFailureReportSources(this.#sql.dialect, filter));
  }

  listTlsReports(filter: ReportListFilter, page?: PageRequest): Promise<Page<StoredTlsReport>> {
    return this.#sql.run(listTlsReports(this.#sql.dialect, filter, page));
  }

  getTlsReport(id: number): Promise<StoredTlsReport | undefined> {
    return this.#sql.run(getTlsReport(this.#sql.dialect, id));
  }

  quarantine(rejection: Rejection, provenance: Provenance, truncatedFrom?: number): Promise<number> {
    return this.#sql.run(insertQuarantine(this.#sql.dialect, rejection, provenance, truncatedFrom));
  }

  listQuarantine(filter: { readonly state?: QuarantineEntry['state'] }, page?: PageRequest): Promise<Page<QuarantineEntry>> {
    return this.#sql.run(listQuarantine(this.#sql.dialect, filter, page));
  }

  getQuarantine(id: number): Promise<QuarantineEntry | undefined> {
    return this.#sql.run(getQuarantine(this.#sql.dialect, id));
  }

  setQuarantineState(id: number, state: QuarantineEntry['state']): Promise<void> {
    return this.#sql.run(setQuarantineState(this.#sql.dialect, id, state));
  }

  purgeQuarantine(id: number): Promise<{ readonly rawBytesDropped: boolean } | undefined> {
    return this.#sql.transaction(purgeQuarantine(this.#sql.dialect, id));
  }

  applyRetention(rules: RetentionRules): Promise<RetentionOutcome> {
    return this.#sql.transaction(applyRetention(this.#sql.dialect, rules));
  }

  logIngest(entry: IngestLogEntry): Promise<void> {
    return this.#sql.run(insertIngestLog(this.#sql.dialect, entry));
  }

  listIngestLog(page?: PageRequest): Promise<Page<IngestLogEntry>> {
    return this.#sql.run(listIngestLog(this.#sql.dialect, page));
  }

  saveDomainCheck(entry: DomainCheckEntry): Promise<void> {
    return this.#sql.run(insertDomainCheck(this.#sql.dialect, entry));
  }

  listDomainChecks(domain: string, page?: PageRequest): Promise<Page<DomainCheckEntry>> {
    return this.#sql.run(listDomainChecks(this.#sql.dialect, domain, page));
  }

  setSenderDecision(domain: string, key: string, input: SenderDecisionInput): Promise<SenderDecisionChange> {
    return this.#sql.transaction(setSenderDecision(this.#sql.dialect, domain, key, input));
  }

  listSenderDecisions(domain: string, page?: PageRequest): Promise<Page<SenderDecisionEntry>> {
    return this.#sql.run(listSenderDecisions(this.#sql.dialect, domain, page));
  }

  listSenderDecisionHistory(domain: string, filter: { readonly key?: string }, page?: PageRequest): Promise<Page<SenderDecisionChange>> {
    return this.#sql.run(listSenderDecisionHistory(this.#sql.dialect, domain, filter, page));
  }

  listOrganizations(page?: PageRequest): Promise<Page<Organization>> {
    return this.#sql.run(listOrganizations(this.#sql.dialect, page));
  }

  getOrganization(id: number): Promise<Organization | undefined> {
    return this.#sql.run(getOrganization(this.#sql.dialect, id));
  }

  getOrganizationBySlug(slug: string): Promise<Organization | undefined> {
    return this.#sql.run(getOrganizationBySlug(this.#sql.dialect, slug));
  }

  createOrganization(input: { readonly slug: string; readonly name: string; readonly at: Date }): Promise<Organization> {
    return this.#sql.run(createOrganization(this.#sql.dialect, input));
  }

  assignDomain(organizationId: number, domain: string): Promise<void> {
    return this.#sql.transaction(assignDomain(this.#sql.dialect, organizationId, domain));
  }

  listOrganizationDomains(organizationId: number, page?: PageRequest): Promise<Page<string>> {
    return this.#sql.run(listOrganizationDomains(this.#sql.dialect, organizationId, page));
  }

  getDomainScope(organizationId: number): Promise<DomainScope | undefined> {
    return this.#sql.run(getDomainScope(this.#sql.dialect, organizationId));
  }

  // Accounts (account-queries.ts)

  createUser(input: { readonly email: string; readonly name: string; readonly passwordHash: string | null; readonly operator: boolean; readonly at: Date }, audit: AuditInput): Promise<User> {
    return this.#sql.transaction(accounts.createUser(this.#sql.dialect, input, audit));
  }

  getUser(id: number): Promise<User | undefined> {
    return this.#sql.run(accounts.getUser(this.#sql.dialect, id));
  }

  findUserByEmail(email: string): Promise<UserCredentials | undefined> {
    return this.#sql.run(accounts.findUserByEmail(this.#sql.dialect, email));
  }

  listUsers(page?: PageRequest): Promise<Page<User>> {
    return this.#sql.run(accounts.listUsers(this.#sql.dialect, page));
  }

  updateUser(id: number, change: { readonly passwordHash?: string | null; readonly disabled?: boolean; readonly operator?: boolean; readonly name?: string }, audit: AuditInput): Promise<User | undefined> {
    return this.#sql.transaction(accounts.updateUser(this.#sql.dialect, id, change, audit));
  }

  listUserMemberships(userId: number): Promise<Membership[]> {
    return this.#sql.run(accounts.listUserMemberships(this.#sql.dialect, userId));
  }

  listMembers(organizationId: number, page?: PageRequest): Promise<Page<Member>> {
    return this.#sql.run(accounts.listMembers(this.#sql.dialect, organizationId, page));
  }

  getMembership(organizationId: number, userId: number): Promise<Membership | undefined> {
    return this.#sql.run(accounts.getMembership(this.#sql.dialect, organizationId, userId));
  }

  setMembership(organizationId: number, userId: number, role: MemberRole | null, at: Date, audit: AuditInput): Promise<{ readonly before: Membership | undefined; readonly after: Membership | undefined }> {
    return this.#sql.transaction(accounts.setMembership(this.#sql.dialect, organizationId, userId, role, at, audit));
  }

  createSession(row: SessionRow): Promise<void> {
    return this.#sql.run(accounts.createSession(this.#sql.dialect, row));
  }

  getSession(tokenHash: string): Promise<SessionRow | undefined> {
    return this.#sql.run(accounts.getSession(this.#sql.dialect, tokenHash));
  }

  touchSession(tokenHash: string, at: Date): Promise<void> {
    return this.#sql.run(accounts.touchSession(this.#sql.dialect, tokenHash, at));
  }

  deleteSession(tokenHash: string): Promise<void> {
    return this.#sql.run(accounts.deleteSession(this.#sql.dialect, tokenHash));
  }

  deleteUserSessions(userId: number): Promise<number> {
    return this.#sql.run(accounts.deleteUserSessions(this.#sql.dialect, userId));
  }

  deleteExpiredSessions(before: Date, idleBefore: Date): Promise<number> {
    return this.#sql.run(accounts.deleteExpiredSessions(this.#sql.dialect, before, idleBefore));
  }

  createApiToken(row: ApiTokenRow, audit: AuditInput): Promise<ApiToken> {
    return this.#sql.transaction(accounts.createApiToken(this.#sql.dialect, row, audit));
  }

  getApiToken(id: string): Promise<ApiTokenRow | undefined> {
    return this.#sql.run(accounts.getApiToken(this.#sql.dialect, id));
  }

  listApiTokens(organizationId: number, page?: PageRequest): Promise<Page<ApiToken>> {
    return this.#sql.run(accounts.listApiTokens(this.#sql.dialect, organizationId, page));
  }

  revokeApiToken(organizationId: number, id: string, at: Date, audit: AuditInput): Promise<ApiToken | undefined> {
    return this.#sql.transaction(accounts.revokeApiToken(this.#sql.dialect, organizationId, id, at, audit));
  }

  touchApiToken(id: string, at: Date): Promise<void> {
    return this.#sql.run(accounts.touchApiToken(this.#sql.dialect, id, at));
  }

  appendAudit(entry: AuditInput): Promise<void> {
    return this.#sql.run(accounts.appendAudit(this.#sql.dialect, entry));
  }

  listAudit(organizationId: number | null, page?: PageRequest): Promise<Page<AuditEntry>> {
    return this.#sql.run(accounts.listAudit(this.#sql.dialect, organizationId, page));
  }

  claimDomain(organizationId: number, domain: string, token: string, at: Date, audit: AuditInput): Promise<DomainClaim> {
    return this.#sql.transaction(accounts.claimDomain(this.#sql.dialect, organizationId, domain, token, at, audit));
  }

  getDomainClaim(organizationId: number, domain: string): Promise<DomainClaim | undefined> {
    return this.#sql.run(accounts.getDomainClaim(this.#sql.dialect, organizationId, domain));
  }

  listDomainClaims(organizationId: number, page?: PageRequest): Promise<Page<DomainClaim>> {
    return this.#sql.run(accounts.listDomainClaims(this.#sql.dialect, organizationId, page));
  }

  listClaimsOfDomain(domain: string): Promise<DomainClaim[]> {
    return this.#sql.run(accounts.listClaimsOfDomain(this.#sql.dialect, domain));
  }

  recordDomainCheck(organizationId: number, domain: string, outcome: { readonly at: Date; readonly proven: 'dns-txt' | 'rua-address' | null; readonly error: string | null }, audit: AuditInput | null): Promise<DomainClaim | undefined> {
    return this.#sql.transaction(accounts.recordDomainCheck(this.#sql.dialect, organizationId, domain, outcome, audit));
  }

  removeDomainClaim(organizationId: number, domain: string, audit: AuditInput): Promise<boolean> {
    return this.#sql.transaction(accounts.removeDomainClaim(this.#sql.dialect, organizationId, domain, audit));
  }

  async ensureRuaToken(organizationId: number, fresh: string): Promise<string> {
    // Read first: the write (a transaction, SQLite's write lock) only for an organisation without one yet.
    const existing = await this.#sql.run(accounts.getRuaToken(this.#sql.dialect, organizationId));
    if (typeof existing === 'string') return existing;
    return this.#sql.transaction(accounts.ensureRuaToken(this.#sql.dialect, organizationId, fresh));
  }

  findOrganizationByRuaToken(token: string): Promise<Organization | undefined> {
    return this.#sql.run(accounts.findOrganizationByRuaToken(this.#sql.dialect, token));
  }

  listAggregateDomainsOfInput(rawSha256: string): Promise<string[]> {
    return this.#sql.run(accounts.listAggregateDomainsOfInput(this.#sql.dialect, rawSha256));
  }

  createInvitation(invitation: Invitation, tokenHash: string, audit: AuditInput): Promise<Invitation> {
    return this.#sql.transaction(accounts.createInvitation(this.#sql.dialect, invitation, tokenHash, audit));
  }

  findInvitation(tokenHash: string): Promise<Invitation | undefined> {
    return this.#sql.run(accounts.findInvitation(this.#sql.dialect, tokenHash));
  }

  listInvitations(organizationId: number, page?: PageRequest): Promise<Page<Invitation>> {
    return this.#sql.run(accounts.listInvitations(this.#sql.dialect, organizationId, page));
  }

  revokeInvitation(organizationId: number, id: string, at: Date, audit: AuditInput): Promise<Invitation | undefined> {
    return this.#sql.transaction(accounts.revokeInvitation(this.#sql.dialect, organizationId, id, at, audit));
  }

  acceptInvitation(
    tokenHash: string,
    at: Date,
    user: { readonly id: number } | { readonly newUser: { readonly name: string; readonly passwordHash: string | null } },
    audit: AuditInput,
  ): Promise<{ readonly invitation: Invitation; readonly user: User } | undefined> {
    return this.#sql.transaction(accounts.acceptInvitation(this.#sql.dialect, tokenHash, at, user, audit));
  }

  sourceReporters(domain: string, ips: readonly string[], since: Date, until: Date): Promise<SourceReporter[]> {
    return this.#sql.run(sourceReporters(this.#sql.dialect, domain, ips, since, until));
  }

  listReportedDomains(filter: { readonly domains?: readonly string[] }, page?: PageRequest): Promise<Page<string>> {
    return this.#sql.run(listReportedDomains(this.#sql.dialect, filter.domains, page));
  }
}
