/**
 * Accounts as the CLI and the HTTP API use them (docs/api.md): users and local sign-in, sessions
 * kept server-side, API tokens, organisations and their members, and the audit log. Every write
 * names its actor (access.ts, actorOf) and is audited in the store's transaction.
 *
 * - Sign-in compares against scrypt hashes (core/secrets.ts); an unknown e-mail costs the same
 *   as a wrong password, and both give the same answer. Failures are counted per account and per
 *   client address (SignInLimiter): past the limit the caller is `throttled` until the window ends.
 * - A session is 32 random bytes in a cookie; only its SHA-256 is stored. It ends after
 *   `idleMinutes` without use or `maxHours` after sign-in, whichever is first; a new one is made
 *   at each sign-in (never reused), and every session of a user ends when the password changes
 *   or the user is disabled.
 * - An API token is `dpk_<id>_<secret>`: the id finds it, only the secret's hash is stored, it
 *   acts for one organisation, read or read-write, until it expires or is revoked.
 */
import type { Resolver } from '../../core/dns-resolver.js';
import { DUMMY_PASSWORD_HASH, constantTimeEqual, hashPassword, randomId, randomLowerToken, randomToken, sha256Hex, verifyPassword } from '../../core/secrets.js';
import type { ApiToken, AuditEntry, AuditInput, Invitation, Member, MemberRole, Organization, Page, PageRequest, StoreRoot, User } from '../../store/store.js';
import { DEFAULT_ORGANIZATION_ID } from '../../store/store.js';
import { conflict, forbidden, invalid, notFound, throttled, unauthenticated, withAppErrors } from '../problems.js';
import type { Principal } from './access.js';
import { MEMBER_ROLES, actorOf, holds, isInstanceOperator, sees } from './access.js';
import type { SignInLimiter } from './sign-in-limiter.js';

export type { ApiToken, AuditEntry, Invitation, Member, MemberRole, Organization, User } from '../../store/store.js';

export interface SessionSettings {
  /** A session not used for this long ends. */
  readonly idleMinutes: number;
  /** A session ends this long after sign-in, used or not. */
  readonly maxHours: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMinutes: 120, maxHours: 12 };

/** What account services need: the whole store, the clock, and for domain proofs the resolver. */
export interface AccountsContext {
  readonly root: StoreRoot;
  readonly now: () => Date;
  readonly sessions: SessionSettings;
  readonly limiter: SignInLimiter;
  readonly resolver: Resolver;
  /** Suffixes a domain must end with to be claimed (e.g. `gov.uk`); empty: any. */
  readonly domainSuffixes: readonly string[];
}

