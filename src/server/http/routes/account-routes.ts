/**
 * Sign-in, the caller, organisations, members, API tokens and the audit log (docs/api.md).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { setCookie, deleteCookie } from 'hono/cookie';
import type { ApiToken, AuditEntry, Invitation, Member, Organization, User } from '../../../app/accounts/accounts.js';
import {
  acceptInvitation,
  inviteMember,
  listInvitations,
  revokeInvitation,
  addFirstAdministrator,
  addUser,
  countUsers,
  listUsers,
  createApiToken,
  createOrganization,
  listApiTokens,
  listAudit,
  listMembers,
  listOrganizationsFor,
  requireRole,
  revokeApiToken,
  setMember,
  signIn,
  signOut,
} from '../../../app/accounts/accounts.js';
import { CLI, MEMBER_ROLES, permissionsOf } from '../../../app/accounts/access.js';
import { constantTimeEqual } from '../../../core/secrets.js';
import { forbidden } from '../../../app/problems.js';
import type { ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import { SESSION_COOKIE } from '../session-cookie.js';
import { IsoTime, errorResponses, jsonResponse, listResponse, orgParams, pageQuery, pageSchema } from '../schemas.js';

const OrganizationSchema = z.object({ id: z.number().int(), slug: z.string(), name: z.string(), allDomains: z.boolean(), createdAt: IsoTime }).openapi('Organization');
const MemberSchema = z.object({ userId: z.number().int(), email: z.string(), name: z.string(), role: z.enum(MEMBER_ROLES as [string, ...string[]]), createdAt: IsoTime }).openapi('Member');
const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    access: z.enum(['read', 'write']),
    createdBy: z.number().int().nullable(),
    createdAt: IsoTime,
    expiresAt: IsoTime.nullable(),
    lastUsedAt: IsoTime.nullable(),
    revokedAt: IsoTime.nullable(),
  })
  .openapi('ApiToken');
const AuditSchema = z
  .object({ id: z.number().int(), at: IsoTime, actor: z.string(), action: z.string(), subject: z.string(), before: z.unknown(), after: z.unknown() })
  .openapi('AuditEntry');

const organization = (o: Organization) => ({ id: o.id, slug: o.slug, name: o.name, allDomains: o.allDomains, createdAt: o.createdAt.toISOString() });
const member = (m: Member) => ({ userId: m.userId, email: m.email, name: m.name, role: m.role, createdAt: m.createdAt.toISOString() });
const token = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  access: t.access,
  createdBy: t.createdBy,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});
const auditEntry = (e: AuditEntry) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, before: e.before, after: e.after });

const UserSchema = z.object({ id: z.number().int(), email: z.string(), name: z.string(), operator: z.boolean(), disabled: z.boolean(), createdAt: IsoTime }).openapi('User');
const user = (u: User) => ({ id: u.id, email: u.email, name: u.name, operator: u.operator, disabled: u.disabled, createdAt: u.createdAt.toISOString() });

const InvitationSchema = z
  .object({ id: z.string(), email: z.string(), role: z.string(), createdBy: z.number().int().nullable(), createdAt: IsoTime, expiresAt: IsoTime, acceptedAt: IsoTime.nullable(), revokedAt: IsoTime.nullable() })
  .openapi('Invitation');
const invitation = (i: Invitation) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  createdBy: i.createdBy,
  createdAt: i.createdAt.toISOString(),
  expiresAt: i.expiresAt.toISOString(),
  acceptedAt: i.acceptedAt?.toISOString() ?? null,
  revokedAt: i.revokedAt?.toISOString() ?? null,
});

const SignInBody = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) }).openapi('SignIn');

export const accountRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/setup',
      tags: ['session'],
      summary: 'First run only: create the first administrator with the one-time token from the service log',
      request: { body: { content: { 'application/json': { schema: z.object({ token: z.string().max(100), email: z.string().max(254), name: z.string().max(200).optional(), password: z.string().max(1024) }) } }, required: true } },
      responses: { 201: jsonResponse(z.object({ userId: z.number().int(), email: z.string() }), 'Created: sign in with it'), ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const body = c.req.valid('json');
      const setup = c.var.services.setup;
      if (setup.token === undefined || !constantTimeEqual(setup.token, body.token) || (await countUsers(c.var.services.accounts)) > 0) {
        throw forbidden('setup-closed', 'set-up is only for the first run, with the token printed in the service log; use `dmarcpilot user add` instead');
      }
      const user = await addFirstAdministrator(c.var.services.accounts, CLI, { email: body.email, ...(body.name !== undefined ? { name: body.name } : {}), password: body.password });
      setup.token = undefined;
      return c.json({ userId: user.id, email: user.email }, 201);
    },
    { token: 'not-the-token', email: 'first@example.org', password: 'a long enough password' },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/session',
      tags: ['session'],
      summary: 'Sign in with an e-mail address and password; sets the session cookie',
      request: { body: { content: { 'application/json': { schema: SignInBody } }, required: true } },
      responses: { 200: jsonResponse(z.object({ userId: z.number().int(), email: z.string(), expiresAt: IsoTime }), 'Signed in'), ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const body = c.req.valid('json');
      if (!c.var.services.localSignIn) throw forbidden('local-sign-in-off', 'sign-in with a password is turned off here: use single sign-on');
      const signedIn = await signIn(c.var.services.accounts, body.email, body.password, c.var.clientAddress);
      // A new session at each sign-in; the one the browser held before ends (rotation).
      await signOut(c.var.services.accounts, c.var.principal);
      setCookie(c, SESSION_COOKIE, signedIn.sessionToken, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: c.var.services.secureCookies,
        path: '/',
        expires: signedIn.expiresAt,
      });
      return c.json({ userId: signedIn.user.id, email: signedIn.user.email, expiresAt: signedIn.expiresAt.toISOString() }, 200);
    },
    { email: 'nobody@example.org', password: 'not the password' },
  ),
  apiRoute(
    createRoute({ method: 'delete', path: '/api/v1/session', tags: ['session'], summary: 'Sign out: ends the session', responses: { 204: { description: 'Signed out' }, ...errorResponses } }),
    { kind: 'signed-in' },
    async (c) => {
      await signOut(c.var.services.accounts, c.var.principal);
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: c.var.services.secureCookies });
      return c.body(null, 204);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/me',
      tags: ['session'],
      summary: 'Who the caller is: the user and their role and permissions in each organisation, or the API token',
      responses: { 200: jsonResponse(z.object({ kind: z.enum(['user', 'token']) }).passthrough(), 'The caller'), ...errorResponses },
    }),
    { kind: 'signed-in' },
    async (c) => {
      const principal = c.var.principal;
      if (principal.kind === 'token') return c.json({ kind: 'token' as const, tokenId: principal.tokenId, organizationId: principal.organizationId, access: principal.access }, 200);
      if (principal.kind !== 'user') return c.json({ kind: 'user' as const }, 200);
      const organizations = await listOrganizationsFor(c.var.services.accounts, principal, { limit: 1000 });
      return c.json(
        {
          kind: 'user' as const,
          userId: principal.userId,
          email: principal.email,
          operator: principal.operator,
          organizations: organizations.items.map((o) => {
            const role = principal.roles.get(o.id) ?? null;
            return { slug: o.slug, name: o.name, role, permissions: role === null ? ['read'] : permissionsOf(role) };
          }),
        },
        200,
      );
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations',
      tags: ['organizations'],
      summary: 'The organisations the caller sees (every one for an instance operator)',
      request: { query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(OrganizationSchema, 'OrganizationPage'), 'A page of organisations'), ...errorResponses },
    }),
    { kind: 'signed-in' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listOrganizationsFor(c.var.services.accounts, c.var.principal, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(organization), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations',
      tags: ['organizations'],
      summary: 'Create an organisation (instance operators)',
      request: { body: { content: { 'application/json': { schema: z.object({ slug: z.string().max(63), name: z.string().max(200), owner: z.string().max(254).optional().openapi({ description: "An existing user's e-mail: its first owner" }) }) } }, required: true } },
      responses: { 201: jsonResponse(OrganizationSchema, 'Created'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const body = c.req.valid('json');
      return c.json(organization(await createOrganization(c.var.services.accounts, c.var.principal, body)), 201);
    },
    { slug: 'new-council', name: 'New Council' },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/users',
      tags: ['users'],
      summary: 'Every user of the instance (instance operators)',
      request: { query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(UserSchema, 'UserPage'), 'A page of users'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listUsers(c.var.services.accounts, c.var.principal, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(user), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/users',
      tags: ['users'],
      summary: 'Add a user (instance operators); without a password the user signs in by single sign-on only',
      request: {
        body: {
          content: { 'application/json': { schema: z.object({ email: z.string().max(254), name: z.string().max(200).optional(), password: z.string().max(1024).optional(), operator: z.boolean().optional() }) } },
          required: true,
        },
      },
      responses: { 201: jsonResponse(UserSchema, 'Added'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const body = c.req.valid('json');
      const added = await addUser(c.var.services.accounts, c.var.principal, { email: body.email, ...(body.name !== undefined ? { name: body.name } : {}), ...(body.password !== undefined ? { password: body.password } : {}), operator: body.operator === true });
      return c.json(user(added), 201);
    },
    { email: 'new.user@example.org', password: 'a long enough password' },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}',
      tags: ['organizations'],
      summary: 'One organisation',
      request: { params: orgParams },
      responses: { 200: jsonResponse(OrganizationSchema, 'The organisation'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    (c) => c.json(organization(c.var.organization), 200),
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/members',
      tags: ['members'],
      summary: "The organisation's members and their roles",
      request: { params: orgParams, query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(MemberSchema, 'MemberPage'), 'A page of members'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listMembers(c.var.services.accounts, c.var.principal, c.var.organization.id, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(member), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'put',
      path: '/api/v1/organizations/{org}/members/{email}',
      tags: ['members'],
      summary: 'Give an existing user a role in the organisation (owners alone give owner and admin)',
      request: {
        params: z.object({ org: orgParams.shape.org, email: z.string().max(254).openapi({ param: { name: 'email', in: 'path' } }) }),
        body: { content: { 'application/json': { schema: z.object({ role: z.string() }) } }, required: true },
      },
      responses: { 200: jsonResponse(MemberSchema, 'The membership'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const { email } = c.req.valid('param');
      const role = requireRole(c.req.valid('json').role, 'body.role');
      const changed = await setMember(c.var.services.accounts, c.var.principal, c.var.organization.id, email, role);
      return c.json(member(changed as Member), 200);
    },
    { role: 'viewer' },
  ),
  apiRoute(
    createRoute({
      method: 'delete',
      path: '/api/v1/organizations/{org}/members/{email}',
      tags: ['members'],
      summary: 'Remove a member (the last owner stays)',
      request: { params: z.object({ org: orgParams.shape.org, email: z.string().max(254).openapi({ param: { name: 'email', in: 'path' } }) }) },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      await setMember(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').email, null);
      return c.body(null, 204);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/tokens',
      tags: ['tokens'],
      summary: "The organisation's API tokens (never their secrets)",
      request: { params: orgParams, query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(TokenSchema, 'ApiTokenPage'), 'A page of tokens'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listApiTokens(c.var.services.accounts, c.var.principal, c.var.organization.id, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(token), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/tokens',
      tags: ['tokens'],
      summary: 'Create an API token: the response holds it, once',
      request: {
        params: orgParams,
        body: {
          content: { 'application/json': { schema: z.object({ name: z.string().max(200), access: z.enum(['read', 'write']), expiresInDays: z.number().int().min(1).max(3650).optional() }) } },
          required: true,
        },
      },
      responses: { 201: jsonResponse(z.object({ token: z.string(), info: TokenSchema }), 'Created; `token` is not shown again'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const made = await createApiToken(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('json'));
      return c.json({ token: made.token, info: token(made.info) }, 201);
    },
    { name: 'monitoring', access: 'read', expiresInDays: 30 },
  ),
  apiRoute(
    createRoute({
      method: 'delete',
      path: '/api/v1/organizations/{org}/tokens/{tokenId}',
      tags: ['tokens'],
      summary: 'Revoke an API token',
      request: { params: z.object({ org: orgParams.shape.org, tokenId: z.string().max(64).openapi({ param: { name: 'tokenId', in: 'path' } }) }) },
      responses: { 200: jsonResponse(TokenSchema, 'Revoked'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => c.json(token(await revokeApiToken(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').tokenId)), 200),
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/audit',
      tags: ['audit'],
      summary: "Every write in the organisation, newest first (who, when, what, before and after)",
      request: { params: orgParams, query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(AuditSchema, 'AuditPage'), 'A page of the audit log'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listAudit(c.var.services.accounts, c.var.principal, c.var.organization.id, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(auditEntry), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/invitations',
      tags: ['members'],
      summary: "The organisation's invitations, pending, accepted, revoked or expired",
      request: { params: orgParams, query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(InvitationSchema, 'InvitationPage'), 'A page of invitations'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listInvitations(c.var.services.accounts, c.var.principal, c.var.organization.id, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(invitation), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/invitations',
      tags: ['members'],
      summary: 'Invite someone by e-mail with a role: the response holds the one-time token to send them (shown once)',
      request: {
        params: orgParams,
        body: { content: { 'application/json': { schema: z.object({ email: z.string().max(254), role: z.string().max(20), expiresInDays: z.number().int().min(1).max(90).optional() }) } }, required: true },
      },
      responses: { 201: jsonResponse(z.object({ token: z.string(), invitation: InvitationSchema }), 'Invited'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => {
      const body = c.req.valid('json');
      const made = await inviteMember(c.var.services.accounts, c.var.principal, c.var.organization.id, { email: body.email, role: requireRole(body.role, 'body.role'), expiresInDays: body.expiresInDays });
      return c.json({ token: made.token, invitation: invitation(made.invitation) }, 201);
    },
    { email: 'colleague@example.org', role: 'viewer' },
  ),
  apiRoute(
    createRoute({
      method: 'delete',
      path: '/api/v1/organizations/{org}/invitations/{invitationId}',
      tags: ['members'],
      summary: 'Withdraw an invitation not yet accepted',
      request: { params: z.object({ org: orgParams.shape.org, invitationId: z.string().max(64).openapi({ param: { name: 'invitationId', in: 'path' } }) }) },
      responses: { 200: jsonResponse(InvitationSchema, 'Withdrawn'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'manage' },
    async (c) => c.json(invitation(await revokeInvitation(c.var.services.accounts, c.var.principal, c.var.organization.id, c.req.valid('param').invitationId)), 200),
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/invitations/accept',
      tags: ['members'],
      summary: 'Accept an invitation: a new account for the invited e-mail (name, password), or, signed in as that e-mail, the membership',
      request: { body: { content: { 'application/json': { schema: z.object({ token: z.string().max(100), name: z.string().max(200).optional(), password: z.string().max(1024).optional() }) } }, required: true } },
      responses: { 200: jsonResponse(z.object({ userId: z.number().int(), email: z.string(), organizationId: z.number().int(), role: z.string() }), 'Accepted'), ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const body = c.req.valid('json');
      const accepted = await acceptInvitation(c.var.services.accounts, c.var.principal, body.token, { name: body.name, password: body.password });
      return c.json({ userId: accepted.user.id, email: accepted.user.email, organizationId: accepted.invitation.organizationId, role: accepted.invitation.role }, 200);
    },
    { token: 'not-an-invitation', name: 'New Colleague', password: 'a long enough password' },
  ),
];
