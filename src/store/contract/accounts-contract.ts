/**
 * The contract of accounts (store.ts, Accounts): users and their unique e-mail, memberships with
 * roles, sessions with their expiry, API tokens (revocation, last use), the audit log written in
 * the same transaction as each change (and never holding a password hash), and domain claims
 * whose proof assigns the domain to the organisation, refused when another owns it.
 */
import assert from 'node:assert/strict';
import type { AuditInput } from '../store.js';
import { OutOfScopeError, StoreConflictError } from '../store.js';
import type { StoreTest } from './contract-fixtures.test-helper.js';

const AT = new Date('2026-12-01T10:00:00.000Z');
const audit = (action: string, subject: string, organizationId: number | null = null): AuditInput => ({ at: AT, organizationId, actor: 'cli', action, subject, before: null, after: null });
const conflict = (field: string) => (err: unknown) => err instanceof StoreConflictError && err.field === field;

export function runAccountsContract(withStore: StoreTest): void {
  withStore('accounts: users are unique by e-mail; updates are audited without the password hash', async (store) => {
    const alice = await store.createUser({ email: 'alice@example.org', name: 'Alice', passwordHash: 'scrypt$secret-hash', operator: false, at: AT }, audit('user.add', 'alice@example.org'));
    assert.deepEqual(alice, { id: alice.id, email: 'alice@example.org', name: 'Alice', operator: false, disabled: false, createdAt: AT });
    await assert.rejects(store.createUser({ email: 'alice@example.org', name: 'Again', passwordHash: null, operator: false, at: AT }, audit('user.add', 'x')), conflict('email'));
    assert.equal((await store.findUserByEmail('alice@example.org'))?.passwordHash, 'scrypt$secret-hash');
    assert.equal(await store.findUserByEmail('bob@example.org'), undefined);
    const changed = await store.updateUser(alice.id, { passwordHash: 'scrypt$new-hash', disabled: true }, audit('user.update', 'alice@example.org'));
    assert.equal(changed?.disabled, true);
    assert.equal(await store.updateUser(alice.id + 100, { disabled: true }, audit('user.update', 'nobody')), undefined);
    const log = await store.listAudit(null);
    assert.deepEqual(log.items.map((e) => e.action), ['user.update', 'user.add']);
    assert.doesNotMatch(JSON.stringify(log.items), /hash/);
    assert.deepEqual(log.items[0]?.after, { name: 'Alice', operator: false, disabled: true, password: 'changed' });
    assert.equal((await store.listUsers()).items.length, 1);
  });

  withStore('accounts: memberships are set, changed and removed, each change audited once in its organisation', async (store) => {
    const org = await store.createOrganization({ slug: 'camden', name: 'Camden', at: AT });
    const user = await store.createUser({ email: 'a@camden.example', name: 'A', passwordHash: null, operator: false, at: AT }, audit('user.add', 'a'));
    assert.deepEqual(await store.setMembership(org.id, user.id, 'viewer', AT, audit('member.add', 'a', org.id)), {
      before: undefined,
      after: { organizationId: org.id, userId: user.id, role: 'viewer', createdAt: AT },
    });
    const same = await store.setMembership(org.id, user.id, 'viewer', AT, audit('member.role', 'a', org.id));
    assert.equal(same.after?.role, 'viewer');
    await store.setMembership(org.id, user.id, 'admin', AT, audit('member.role', 'a', org.id));
    assert.equal((await store.getMembership(org.id, user.id))?.role, 'admin');
    const members = await store.listMembers(org.id);
    assert.deepEqual(members.items.map((m) => [m.email, m.role]), [['a@camden.example', 'admin']]);
    assert.deepEqual((await store.listUserMemberships(user.id)).map((m) => m.organizationId), [org.id]);
    await store.setMembership(org.id, user.id, null, AT, audit('member.remove', 'a', org.id));
    assert.equal(await store.getMembership(org.id, user.id), undefined);
    const log = await store.listAudit(org.id);
    assert.deepEqual(log.items.map((e) => [e.action, e.before, e.after]), [
      ['member.remove', { role: 'admin' }, null],
      ['member.role', { role: 'viewer' }, { role: 'admin' }],
      ['member.add', null, { role: 'viewer' }],
    ]);
    await assert.rejects(store.setMembership(org.id + 100, user.id, 'viewer', AT, audit('member.add', 'a')), (e) => e instanceof OutOfScopeError);
    await assert.rejects(store.setMembership(org.id, user.id + 100, 'viewer', AT, audit('member.add', 'a')), (e) => e instanceof OutOfScopeError);
    assert.equal((await store.listAudit(org.id)).items.length, 3);
  });

  withStore('accounts: sessions are found by hash, touched, and deleted when expired or idle', async (store) => {
    const user = await store.createUser({ email: 's@example.org', name: 'S', passwordHash: null, operator: false, at: AT }, audit('user.add', 's'));
    const hour = 3_600_000;
    await store.createSession({ tokenHash: 'h1', userId: user.id, createdAt: AT, lastSeenAt: AT, expiresAt: new Date(AT.getTime() + 12 * hour) });
    await store.createSession({ tokenHash: 'h2', userId: user.id, createdAt: AT, lastSeenAt: AT, expiresAt: new Date(AT.getTime() + hour) });
    await store.createSession({ tokenHash: 'h3', userId: user.id, createdAt: AT, lastSeenAt: AT, expiresAt: new Date(AT.getTime() + 12 * hour) });
    await store.touchSession('h1', new Date(AT.getTime() + 2 * hour));
    assert.deepEqual((await store.getSession('h1'))?.lastSeenAt, new Date(AT.getTime() + 2 * hour));
    assert.equal(await store.getSession('nope'), undefined);
    // Two hours on: h2 is past its absolute expiry, h3 idle for more than an hour; h1 was seen.
    assert.equal(await store.deleteExpiredSessions(new Date(AT.getTime() + 2 * hour), new Date(AT.getTime() + hour)), 2);
    assert.ok(await store.getSession('h1'));
    assert.equal(await store.getSession('h3'), undefined);
    await store.deleteSession('h1');
    assert.equal(await store.getSession('h1'), undefined);
    await store.createSession({ tokenHash: 'h4', userId: user.id, createdAt: AT, lastSeenAt: AT, expiresAt: AT });
    assert.equal(await store.deleteUserSessions(user.id), 1);
  });

  withStore('accounts: API tokens belong to one organisation, are revoked once, and never list their hash', async (store) => {
    const org = await store.createOrganization({ slug: 'camden', name: 'Camden', at: AT });
    const other = await store.createOrganization({ slug: 'other', name: 'Other', at: AT });
    const row = { id: 'abc123', secretHash: 'h', organizationId: org.id, name: 'ci', access: 'read' as const, createdBy: null, createdAt: AT, expiresAt: null, lastUsedAt: null, revokedAt: null };
    const token = await store.createApiToken(row, audit('token.add', 'abc123', org.id));
    assert.equal('secretHash' in token, false);
    assert.equal((await store.getApiToken('abc123'))?.secretHash, 'h');
    assert.deepEqual((await store.listApiTokens(org.id)).items.map((t) => t.id), ['abc123']);
    assert.deepEqual((await store.listApiTokens(other.id)).items, []);
    assert.doesNotMatch(JSON.stringify(await store.listApiTokens(org.id)), /secretHash/);
    assert.equal(await store.revokeApiToken(other.id, 'abc123', AT, audit('token.revoke', 'abc123', other.id)), undefined);
    const later = new Date(AT.getTime() + 1000);
    assert.deepEqual((await store.revokeApiToken(org.id, 'abc123', later, audit('token.revoke', 'abc123', org.id)))?.revokedAt, later);
    assert.deepEqual((await store.revokeApiToken(org.id, 'abc123', new Date(AT.getTime() + 5000), audit('token.revoke', 'abc123', org.id)))?.revokedAt, later);
    await store.touchApiToken('abc123', later);
    assert.deepEqual((await store.getApiToken('abc123'))?.lastUsedAt, later);
    assert.deepEqual((await store.listAudit(org.id)).items.map((e) => e.action), ['token.revoke', 'token.add']);
    assert.deepEqual((await store.listAudit(other.id)).items, []);
  });

  withStore('accounts: a proven claim assigns the domain; another organisation cannot prove the same domain', async (store) => {
    const org = await store.createOrganization({ slug: 'camden', name: 'Camden', at: AT });
    const other = await store.createOrganization({ slug: 'other', name: 'Other', at: AT });
    const claim = await store.claimDomain(org.id, 'camden.example', 'tok-1', AT, audit('domain.claim', 'camden.example', org.id));
    assert.equal(claim.verifiedAt, null);
    assert.equal((await store.claimDomain(org.id, 'camden.example', 'tok-2', AT, audit('domain.claim', 'camden.example', org.id))).token, 'tok-1');
    assert.deepEqual(await store.getDomainScope(org.id), { kind: 'domains', domains: [] });
    const failed = await store.recordDomainCheck(org.id, 'camden.example', { at: AT, proven: null, error: 'no TXT record' }, null);
    assert.equal(failed?.checkError, 'no TXT record');
    const proven = await store.recordDomainCheck(org.id, 'camden.example', { at: AT, proven: 'dns-txt', error: null }, audit('domain.verify', 'camden.example', org.id));
    assert.deepEqual([proven?.verifiedAt, proven?.method, proven?.checkError], [AT, 'dns-txt', null]);
    assert.deepEqual(await store.getDomainScope(org.id), { kind: 'domains', domains: ['camden.example'] });
    await store.claimDomain(other.id, 'camden.example', 'tok-3', AT, audit('domain.claim', 'camden.example', other.id));
    assert.deepEqual((await store.listClaimsOfDomain('camden.example')).map((c) => c.organizationId), [org.id, other.id]);
    await assert.rejects(store.recordDomainCheck(other.id, 'camden.example', { at: AT, proven: 'dns-txt', error: null }, null), conflict('domain'));
    assert.equal((await store.getDomainClaim(other.id, 'camden.example'))?.verifiedAt, null);
    assert.equal(await store.recordDomainCheck(org.id, 'nope.example', { at: AT, proven: 'dns-txt', error: null }, null), undefined);
    assert.deepEqual((await store.listDomainClaims(org.id)).items.map((c) => c.domain), ['camden.example']);
    assert.equal(await store.removeDomainClaim(org.id, 'camden.example', audit('domain.remove', 'camden.example', org.id)), true);
    assert.deepEqual(await store.getDomainScope(org.id), { kind: 'domains', domains: [] });
    assert.deepEqual((await store.listAudit(org.id)).items.map((e) => e.action), ['domain.remove', 'domain.verify', 'domain.claim']);
  });

  withStore('accounts: an organisation keeps the rua token it was first given, and is found by it', async (store) => {
    const org = await store.createOrganization({ slug: 'camden', name: 'Camden', at: AT });
    assert.equal(await store.ensureRuaToken(org.id, 'first'), 'first');
    assert.equal(await store.ensureRuaToken(org.id, 'second'), 'first');
    assert.equal((await store.findOrganizationByRuaToken('first'))?.slug, 'camden');
    assert.equal(await store.findOrganizationByRuaToken('second'), undefined);
    await assert.rejects(store.ensureRuaToken(org.id + 100, 'x'), (e) => e instanceof OutOfScopeError);
  });

  withStore('accounts: an invitation is accepted once, before it expires, unless revoked; it raises a role, never lowers it', async (store) => {
    const org = await store.createOrganization({ slug: 'camden', name: 'Camden', at: AT });
    const later = new Date(AT.getTime() + 86_400_000);
    const invite = (id: string, email: string, role: 'viewer' | 'admin') =>
      store.createInvitation({ id, organizationId: org.id, email, role, createdBy: null, createdAt: AT, expiresAt: later, acceptedAt: null, revokedAt: null }, `hash-${id}`, audit('invitation.add', email, org.id));
    await invite('i1', 'new@camden.example', 'viewer');
    assert.equal((await store.findInvitation('hash-i1'))?.email, 'new@camden.example');
    const accepted = await store.acceptInvitation('hash-i1', AT, { newUser: { name: 'New', passwordHash: 'h' } }, audit('invitation.accept', 'new@camden.example', org.id));
    assert.equal(accepted?.user.email, 'new@camden.example');
    assert.equal((await store.getMembership(org.id, accepted?.user.id ?? 0))?.role, 'viewer');
    assert.equal(await store.acceptInvitation('hash-i1', AT, { id: accepted?.user.id ?? 0 }, audit('x', 'x', org.id)), undefined, 'once only');
    // An existing member invited to a higher role is raised; to a lower one, left as is.
    await invite('i2', 'new@camden.example', 'admin');
    await store.acceptInvitation('hash-i2', AT, { id: accepted?.user.id ?? 0 }, audit('invitation.accept', 'x', org.id));
    assert.equal((await store.getMembership(org.id, accepted?.user.id ?? 0))?.role, 'admin');
    await invite('i3', 'new@camden.example', 'viewer');
    await store.acceptInvitation('hash-i3', AT, { id: accepted?.user.id ?? 0 }, audit('invitation.accept', 'x', org.id));
    assert.equal((await store.getMembership(org.id, accepted?.user.id ?? 0))?.role, 'admin');
    // Expired and revoked ones do nothing; a new user whose e-mail is taken is a conflict, and nothing is accepted.
    await invite('i4', 'late@camden.example', 'viewer');
    assert.equal(await store.acceptInvitation('hash-i4', later, { newUser: { name: 'Late', passwordHash: null } }, audit('x', 'x', org.id)), undefined);
    await invite('i5', 'gone@camden.example', 'viewer');
    assert.equal((await store.revokeInvitation(org.id, 'i5', AT, audit('invitation.revoke', 'gone', org.id)))?.revokedAt?.getTime(), AT.getTime());
    assert.equal(await store.acceptInvitation('hash-i5', AT, { newUser: { name: 'Gone', passwordHash: null } }, audit('x', 'x', org.id)), undefined);
    await invite('i6', 'new@camden.example', 'viewer');
    await assert.rejects(store.acceptInvitation('hash-i6', AT, { newUser: { name: 'Again', passwordHash: null } }, audit('x', 'x', org.id)), conflict('email'));
    assert.equal((await store.findInvitation('hash-i6'))?.acceptedAt, null);
    assert.deepEqual((await store.listInvitations(org.id)).items.map((i) => i.id), ['i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
    assert.equal(await store.revokeInvitation(org.id + 1, 'i6', AT, audit('x', 'x')), undefined);
  });
}