const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;
const EMAIL = /^[^\s@<>()",;:\\[\]]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** The session's touch is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

function audit(principal: Principal, at: Date, organizationId: number | null, action: string, subject: string): AuditInput {
  return { at, organizationId, actor: actorOf(principal), action, subject, before: null, after: null };
}

export function requireEmail(text: string, field = 'email'): string {
  const email = text.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw invalid('not-an-email', field, `not an e-mail address: ${text}`);
  return email;
}

export function requirePassword(password: string, field = 'password'): string {
  if (password.length < MIN_PASSWORD) throw invalid('password-too-short', field, `the password must have at least ${MIN_PASSWORD} characters`);
  if (password.length > MAX_PASSWORD) throw invalid('password-too-long', field, `the password must have at most ${MAX_PASSWORD} characters`);
  return password;
}

/** Whether `text` is an organisation's slug: lower-case letters, digits and inner hyphens, up to 63. */
export function isSlug(text: string): boolean {
  return SLUG.test(text);
}

export function requireSlug(text: string, field = 'slug'): string {
  if (!SLUG.test(text)) throw invalid('not-a-slug', field, `not a slug (lower-case letters, digits and inner hyphens, up to 63): ${text}`);
  return text;
}

export function requireRole(text: string, field = 'role'): MemberRole {
  if (!(MEMBER_ROLES as readonly string[]).includes(text)) throw invalid('not-a-role', field, `not a role (${MEMBER_ROLES.join(', ')}): ${text}`);
  return text as MemberRole;
}

function requireName(text: string, field: string): string {
  const name = text.trim();
  if (name.length === 0 || name.length > 200 || /[\p{Cc}]/u.test(name)) throw invalid('not-a-name', field, 'a name has 1 to 200 characters and no control characters');
  return name;
}

function requireInstance(principal: Principal): void {
  if (!isInstanceOperator(principal)) throw forbidden('operator-only', 'only an instance operator may do this');
}

// Users -------------------------------------------------------------------------------------------

export interface AddUserInput {
  readonly email: string;
  readonly name?: string;
  /** Absent: the user signs in by single sign-on only (or gets a password later). */
  readonly password?: string;
  readonly operator?: boolean;
}

export async function addUser(ctx: AccountsContext, principal: Principal, input: AddUserInput): Promise<User> {
  requireInstance(principal);
  const email = requireEmail(input.email);
  const name = requireName(input.name ?? email, 'name');
  const passwordHash = input.password === undefined ? null : await hashPassword(requirePassword(input.password));
  const at = ctx.now();
  return withAppErrors(() => ctx.root.createUser({ email, name, passwordHash, operator: input.operator === true, at }, audit(principal, at, null, 'user.add', email)));
}

export async function setPassword(ctx: AccountsContext, principal: Principal, userId: number, password: string): Promise<User> {
  if (!(principal.kind === 'user' && principal.userId === userId)) requireInstance(principal);
  const passwordHash = await hashPassword(requirePassword(password));
  const user = await ctx.root.updateUser(userId, { passwordHash }, audit(principal, ctx.now(), null, 'user.password', `user:${userId}`));
  if (user === undefined) throw notFound('no-such-user', 'user', `there is no user ${userId}`);
  await ctx.root.deleteUserSessions(userId);
  return user;
}

export async function setUserDisabled(ctx: AccountsContext, principal: Principal, userId: number, disabled: boolean): Promise<User> {
  requireInstance(principal);
  const user = await ctx.root.updateUser(userId, { disabled }, audit(principal, ctx.now(), null, disabled ? 'user.disable' : 'user.enable', `user:${userId}`));
  if (user === undefined) throw notFound('no-such-user', 'user', `there is no user ${userId}`);
  if (disabled) await ctx.root.deleteUserSessions(userId);
  return user;
}

export async function findUser(ctx: AccountsContext, emailText: string): Promise<User> {
  const found = await ctx.root.findUserByEmail(requireEmail(emailText));
  if (found === undefined) throw notFound('no-such-user', 'email', `there is no user ${emailText}`);
  const { passwordHash: _hidden, ...user } = found;
  return user;
}

/** 0 or 1: whether any user exists (the first run has none). */
export async function countUsers(ctx: AccountsContext): Promise<number> {
  return (await ctx.root.listUsers({ limit: 1 })).items.length;
}

export function listUsers(ctx: AccountsContext, principal: Principal, page?: PageRequest): Promise<Page<User>> {
  requireInstance(principal);
  return withAppErrors(() => ctx.root.listUsers(page));
}

// Sign-in and sessions ----------------------------------------------------------------------------

export interface SignedIn {
  /** The cookie's value: shown to the browser once, never stored. */
  readonly sessionToken: string;
  readonly user: User;
  readonly expiresAt: Date;
}

/**
 * Local sign-in. `address`: the client's, for the per-address limit. The same `sign-in-failed`
 * for an unknown e-mail, a wrong password, a user without a password and a disabled user.
 */
export async function signIn(ctx: AccountsContext, emailText: string, password: string, address: string): Promise<SignedIn> {
  const email = emailText.trim().toLowerCase();
  const now = ctx.now();
  const wait = ctx.limiter.check(email, address, now);
  if (wait !== undefined) throw throttled('sign-in-throttled', `too many failed sign-ins; try again in ${wait} s`, wait);
  const found = email.length <= 254 && password.length <= MAX_PASSWORD ? await ctx.root.findUserByEmail(email) : undefined;
  const matches = await verifyPassword(password.slice(0, MAX_PASSWORD), found?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (found === undefined || found.passwordHash === null || found.disabled || !matches) {
    ctx.limiter.fail(email, address, now);
    throw unauthenticated('sign-in-failed', 'the e-mail address or the password is wrong');
  }
  ctx.limiter.succeed(email);
  const { passwordHash: _hidden, ...user } = found;
  return startSession(ctx, user);
}

/** A new session for a user who has just proven who they are (a password, single sign-on). */
export async function startSession(ctx: AccountsContext, user: User): Promise<SignedIn> {
  const now = ctx.now();
  const sessionToken = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.sessions.maxHours * 3_600_000);
  await ctx.root.createSession({ tokenHash: sha256Hex(sessionToken), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt });
  return { sessionToken, user, expiresAt };
}

/** The signed-in user of a session cookie; anonymous when it is unknown, expired or idle too long (an expired one is deleted). */
export async function principalOfSession(ctx: AccountsContext, sessionToken: string): Promise<Principal> {
  if (sessionToken.length === 0 || sessionToken.length > 100) return { kind: 'anonymous' };
  const hash = sha256Hex(sessionToken);
  const session = await ctx.root.getSession(hash);
  if (session === undefined) return { kind: 'anonymous' };
  const now = ctx.now();
  const idleEnd = session.lastSeenAt.getTime() + ctx.sessions.idleMinutes * 60_000;
  if (now.getTime() >= session.expiresAt.getTime() || now.getTime() >= idleEnd) {
    await ctx.root.deleteSession(hash);
    return { kind: 'anonymous' };
  }
  const user = await ctx.root.getUser(session.userId);
  if (user === undefined || user.disabled) return { kind: 'anonymous' };
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await ctx.root.touchSession(hash, now);
  return principalOfUser(ctx, user, hash);
}

export async function principalOfUser(ctx: AccountsContext, user: User, sessionHash?: string): Promise<Principal> {
  const memberships = await ctx.root.listUserMemberships(user.id);
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    operator: user.operator,
    roles: new Map(memberships.map((m) => [m.organizationId, m.role])),
    ...(sessionHash !== undefined ? { sessionHash } : {}),
  };
}

