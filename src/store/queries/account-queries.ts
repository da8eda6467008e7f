/**
 * Accounts for both dialects (sql/sql-program.ts): users, memberships, sessions, API tokens, the
 * audit log, domain claims and the organisations' rua tokens (store.ts, Accounts). Every write
 * that changes who may see or do what appends its audit entry in the same transaction, so the log
 * can never miss a change that happened, nor show one that did not. Conflicts (an e-mail taken, a
 * domain owned by another organisation) are found with ON CONFLICT DO NOTHING and no row returned,
 * never by a driver's error code, as in tenancy-queries.ts.
 */
import type {
  Invitation,
  ApiToken,
  ApiTokenRow,
  AuditEntry,
  AuditInput,
  DomainClaim,
  Member,
  MemberRole,
  Membership,
  Organization,
  Page,
  PageRequest,
  SessionRow,
  User,
  UserCredentials,
} from '../store.js';
import { OutOfScopeError, StoreConflictError } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { execute, rowOf, rowsOf } from '../sql/sql-program.js';
import { assignDomain, getOrganization } from './tenancy-queries.js';

// Users -------------------------------------------------------------------------------------------

interface UserRow {
  readonly id: unknown;
  readonly email: string;
  readonly name: string;
  readonly password_hash: string | null;
  readonly operator: unknown;
  readonly disabled: unknown;
  readonly created_at: unknown;
}

const USER_COLUMNS = 'id, email, name, password_hash, operator, disabled, created_at';

function userFromRow(d: Dialect, row: UserRow): User {
  return { id: d.readInt(row.id), email: row.email, name: row.name, operator: d.readBool(row.operator), disabled: d.readBool(row.disabled), createdAt: d.readTime(row.created_at) };
}

/** Runs in one transaction. */
export function* createUser(
  d: Dialect,
  input: { readonly email: string; readonly name: string; readonly passwordHash: string | null; readonly operator: boolean; readonly at: Date },
  audit: AuditInput,
): SqlProgram<User> {
  const row = yield* rowOf<UserRow>(
    `INSERT INTO users (email, name, password_hash, operator, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [input.email, input.name, input.passwordHash, d.bool(input.operator), d.bool(false), d.time(input.at)],
  );
  if (row === undefined) throw new StoreConflictError('email', `There is already a user ${input.email}.`);
  const user = userFromRow(d, row);
  yield* appendAudit(d, { ...audit, after: { ...user, createdAt: user.createdAt.toISOString() } });
  return user;
}

export function* getUser(d: Dialect, id: number): SqlProgram<User | undefined> {
  const row = yield* rowOf<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]);
  return row === undefined ? undefined : userFromRow(d, row);
}

export function* findUserByEmail(d: Dialect, email: string): SqlProgram<UserCredentials | undefined> {
  const row = yield* rowOf<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`, [email]);
  return row === undefined ? undefined : { ...userFromRow(d, row), passwordHash: row.password_hash };
}

const USER_KEY = pageKey('users', ['int']);

