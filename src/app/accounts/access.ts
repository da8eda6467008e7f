/**
 * Who may do what (docs/api.md, "Roles"). A caller is a Principal: nobody, a signed-in user (with
 * their role in each organisation, and whether they are an instance operator), an API token (one
 * organisation, read or read-write), or the command line (the machine's own operator). What an
 * action needs is a Permission within one organisation, or `instance` for what belongs to the
 * whole instance (creating organisations, the quarantine, users):
 *
 * | permission | who has it in an organisation                                       |
 * |------------|----------------------------------------------------------------------|
 * | `read`     | viewer, analyst, admin, owner; read and write tokens; operators     |
 * | `analyse`  | analyst, admin, owner; write tokens (decide senders, notes, upload) |
 * | `manage`   | admin, owner (members, tokens, domains, settings)                   |
 * | `own`      | owner (owners, deleting the organisation)                           |
 * | `instance` | operators and the command line                                      |
 *
 * Operators read every organisation (the central team's view) but change one only as a member:
 * reading across organisations is their job, acting inside one is not, and both are audited.
 * Tokens are least privilege: never `manage`, never outside their organisation.
 */
import type { MemberRole } from '../../store/store.js';

export type { MemberRole } from '../../store/store.js';

export type Permission = 'read' | 'analyse' | 'manage' | 'own';

export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'admin', 'analyst', 'viewer'];

const ROLE_GRANTS: Readonly<Record<MemberRole, readonly Permission[]>> = {
  viewer: ['read'],
  analyst: ['read', 'analyse'],
  admin: ['read', 'analyse', 'manage'],
  owner: ['read', 'analyse', 'manage', 'own'],
};

const TOKEN_GRANTS: Readonly<Record<'read' | 'write', readonly Permission[]>> = {
  read: ['read'],
  write: ['read', 'analyse'],
};

export type Principal =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly userId: number;
      readonly email: string;
      readonly operator: boolean;
      /** Organisation id → role. */
      readonly roles: ReadonlyMap<number, MemberRole>;
      /** The session's hash (sign-out ends it). */
      readonly sessionHash?: string;
    }
  | { readonly kind: 'token'; readonly tokenId: string; readonly organizationId: number; readonly access: 'read' | 'write' }
  | { readonly kind: 'cli' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };
export const CLI: Principal = { kind: 'cli' };

/** Whether the principal holds `permission` in organisation `organizationId`. */
export function holds(principal: Principal, organizationId: number, permission: Permission): boolean {
  switch (principal.kind) {
    case 'anonymous':
      return false;
    case 'cli':
      return true;
    case 'token':
      return principal.organizationId === organizationId && TOKEN_GRANTS[principal.access].includes(permission);
    case 'user': {
      const role = principal.roles.get(organizationId);
      if (role !== undefined && ROLE_GRANTS[role].includes(permission)) return true;
      return principal.operator && permission === 'read';
    }
  }
}

/** Whether the principal may see the organisation at all (to any other caller it does not exist). */
export function sees(principal: Principal, organizationId: number): boolean {
  return holds(principal, organizationId, 'read');
}

/** Whether the principal may act for the whole instance. */
export function isInstanceOperator(principal: Principal): boolean {
  return principal.kind === 'cli' || (principal.kind === 'user' && principal.operator);
}

/** How the audit log names the principal. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'cli':
      return 'cli';
    case 'token':
      return `token:${principal.tokenId}`;
    case 'user':
      return `user:${principal.userId} ${principal.email}`;
  }
}

/** The permissions a role grants (for documentation and the API's `me`). */
export function permissionsOf(role: MemberRole): readonly Permission[] {
  return ROLE_GRANTS[role];
}