export async function signOut(ctx: AccountsContext, principal: Principal): Promise<void> {
  if (principal.kind === 'user' && principal.sessionHash !== undefined) await ctx.root.deleteSession(principal.sessionHash);
}

/** Sessions past their expiry, removed (serve does it every hour). */
export function deleteExpiredSessions(ctx: AccountsContext): Promise<number> {
  const now = ctx.now().getTime();
  return ctx.root.deleteExpiredSessions(new Date(now), new Date(now - ctx.sessions.idleMinutes * 60_000));
}

// API tokens --------------------------------------------------------------------------------------

const TOKEN_PATTERN = /^dpk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiToken {
  /** The whole token, shown once: only its secret's hash is kept. */
  readonly token: string;
  readonly info: ApiToken;
}

export async function createApiToken(
  ctx: AccountsContext,
  principal: Principal,
  organizationId: number,
  input: { readonly name: string; readonly access: 'read' | 'write'; readonly expiresInDays?: number | undefined },
): Promise<NewApiToken> {
  requireHolds(principal, organizationId, 'manage');
  const name = requireName(input.name, 'name');
  if (input.expiresInDays !== undefined && (!Number.isSafeInteger(input.expiresInDays) || input.expiresInDays < 1 || input.expiresInDays > 3650)) {
    throw invalid('bad-expiry', 'expiresInDays', 'a token expires after 1 to 3650 days');
  }
  const id = randomId();
  const secret = randomToken();
  const at = ctx.now();
  const info = await withAppErrors(() =>
    ctx.root.createApiToken(
      {
        id,
        secretHash: sha256Hex(secret),
        organizationId,
        name,
        access: input.access,
        createdBy: principal.kind === 'user' ? principal.userId : null,
        createdAt: at,
        expiresAt: input.expiresInDays === undefined ? null : new Date(at.getTime() + input.expiresInDays * 86_400_000),
        lastUsedAt: null,
        revokedAt: null,
      },
      audit(principal, at, organizationId, 'token.add', id),
    ),
  );
  return { token: `dpk_${id}_${secret}`, info };
}

