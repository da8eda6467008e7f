/**
 * Single sign-on (docs/api.md, "Single sign-on (OIDC)"): what a sign-in that an OpenID provider has vouched for does
 * to the accounts. The protocol itself (the code flow with PKCE, the ID token's checks) is the
 * HTTP layer's (server/http/oidc-client.ts); this takes the verified claims.
 *
 * - The user is found by the lower-cased `email` claim, which must be present, a valid address,
 *   and not marked `email_verified: false`. Unknown users are created without a password when
 *   `createUsers` is on, refused otherwise; disabled users are refused and nothing changes.
 * - Role mappings: for each organisation that a mapping names, a user in at least one of its
 *   mapped groups gets the highest role those groups give there, added, raised or lowered to
 *   it. Organisations where none of the user's groups is mapped are left as they are, including
 *   memberships an earlier sign-in gave: taking someone out of a group does not remove them
 *   (an admin removes the member, or an operator disables the user). The last owner of an
 *   organisation is not demoted by a mapping (the role stays; the log says why).
 * - With `operatorGroups` set, the operator flag follows them (given and taken away); without,
 *   sign-in leaves it as it is.
 * - Every change is audited with the actor `oidc:<issuer>`; then a session starts as for local
 *   sign-in (startSession).
 */
import type { MemberRole, User } from '../../store/store.js';
import { conflict, forbidden, isAppError, withAppErrors } from '../problems.js';
import { MEMBER_ROLES } from './access.js';
import type { AccountsContext, SignedIn } from './accounts.js';
import { countOwners, findOrganizationBySlug, requireEmail, startSession } from './accounts.js';

export interface OidcRoleMapping {
  readonly group: string;
  /** The organisation's slug. */
  readonly organization: string;
  readonly role: MemberRole;
}

/** What a single sign-on does to the accounts (the `http.oidc` settings that concern them). */
export interface OidcAccountRules {
  /** The provider's issuer: the audit log's actor is `oidc:<issuer>`. */
  readonly issuer: string;
  /** The claim that lists the user's groups. */
  readonly groupsClaim: string;
  readonly roleMappings: readonly OidcRoleMapping[];
  /** Empty: sign-in leaves the operator flag as it is. */
  readonly operatorGroups: readonly string[];
  readonly createUsers: boolean;
}

export interface OidcSignedIn extends SignedIn {
  /** The user was created by this sign-in. */
  readonly created: boolean;
  /** What was changed, for the log (`alpha: viewer → admin`). */
  readonly changes: readonly string[];
  /** What a mapping asked for and was not done (an unknown organisation, the last owner), for the log. */
  readonly warnings: readonly string[];
}

const MAX_NAME = 200;

/** The groups in the claim: a list of strings (anything else in it ignored), or one string. */
export function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  return [];
}

/** The display name from `name` (else the e-mail): trimmed, without control characters, at most 200. */
function nameOf(claims: Readonly<Record<string, unknown>>, email: string): string {
  const raw = typeof claims['name'] === 'string' ? claims['name'] : '';
  const name = raw.replace(/\p{Cc}/gu, ' ').trim().slice(0, MAX_NAME);
  return name === '' ? email : name;
}

/** Whether role `a` gives more than `b`. */
function above(a: MemberRole, b: MemberRole): boolean {
  return MEMBER_ROLES.indexOf(a) < MEMBER_ROLES.indexOf(b);
}

/** Organisation slug → the highest role the user's groups give there (only organisations some group of the user maps to). */
export function mappedRoles(rules: Pick<OidcAccountRules, 'roleMappings'>, groups: readonly string[]): Map<string, { role: MemberRole; groups: string[] }> {
  const wanted = new Map<string, { role: MemberRole; groups: string[] }>();
  for (const mapping of rules.roleMappings) {
    if (!groups.includes(mapping.group)) continue;
    const current = wanted.get(mapping.organization);
    if (current === undefined) wanted.set(mapping.organization, { role: mapping.role, groups: [mapping.group] });
    else {
      if (above(mapping.role, current.role)) current.role = mapping.role;
      if (!current.groups.includes(mapping.group)) current.groups.push(mapping.group);
    }
  }
  return wanted;
}