export function* listUsers(d: Dialect, page: PageRequest | undefined): SqlProgram<Page<User>> {
  const query = readPageRequest(USER_KEY, page);
  const where = new Conditions();
  if (query.after !== undefined) where.add('id > ?', query.after[0]);
  const rows = yield* rowsOf<UserRow>(`SELECT ${USER_COLUMNS} FROM users ${where.toString()} ORDER BY id LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(USER_KEY, query, rows, (row) => [d.readInt(row.id)], (row) => userFromRow(d, row));
}

/** Runs in one transaction. The audit entry records what changed, never a password hash. */
export function* updateUser(
  d: Dialect,
  id: number,
  change: { readonly passwordHash?: string | null; readonly disabled?: boolean; readonly operator?: boolean; readonly name?: string },
  audit: AuditInput,
): SqlProgram<User | undefined> {
  const before = yield* getUser(d, id);
  if (before === undefined) return undefined;
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown): void => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (change.passwordHash !== undefined) set('password_hash', change.passwordHash);
  if (change.disabled !== undefined) set('disabled', d.bool(change.disabled));
  if (change.operator !== undefined) set('operator', d.bool(change.operator));
  if (change.name !== undefined) set('name', change.name);
  if (sets.length === 0) return before;
  yield* execute(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  const after = (yield* getUser(d, id)) as User;
  const shown = (u: User, password: boolean) => ({ name: u.name, operator: u.operator, disabled: u.disabled, ...(password ? { password: 'changed' } : {}) });
  yield* appendAudit(d, { ...audit, before: shown(before, false), after: shown(after, change.passwordHash !== undefined) });
  return after;
}

// Memberships -------------------------------------------------------------------------------------

interface MembershipRow {
  readonly organization_id: unknown;
  readonly user_id: unknown;
  readonly role: MemberRole;
  readonly created_at: unknown;
}

function membershipFromRow(d: Dialect, row: MembershipRow): Membership {
  return { organizationId: d.readInt(row.organization_id), userId: d.readInt(row.user_id), role: row.role, createdAt: d.readTime(row.created_at) };
}

export function* listUserMemberships(d: Dialect, userId: number): SqlProgram<Membership[]> {
  const rows = yield* rowsOf<MembershipRow>('SELECT organization_id, user_id, role, created_at FROM memberships WHERE user_id = ? ORDER BY organization_id', [userId]);
  return rows.map((row) => membershipFromRow(d, row));
}

export function* getMembership(d: Dialect, organizationId: number, userId: number): SqlProgram<Membership | undefined> {
  const row = yield* rowOf<MembershipRow>('SELECT organization_id, user_id, role, created_at FROM memberships WHERE organization_id = ? AND user_id = ?', [organizationId, userId]);
  return row === undefined ? undefined : membershipFromRow(d, row);
}

const MEMBER_KEY = pageKey('members', ['int']);

export function* listMembers(d: Dialect, organizationId: number, page: PageRequest | undefined): SqlProgram<Page<Member>> {
  const query = readPageRequest(MEMBER_KEY, page);
  const where = new Conditions().add('m.organization_id = ?', organizationId);
  if (query.after !== undefined) where.add('m.user_id > ?', query.after[0]);
  const rows = yield* rowsOf<MembershipRow & { email: string; name: string }>(
    `SELECT m.organization_id, m.user_id, m.role, m.created_at, u.email, u.name FROM memberships m JOIN users u ON u.id = m.user_id ${where.toString()} ORDER BY m.user_id LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(MEMBER_KEY, query, rows, (row) => [d.readInt(row.user_id)], (row) => ({ ...membershipFromRow(d, row), email: row.email, name: row.name }));
}

/** Runs in one transaction. */
export function* setMembership(
  d: Dialect,
  organizationId: number,
  userId: number,
  role: MemberRole | null,
  at: Date,
  audit: AuditInput,
): SqlProgram<{ readonly before: Membership | undefined; readonly after: Membership | undefined }> {
  if ((yield* getOrganization(d, organizationId)) === undefined) throw new OutOfScopeError(`There is no organisation ${organizationId}.`);
  if ((yield* getUser(d, userId)) === undefined) throw new OutOfScopeError(`There is no user ${userId}.`);
  const before = yield* getMembership(d, organizationId, userId);
  if (role === null) {
    if (before === undefined) return { before, after: undefined };
    yield* execute('DELETE FROM memberships WHERE organization_id = ? AND user_id = ?', [organizationId, userId]);
  } else if (before === undefined) {
    yield* execute('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)', [organizationId, userId, role, d.time(at)]);
  } else if (before.role !== role) {
    yield* execute('UPDATE memberships SET role = ? WHERE organization_id = ? AND user_id = ?', [role, organizationId, userId]);
  } else {
    return { before, after: before };
  }
  const after = yield* getMembership(d, organizationId, userId);
  yield* appendAudit(d, { ...audit, before: before ? { role: before.role } : null, after: after ? { role: after.role } : null });
  return { before, after };
}

// Sessions ----------------------------------------------------------------------------------------

interface SessionDbRow {
  readonly token_hash: string;
  readonly user_id: unknown;
  readonly created_at: unknown;
  readonly last_seen_at: unknown;
  readonly expires_at: unknown;
}

export function* createSession(d: Dialect, row: SessionRow): SqlProgram<void> {
  yield* execute('INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
    row.tokenHash,
    row.userId,
    d.time(row.createdAt),
    d.time(row.lastSeenAt),
    d.time(row.expiresAt),
  ]);
}