/** The principal of a bearer token; `unauthenticated` for one that is malformed, unknown, revoked or expired. */
export async function principalOfApiToken(ctx: AccountsContext, bearer: string): Promise<Principal> {
  const match = TOKEN_PATTERN.exec(bearer);
  const refused = unauthenticated('bad-token', 'the API token is not valid (unknown, revoked or expired)');
  if (match === null) throw refused;
  const row = await ctx.root.getApiToken(match[1] as string);
  const now = ctx.now();
  if (row === undefined || !constantTimeEqual(row.secretHash, sha256Hex(match[2] as string))) throw refused;
  if (row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime())) throw refused;
  if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS) await ctx.root.touchApiToken(row.id, now);
  return { kind: 'token', tokenId: row.id, organizationId: row.organizationId, access: row.access };
}

export function listApiTokens(ctx: AccountsContext, principal: Principal, organizationId: number, page?: PageRequest): Promise<Page<ApiToken>> {
  requireHolds(principal, organizationId, 'manage');
  return withAppErrors(() => ctx.root.listApiTokens(organizationId, page));
}

export async function revokeApiToken(ctx: AccountsContext, principal: Principal, organizationId: number, id: string): Promise<ApiToken> {
  requireHolds(principal, organizationId, 'manage');
  const at = ctx.now();
  const token = await ctx.root.revokeApiToken(organizationId, id, at, audit(principal, at, organizationId, 'token.revoke', id));
  if (token === undefined) throw notFound('no-such-token', 'token', `the organisation has no token ${id}`);
  return token;
}

// Organisations and members -----------------------------------------------------------------------

/** `not-found` unless the principal holds `permission` there (`forbidden` when it sees the organisation but may not). */
export function requireHolds(principal: Principal, organizationId: number, permission: Parameters<typeof holds>[2]): void {
  if (holds(principal, organizationId, permission)) return;
  if (sees(principal, organizationId)) throw forbidden('role-too-low', `this needs the ${permission} permission in the organisation (docs/api.md, "Roles")`);
  throw notFound('no-such-organization', 'organization', 'there is no such organisation');
}

/** The organisation by slug, if the principal may see it; else `not-found`, whether or not it exists. */
export async function organizationFor(ctx: AccountsContext, principal: Principal, slugText: string): Promise<Organization> {
  const organization = SLUG.test(slugText) ? await findOrganizationBySlug(ctx, slugText) : undefined;
  if (organization === undefined || !sees(principal, organization.id)) throw notFound('no-such-organization', 'organization', `there is no organisation ${slugText}`);
  return organization;
}

export function findOrganizationBySlug(ctx: AccountsContext, slug: string): Promise<Organization | undefined> {
  return ctx.root.getOrganizationBySlug(slug);
}

/** The organisations the principal sees: all of them for an operator, its own for a member, the token's for a token. */
export async function listOrganizationsFor(ctx: AccountsContext, principal: Principal, page?: PageRequest): Promise<Page<Organization>> {
  if (principal.kind === 'anonymous') throw unauthenticated('not-signed-in', 'sign in first');
  const listed = await withAppErrors(() => ctx.root.listOrganizations(page));
  return { items: listed.items.filter((o) => sees(principal, o.id)), next: listed.next };
}

/** A new organisation; `owner`: an existing user's e-mail, made its first owner (operators change an organisation only through its members). */
export async function createOrganization(ctx: AccountsContext, principal: Principal, input: { readonly slug: string; readonly name: string; readonly owner?: string | undefined }): Promise<Organization> {
  requireInstance(principal);
  const slug = requireSlug(input.slug);
  const name = requireName(input.name, 'name');
  const owner = input.owner === undefined ? undefined : await findUser(ctx, input.owner);
  const at = ctx.now();
  const organization = await withAppErrors(() => ctx.root.createOrganization({ slug, name, at }));
  await ctx.root.appendAudit({ ...audit(principal, at, organization.id, 'organization.add', slug), after: { slug, name } });
  await ctx.root.ensureRuaToken(organization.id, randomLowerToken());
  if (owner !== undefined) await ctx.root.setMembership(organization.id, owner.id, 'owner', at, audit(principal, at, organization.id, 'member.add', owner.email));
  return organization;
}