/** The user of a verified single sign-on, found or created, with the mapped roles and operator flag applied; a new session for them. */
export async function signInWithOidc(ctx: AccountsContext, rules: OidcAccountRules, claims: Readonly<Record<string, unknown>>): Promise<OidcSignedIn> {
  const emailClaim = claims['email'];
  if (typeof emailClaim !== 'string' || emailClaim.trim() === '') {
    throw forbidden('oidc-email-missing', 'the provider sent no e-mail address for this user (ask for the email scope, or have the provider release the email claim)');
  }
  if (claims['email_verified'] === false || claims['email_verified'] === 'false') {
    throw forbidden('oidc-email-unverified', 'the provider says the e-mail address of this user is not verified');
  }
  let email: string;
  try {
    email = requireEmail(emailClaim);
  } catch (caught) {
    if (isAppError(caught)) throw forbidden('oidc-email-invalid', 'the e-mail address the provider sent is not one this service accepts');
    throw caught;
  }
  const groups = groupsOf(claims[rules.groupsClaim]);
  const actor = `oidc:${rules.issuer}`;
  const at = ctx.now();
  const entry = (organizationId: number | null, action: string, before: unknown, after: unknown) => ({ at, organizationId, actor, action, subject: email, before, after });
  const changes: string[] = [];
  const warnings: string[] = [];
  const wantOperator = rules.operatorGroups.length === 0 ? undefined : groups.some((g) => rules.operatorGroups.includes(g));

  let created = false;
  let user: User;
  const found = await ctx.root.findUserByEmail(email);
  if (found !== undefined) {
    const { passwordHash: _hidden, ...existing } = found;
    user = existing;
  } else {
    if (!rules.createUsers) throw forbidden('oidc-user-unknown', `there is no user ${email} here, and single sign-on does not create users (http.oidc.createUsers): ask an operator to add you`);
    const name = nameOf(claims, email);
    try {
      user = await withAppErrors(() =>
        ctx.root.createUser({ email, name, passwordHash: null, operator: wantOperator === true, at }, entry(null, 'user.add', null, { name, operator: wantOperator === true, via: 'oidc' })),
      );
      created = true;
      changes.push(`created user ${email}${wantOperator === true ? ' (operator)' : ''}`);
    } catch (caught) {
      // Two first sign-ins at once: the other one created the user.
      const again = isAppError(caught) && caught.kind === 'conflict' ? await ctx.root.findUserByEmail(email) : undefined;
      if (again === undefined) throw caught;
      const { passwordHash: _hidden, ...existing } = again;
      user = existing;
    }
  }
  if (user.disabled) throw forbidden('user-disabled', 'this user is disabled here: ask an operator');

  if (wantOperator !== undefined && user.operator !== wantOperator) {
    const updated = await ctx.root.updateUser(user.id, { operator: wantOperator }, entry(null, wantOperator ? 'user.operator' : 'user.operator-removed', { operator: user.operator }, { operator: wantOperator, groups }));
    if (updated === undefined) throw conflict('user-gone', 'email', `the user ${email} was removed during sign-in`);
    user = updated;
    changes.push(wantOperator ? 'made an operator' : 'no longer an operator');
  }

  for (const [slug, wanted] of mappedRoles(rules, groups)) {
    const organization = await findOrganizationBySlug(ctx, slug);
    if (organization === undefined) {
      warnings.push(`http.oidc.roleMappings names the organisation ${slug}, which does not exist: no role given there`);
      continue;
    }
    const current = await ctx.root.getMembership(organization.id, user.id);
    if (current?.role === wanted.role) continue;
    if (current?.role === 'owner' && (await countOwners(ctx, organization.id)) <= 1) {
      warnings.push(`${email} stays owner of ${slug}: the groups map to ${wanted.role}, but the organisation would have no owner left`);
      continue;
    }
    // The store records the role before and after in the entry.
    await ctx.root.setMembership(organization.id, user.id, wanted.role, at, entry(organization.id, current ? 'member.role' : 'member.add', null, null));
    changes.push(`${slug}: ${current?.role ?? 'not a member'} → ${wanted.role} (groups ${wanted.groups.join(', ')})`);
  }

  return { ...(await startSession(ctx, user)), created, changes, warnings };
}