export function* getSession(d: Dialect, tokenHash: string): SqlProgram<SessionRow | undefined> {
  const row = yield* rowOf<SessionDbRow>('SELECT token_hash, user_id, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = ?', [tokenHash]);
  if (row === undefined) return undefined;
  return { tokenHash: row.token_hash, userId: d.readInt(row.user_id), createdAt: d.readTime(row.created_at), lastSeenAt: d.readTime(row.last_seen_at), expiresAt: d.readTime(row.expires_at) };
}

export function* touchSession(d: Dialect, tokenHash: string, at: Date): SqlProgram<void> {
  yield* execute('UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?', [d.time(at), tokenHash]);
}

export function* deleteSession(_d: Dialect, tokenHash: string): SqlProgram<void> {
  yield* execute('DELETE FROM sessions WHERE token_hash = ?', [tokenHash]);
}

export function* deleteUserSessions(_d: Dialect, userId: number): SqlProgram<number> {
  return yield* execute('DELETE FROM sessions WHERE user_id = ?', [userId]);
}

export function* deleteExpiredSessions(d: Dialect, before: Date, idleBefore: Date): SqlProgram<number> {
  return yield* execute('DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?', [d.time(before), d.time(idleBefore)]);
}

// API tokens --------------------------------------------------------------------------------------

interface TokenRow {
  readonly id: string;
  readonly secret_hash: string;
  readonly organization_id: unknown;
  readonly name: string;
  readonly access: 'read' | 'write';
  readonly created_by: unknown;
  readonly created_at: unknown;
  readonly expires_at: unknown;
  readonly last_used_at: unknown;
  readonly revoked_at: unknown;
}

const TOKEN_COLUMNS = 'id, secret_hash, organization_id, name, access, created_by, created_at, expires_at, last_used_at, revoked_at';

function tokenFromRow(d: Dialect, row: TokenRow): ApiTokenRow {
  const time = (value: unknown) => (value === null || value === undefined ? null : d.readTime(value));
  return {
    id: row.id,
    secretHash: row.secret_hash,
    organizationId: d.readInt(row.organization_id),
    name: row.name,
    access: row.access,
    createdBy: row.created_by === null || row.created_by === undefined ? null : d.readInt(row.created_by),
    createdAt: d.readTime(row.created_at),
    expiresAt: time(row.expires_at),
    lastUsedAt: time(row.last_used_at),
    revokedAt: time(row.revoked_at),
  };
}

/** The token without its secret's hash. */
export function publicToken(row: ApiTokenRow): ApiToken {
  const { secretHash: _hidden, ...token } = row;
  return token;
}

function tokenAudit(token: ApiToken): Record<string, unknown> {
  return { name: token.name, access: token.access, expiresAt: token.expiresAt?.toISOString() ?? null, revokedAt: token.revokedAt?.toISOString() ?? null };
}

/** Runs in one transaction. */
export function* createApiToken(d: Dialect, row: ApiTokenRow, audit: AuditInput): SqlProgram<ApiToken> {
  if ((yield* getOrganization(d, row.organizationId)) === undefined) throw new OutOfScopeError(`There is no organisation ${row.organizationId}.`);
  yield* execute(`INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    row.id,
    row.secretHash,
    row.organizationId,
    row.name,
    row.access,
    row.createdBy,
    d.time(row.createdAt),
    row.expiresAt === null ? null : d.time(row.expiresAt),
    null,
    null,
  ]);
  const token = publicToken({ ...row, lastUsedAt: null, revokedAt: null });
  yield* appendAudit(d, { ...audit, after: tokenAudit(token) });
  return token;
}

export function* getApiToken(d: Dialect, id: string): SqlProgram<ApiTokenRow | undefined> {
  const row = yield* rowOf<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`, [id]);
  return row === undefined ? undefined : tokenFromRow(d, row);
}