export function listMembers(ctx: AccountsContext, principal: Principal, organizationId: number, page?: PageRequest): Promise<Page<Member>> {
  requireHolds(principal, organizationId, 'read');
  return withAppErrors(() => ctx.root.listMembers(organizationId, page));
}

/**
 * Gives a user a role in the organisation, or (null) removes them. Admins manage analysts and
 * viewers; only owners make or unmake owners and admins; the last owner cannot be removed or demoted.
 */
export async function setMember(ctx: AccountsContext, principal: Principal, organizationId: number, userEmail: string, role: MemberRole | null): Promise<Member | undefined> {
  requireHolds(principal, organizationId, 'manage');
  const user = await findUser(ctx, userEmail);
  const current = await ctx.root.getMembership(organizationId, user.id);
  const privileged = (r: MemberRole | null | undefined) => r === 'owner' || r === 'admin';
  if ((privileged(role) || privileged(current?.role)) && !holds(principal, organizationId, 'own')) {
    throw forbidden('owner-only', 'only an owner gives or takes away the owner and admin roles');
  }
  if (current?.role === 'owner' && role !== 'owner') {
    const owners = await countOwners(ctx, organizationId);
    if (owners <= 1) throw conflict('last-owner', 'role', 'the organisation would have no owner left; make someone else owner first');
  }
  const at = ctx.now();
  const change = await withAppErrors(() => ctx.root.setMembership(organizationId, user.id, role, at, audit(principal, at, organizationId, role === null ? 'member.remove' : current ? 'member.role' : 'member.add', user.email)));
  return change.after === undefined ? undefined : { ...change.after, email: user.email, name: user.name };
}

export async function countOwners(ctx: AccountsContext, organizationId: number): Promise<number> {
  let owners = 0;
  let after: string | undefined;
  do {
    const page = await ctx.root.listMembers(organizationId, { limit: 1000, after });
    owners += page.items.filter((m) => m.role === 'owner').length;
    after = page.next ?? undefined;
  } while (after !== undefined);
  return owners;
}

export function listAudit(ctx: AccountsContext, principal: Principal, organizationId: number | null, page?: PageRequest): Promise<Page<AuditEntry>> {
  if (organizationId === null) requireInstance(principal);
  else requireHolds(principal, organizationId, 'manage');
  return withAppErrors(() => ctx.root.listAudit(organizationId, page));
}

/** The default organisation (the instance's own, seeing every domain) is where the first operator becomes owner. */
export async function addFirstAdministrator(ctx: AccountsContext, principal: Principal, input: AddUserInput): Promise<User> {
  const user = await addUser(ctx, principal, { ...input, operator: true });
  const at = ctx.now();
  await ctx.root.setMembership(DEFAULT_ORGANIZATION_ID, user.id, 'owner', at, audit(principal, at, DEFAULT_ORGANIZATION_ID, 'member.add', user.email));
  return user;
}


// Invitations -------------------------------------------------------------------------------------

export const DEFAULT_INVITATION_DAYS = 7;

export interface NewInvitation {
  /** The one-time token, shown once: the link to send is `<origin>/invite#<token>`, or POST /api/v1/invitations/accept. */
  readonly token: string;
  readonly invitation: Invitation;
}