const TOKEN_KEY = pageKey('api-tokens', ['text']);

export function* listApiTokens(d: Dialect, organizationId: number, page: PageRequest | undefined): SqlProgram<Page<ApiToken>> {
  const query = readPageRequest(TOKEN_KEY, page);
  const where = new Conditions().add('organization_id = ?', organizationId);
  if (query.after !== undefined) where.add(`${d.binary('id')} > ?`, query.after[0]);
  const rows = yield* rowsOf<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ${where.toString()} ORDER BY ${d.binary('id')} LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(TOKEN_KEY, query, rows, (row) => [row.id], (row) => publicToken(tokenFromRow(d, row)));
}

/** Runs in one transaction. */
export function* revokeApiToken(d: Dialect, organizationId: number, id: string, at: Date, audit: AuditInput): SqlProgram<ApiToken | undefined> {
  const before = yield* getApiToken(d, id);
  if (before === undefined || before.organizationId !== organizationId) return undefined;
  if (before.revokedAt !== null) return publicToken(before);
  yield* execute('UPDATE api_tokens SET revoked_at = ? WHERE id = ?', [d.time(at), id]);
  const after = publicToken({ ...before, revokedAt: at });
  yield* appendAudit(d, { ...audit, before: tokenAudit(publicToken(before)), after: tokenAudit(after) });
  return after;
}

export function* touchApiToken(d: Dialect, id: string, at: Date): SqlProgram<void> {
  yield* execute('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [d.time(at), id]);
}

// The audit log -----------------------------------------------------------------------------------

interface AuditRow {
  readonly id: unknown;
  readonly at: unknown;
  readonly organization_id: unknown;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly before_json: string | null;
  readonly after_json: string | null;
}

export function* appendAudit(d: Dialect, entry: AuditInput): SqlProgram<void> {
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  yield* execute('INSERT INTO audit_log (at, organization_id, actor, action, subject, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    d.time(entry.at),
    entry.organizationId,
    entry.actor,
    entry.action,
    entry.subject,
    json(entry.before),
    json(entry.after),
  ]);
}

const AUDIT_KEY = pageKey('audit', ['int']);

export function* listAudit(d: Dialect, organizationId: number | null, page: PageRequest | undefined): SqlProgram<Page<AuditEntry>> {
  const query = readPageRequest(AUDIT_KEY, page);
  const where = new Conditions();
  if (organizationId === null) where.add('organization_id IS NULL');
  else where.add('organization_id = ?', organizationId);
  if (query.after !== undefined) where.add('id < ?', query.after[0]);
  const rows = yield* rowsOf<AuditRow>(
    `SELECT id, at, organization_id, actor, action, subject, before_json, after_json FROM audit_log ${where.toString()} ORDER BY id DESC LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(AUDIT_KEY, query, rows, (row) => [d.readInt(row.id)], (row) => ({
    id: d.readInt(row.id),
    at: d.readTime(row.at),
    organizationId: row.organization_id === null ? null : d.readInt(row.organization_id),
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    before: row.before_json === null ? null : (JSON.parse(row.before_json) as unknown),
    after: row.after_json === null ? null : (JSON.parse(row.after_json) as unknown),
  }));
}

// Domain claims -----------------------------------------------------------------------------------

interface ClaimRow {
  readonly organization_id: unknown;
  readonly domain: string;
  readonly token: string;
  readonly created_at: unknown;
  readonly verified_at: unknown;
  readonly method: DomainClaim['method'];
  readonly checked_at: unknown;
  readonly check_error: string | null;
}

const CLAIM_COLUMNS = 'organization_id, domain, token, created_at, verified_at, method, checked_at, check_error';

function claimFromRow(d: Dialect, row: ClaimRow): DomainClaim {
  const time = (value: unknown) => (value === null || value === undefined ? null : d.readTime(value));
  return {
    organizationId: d.readInt(row.organization_id),
    domain: row.domain,
    token: row.token,
    createdAt: d.readTime(row.created_at),
    verifiedAt: time(row.verified_at),
    method: row.method ?? null,
    checkedAt: time(row.checked_at),
    checkError: row.check_error,
  };
}

export function* getDomainClaim(d: Dialect, organizationId: number, domain: string): SqlProgram<DomainClaim | undefined> {
  const row = yield* rowOf<ClaimRow>(`SELECT ${CLAIM_COLUMNS} FROM domain_claims WHERE organization_id = ? AND domain = ?`, [organizationId, domain]);
  return row === undefined ? undefined : claimFromRow(d, row);
}

/** Runs in one transaction. */
export function* claimDomain(d: Dialect, organizationId: number, domain: string, token: string, at: Date, audit: AuditInput): SqlProgram<DomainClaim> {
  if ((yield* getOrganization(d, organizationId)) === undefined) throw new OutOfScopeError(`There is no organisation ${organizationId}.`);
  const inserted = yield* rowOf<ClaimRow>(
    `INSERT INTO domain_claims (organization_id, domain, token, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (organization_id, domain) DO NOTHING RETURNING ${CLAIM_COLUMNS}`,
    [organizationId, domain, token, d.time(at)],
  );
  if (inserted === undefined) return (yield* getDomainClaim(d, organizationId, domain)) as DomainClaim;
  yield* appendAudit(d, { ...audit, after: { domain, verified: false } });
  return claimFromRow(d, inserted);
}

const CLAIM_KEY = pageKey('domain-claims', ['text']);

export function* listDomainClaims(d: Dialect, organizationId: number, page: PageRequest | undefined): SqlProgram<Page<DomainClaim>> {
  const query = readPageRequest(CLAIM_KEY, page);
  const where = new Conditions().add('organization_id = ?', organizationId);
  if (query.after !== undefined) where.add(`${d.binary('domain')} > ?`, query.after[0]);
  const rows = yield* rowsOf<ClaimRow>(`SELECT ${CLAIM_COLUMNS} FROM domain_claims ${where.toString()} ORDER BY ${d.binary('domain')} LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(CLAIM_KEY, query, rows, (row) => [row.domain], (row) => claimFromRow(d, row));
}

export function* listClaimsOfDomain(d: Dialect, domain: string): SqlProgram<DomainClaim[]> {
  const rows = yield* rowsOf<ClaimRow>(`SELECT ${CLAIM_COLUMNS} FROM domain_claims WHERE domain = ? ORDER BY organization_id`, [domain]);
  return rows.map((row) => claimFromRow(d, row));
}

/** Runs in one transaction: a claim proven is assigned to the organisation with it (tenancy-queries.ts). */
export function* recordDomainCheck(
  d: Dialect,
  organizationId: number,
  domain: string,
  outcome: { readonly at: Date; readonly proven: 'dns-txt' | 'rua-address' | null; readonly error: string | null },
  audit: AuditInput | null,
): SqlProgram<DomainClaim | undefined> {
  const before = yield* getDomainClaim(d, organizationId, domain);
  if (before === undefined) return undefined;
  if (outcome.proven === null) {
    yield* execute('UPDATE domain_claims SET checked_at = ?, check_error = ? WHERE organization_id = ? AND domain = ?', [d.time(outcome.at), outcome.error, organizationId, domain]);
  } else {
    yield* assignDomain(d, organizationId, domain);
    yield* execute(
      'UPDATE domain_claims SET checked_at = ?, check_error = NULL, verified_at = COALESCE(verified_at, ?), method = COALESCE(method, ?) WHERE organization_id = ? AND domain = ?',
      [d.time(outcome.at), d.time(outcome.at), outcome.proven, organizationId, domain],
    );
    if (before.verifiedAt === null && audit !== null) yield* appendAudit(d, { ...audit, before: { verified: false }, after: { verified: true, method: outcome.proven } });
  }
  return yield* getDomainClaim(d, organizationId, domain);
}

/** Runs in one transaction. */
export function* removeDomainClaim(d: Dialect, organizationId: number, domain: string, audit: AuditInput): SqlProgram<boolean> {
  const before = yield* getDomainClaim(d, organizationId, domain);
  if (before === undefined) return false;
  yield* execute('DELETE FROM domain_claims WHERE organization_id = ? AND domain = ?', [organizationId, domain]);
  yield* execute('DELETE FROM organization_domains WHERE organization_id = ? AND domain = ?', [organizationId, domain]);
  yield* appendAudit(d, { ...audit, before: { domain, verified: before.verifiedAt !== null }, after: null });
  return true;
}

// Rua tokens --------------------------------------------------------------------------------------

/** The organisation's rua token, if it has one (a read: lists call it on every request). */
export function* getRuaToken(_d: Dialect, organizationId: number): SqlProgram<string | null | undefined> {
  const row = yield* rowOf<{ rua_token: string | null }>('SELECT rua_token FROM organizations WHERE id = ?', [organizationId]);
  return row === undefined ? undefined : row.rua_token;
}

/** Runs in one transaction. */
export function* ensureRuaToken(_d: Dialect, organizationId: number, fresh: string): SqlProgram<string> {
  yield* execute('UPDATE organizations SET rua_token = ? WHERE id = ? AND rua_token IS NULL', [fresh, organizationId]);
  const row = yield* rowOf<{ rua_token: string | null }>('SELECT rua_token FROM organizations WHERE id = ?', [organizationId]);
  if (row === undefined || row.rua_token === null) throw new OutOfScopeError(`There is no organisation ${organizationId}.`);
  return row.rua_token;
}

export function* findOrganizationByRuaToken(d: Dialect, token: string): SqlProgram<Organization | undefined> {
  const row = yield* rowOf<{ id: unknown }>('SELECT id FROM organizations WHERE rua_token = ?', [token]);
  return row === undefined ? undefined : yield* getOrganization(d, d.readInt(row.id));
}

export function* listAggregateDomainsOfInput(d: Dialect, rawSha256: string): SqlProgram<string[]> {
  const rows = yield* rowsOf<{ policy_domain: string }>(`SELECT DISTINCT policy_domain FROM aggregate_reports WHERE raw_sha256 = ? ORDER BY ${d.binary('policy_domain')}`, [rawSha256]);
  return rows.map((row) => row.policy_domain);
}

// Invitations -------------------------------------------------------------------------------------

interface InvitationRow {
  readonly id: string;
  readonly organization_id: unknown;
  readonly email: string;
  readonly role: MemberRole;
  readonly created_by: unknown;
  readonly created_at: unknown;
  readonly expires_at: unknown;
  readonly accepted_at: unknown;
  readonly revoked_at: unknown;
}

const INVITATION_COLUMNS = 'id, organization_id, email, role, created_by, created_at, expires_at, accepted_at, revoked_at';

function invitationFromRow(d: Dialect, row: InvitationRow): Invitation {
  const time = (value: unknown) => (value === null || value === undefined ? null : d.readTime(value));
  return {
    id: row.id,
    organizationId: d.readInt(row.organization_id),
    email: row.email,
    role: row.role,
    createdBy: row.created_by === null || row.created_by === undefined ? null : d.readInt(row.created_by),
    createdAt: d.readTime(row.created_at),
    expiresAt: d.readTime(row.expires_at),
    acceptedAt: time(row.accepted_at),
    revokedAt: time(row.revoked_at),
  };
}

/** Runs in one transaction. */
export function* createInvitation(d: Dialect, invitation: Invitation, tokenHash: string, audit: AuditInput): SqlProgram<Invitation> {
  if ((yield* getOrganization(d, invitation.organizationId)) === undefined) throw new OutOfScopeError(`There is no organisation ${invitation.organizationId}.`);
  yield* execute(`INSERT INTO invitations (${INVITATION_COLUMNS}, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    invitation.id,
    invitation.organizationId,
    invitation.email,
    invitation.role,
    invitation.createdBy,
    d.time(invitation.createdAt),
    d.time(invitation.expiresAt),
    null,
    null,
    tokenHash,
  ]);
  yield* appendAudit(d, { ...audit, after: { email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt.toISOString() } });
  return invitation;
}

export function* findInvitation(d: Dialect, tokenHash: string): SqlProgram<Invitation | undefined> {
  const row = yield* rowOf<InvitationRow>(`SELECT ${INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?`, [tokenHash]);
  return row === undefined ? undefined : invitationFromRow(d, row);
}

const INVITATION_KEY = pageKey('invitations', ['text']);

export function* listInvitations(d: Dialect, organizationId: number, page: PageRequest | undefined): SqlProgram<Page<Invitation>> {
  const query = readPageRequest(INVITATION_KEY, page);
  const where = new Conditions().add('organization_id = ?', organizationId);
  if (query.after !== undefined) where.add(`${d.binary('id')} > ?`, query.after[0]);
  const rows = yield* rowsOf<InvitationRow>(`SELECT ${INVITATION_COLUMNS} FROM invitations ${where.toString()} ORDER BY ${d.binary('id')} LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(INVITATION_KEY, query, rows, (row) => [row.id], (row) => invitationFromRow(d, row));
}

/** Runs in one transaction. */
export function* revokeInvitation(d: Dialect, organizationId: number, id: string, at: Date, audit: AuditInput): SqlProgram<Invitation | undefined> {
  const row = yield* rowOf<InvitationRow>(`SELECT ${INVITATION_COLUMNS} FROM invitations WHERE id = ? AND organization_id = ?`, [id, organizationId]);
  if (row === undefined) return undefined;
  const before = invitationFromRow(d, row);
  if (before.acceptedAt !== null || before.revokedAt !== null) return before;
  yield* execute('UPDATE invitations SET revoked_at = ? WHERE id = ?', [d.time(at), id]);
  yield* appendAudit(d, { ...audit, before: { email: before.email, role: before.role }, after: { revoked: true } });
  return { ...before, revokedAt: at };
}

/** Runs in one transaction. */
export function* acceptInvitation(
  d: Dialect,
  tokenHash: string,
  at: Date,
  user: { readonly id: number } | { readonly newUser: { readonly name: string; readonly passwordHash: string | null } },
  audit: AuditInput,
): SqlProgram<{ readonly invitation: Invitation; readonly user: User } | undefined> {
  const invitation = yield* findInvitation(d, tokenHash);
  if (invitation === undefined || invitation.acceptedAt !== null || invitation.revokedAt !== null || invitation.expiresAt.getTime() <= at.getTime()) return undefined;
  let member: User | undefined;
  if ('id' in user) member = yield* getUser(d, user.id);
  else member = yield* createUser(d, { email: invitation.email, name: user.newUser.name, passwordHash: user.newUser.passwordHash, operator: false, at }, { ...audit, organizationId: null, action: 'user.add', subject: invitation.email });
  if (member === undefined) return undefined;
  const changed = yield* execute('UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL', [d.time(at), invitation.id]);
  if (changed === 0) return undefined;
  const rank: Record<MemberRole, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 };
  const current = yield* getMembership(d, invitation.organizationId, member.id);
  if (current === undefined || rank[current.role] < rank[invitation.role]) {
    yield* setMembership(d, invitation.organizationId, member.id, invitation.role, at, { ...audit, action: current === undefined ? 'member.add' : 'member.role', subject: member.email });
  }
  return { invitation: { ...invitation, acceptedAt: at }, user: member };
}