/** Invites `email` to join with `role` (admins invite analysts and viewers; owners any role). */
export async function inviteMember(
  ctx: AccountsContext,
  principal: Principal,
  organizationId: number,
  input: { readonly email: string; readonly role: MemberRole; readonly expiresInDays?: number | undefined },
): Promise<NewInvitation> {
  requireHolds(principal, organizationId, 'manage');
  const email = requireEmail(input.email);
  const role = requireRole(input.role);
  if ((role === 'owner' || role === 'admin') && !holds(principal, organizationId, 'own')) throw forbidden('owner-only', 'only an owner invites owners and admins');
  const days = input.expiresInDays ?? DEFAULT_INVITATION_DAYS;
  if (!Number.isSafeInteger(days) || days < 1 || days > 90) throw invalid('bad-expiry', 'expiresInDays', 'an invitation expires after 1 to 90 days');
  const token = randomToken();
  const at = ctx.now();
  const invitation: Invitation = {
    id: randomId(),
    organizationId,
    email,
    role,
    createdBy: principal.kind === 'user' ? principal.userId : null,
    createdAt: at,
    expiresAt: new Date(at.getTime() + days * 86_400_000),
    acceptedAt: null,
    revokedAt: null,
  };
  await withAppErrors(() => ctx.root.createInvitation(invitation, sha256Hex(token), audit(principal, at, organizationId, 'invitation.add', email)));
  return { token, invitation };
}

export function listInvitations(ctx: AccountsContext, principal: Principal, organizationId: number, page?: PageRequest): Promise<Page<Invitation>> {
  requireHolds(principal, organizationId, 'manage');
  return withAppErrors(() => ctx.root.listInvitations(organizationId, page));
}

export async function revokeInvitation(ctx: AccountsContext, principal: Principal, organizationId: number, id: string): Promise<Invitation> {
  requireHolds(principal, organizationId, 'manage');
  const at = ctx.now();
  const revoked = await ctx.root.revokeInvitation(organizationId, id, at, audit(principal, at, organizationId, 'invitation.revoke', id));
  if (revoked === undefined) throw notFound('no-such-invitation', 'invitation', `the organisation has no invitation ${id}`);
  return revoked;
}

/**
 * Accepts an invitation with its token. Someone without an account gives a name and a password
 * (none: single sign-on only) and gets an account for the invited e-mail; someone who has one
 * signs in first and must be the invited e-mail. An invitation works once, until it expires or is
 * revoked; every refusal says which.
 */
export async function acceptInvitation(
  ctx: AccountsContext,
  principal: Principal,
  token: string,
  input: { readonly name?: string | undefined; readonly password?: string | undefined },
): Promise<{ readonly invitation: Invitation; readonly user: User }> {
  const hash = sha256Hex(token);
  const invitation = token.length > 0 && token.length <= 100 ? await ctx.root.findInvitation(hash) : undefined;
  const at = ctx.now();
  if (invitation === undefined) throw notFound('no-such-invitation', 'token', 'there is no such invitation (check the link)');
  if (invitation.acceptedAt !== null) throw conflict('invitation-used', 'token', 'this invitation has been accepted already');
  if (invitation.revokedAt !== null) throw conflict('invitation-revoked', 'token', 'this invitation was withdrawn; ask for a new one');
  if (invitation.expiresAt.getTime() <= at.getTime()) throw conflict('invitation-expired', 'token', 'this invitation has expired; ask for a new one');
  const existing = await ctx.root.findUserByEmail(invitation.email);
  let as: { readonly id: number } | { readonly newUser: { readonly name: string; readonly passwordHash: string | null } };
  if (existing !== undefined) {
    if (principal.kind !== 'user') throw unauthenticated('sign-in-first', `there is an account for ${invitation.email}: sign in with it, then accept`);
    if (principal.userId !== existing.id) throw forbidden('invitation-for-another', `this invitation is for ${invitation.email}, not for the account signed in`);
    as = { id: existing.id };
  } else {
    const name = requireName(input.name ?? invitation.email, 'name');
    const passwordHash = input.password === undefined ? null : await hashPassword(requirePassword(input.password));
    as = { newUser: { name, passwordHash } };
  }
  const accepted = await withAppErrors(() =>
    ctx.root.acceptInvitation(hash, at, as, { at, organizationId: invitation.organizationId, actor: principal.kind === 'user' ? actorOf(principal) : `invitation:${invitation.id}`, action: 'invitation.accept', subject: invitation.email, before: null, after: { role: invitation.role } }),
  );
  if (accepted === undefined) throw conflict('invitation-used', 'token', 'this invitation has been accepted already');
  return accepted;
}
