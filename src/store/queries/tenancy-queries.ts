/**
 * Organisations and the domains they own, for both dialects (sql/sql-program.ts). Conflicts
 * (a slug taken, a domain owned by another organisation) are found with ON CONFLICT DO NOTHING
 * and no row returned, never by reading a driver's error codes, so both dialects report them
 * alike and a concurrent insert of the same slug or domain is refused, not an error.
 */
import type { DomainScope, Organization, Page, PageRequest } from '../store.js';
import { OutOfScopeError, StoreConflictError } from '../store.js';
import { pageFrom, pageKey, readPageRequest } from '../paging.js';
import { Conditions } from '../sql/conditions.js';
import type { Dialect } from '../sql/dialect.js';
import type { SqlProgram } from '../sql/sql-program.js';
import { rowOf, rowsOf } from '../sql/sql-program.js';

interface OrganizationRow {
  readonly id: unknown;
  readonly slug: string;
  readonly name: string;
  readonly all_domains: unknown;
  readonly created_at: unknown;
}

const COLUMNS = 'id, slug, name, all_domains, created_at';

function organizationFromRow(d: Dialect, row: OrganizationRow): Organization {
  return { id: d.readInt(row.id), slug: row.slug, name: row.name, allDomains: d.readBool(row.all_domains), createdAt: d.readTime(row.created_at) };
}

const ORGANIZATION_KEY = pageKey('organizations', ['int']);

export function* listOrganizations(d: Dialect, page: PageRequest | undefined): SqlProgram<Page<Organization>> {
  const query = readPageRequest(ORGANIZATION_KEY, page);
  const where = new Conditions();
  if (query.after !== undefined) where.add('id > ?', query.after[0]);
  const rows = yield* rowsOf<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations ${where.toString()} ORDER BY id LIMIT ?`, [...where.params, query.limit + 1]);
  return pageFrom(ORGANIZATION_KEY, query, rows, (row) => [d.readInt(row.id)], (row) => organizationFromRow(d, row));
}

export function* getOrganization(d: Dialect, id: number): SqlProgram<Organization | undefined> {
  const row = yield* rowOf<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE id = ?`, [id]);
  return row === undefined ? undefined : organizationFromRow(d, row);
}

export function* getOrganizationBySlug(d: Dialect, slug: string): SqlProgram<Organization | undefined> {
  const row = yield* rowOf<OrganizationRow>(`SELECT ${COLUMNS} FROM organizations WHERE slug = ?`, [slug]);
  return row === undefined ? undefined : organizationFromRow(d, row);
}

/** A new organisation sees only its own domains (allDomains is the default organisation's). */
export function* createOrganization(d: Dialect, input: { readonly slug: string; readonly name: string; readonly at: Date }): SqlProgram<Organization> {
  const row = yield* rowOf<OrganizationRow>(
    `INSERT INTO organizations (slug, name, all_domains, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING RETURNING ${COLUMNS}`,
    [input.slug, input.name, d.bool(false), d.time(input.at)],
  );
  if (row === undefined) throw new StoreConflictError('slug', `The slug "${input.slug}" is taken by another organisation.`);
  return organizationFromRow(d, row);
}

/** Runs in one transaction. Assigning a domain to the organisation that owns it already changes nothing. */
export function* assignDomain(d: Dialect, organizationId: number, domain: string): SqlProgram<void> {
  if ((yield* rowOf('SELECT 1 AS found FROM organizations WHERE id = ?', [organizationId])) === undefined) {
    throw new OutOfScopeError(`There is no organisation ${organizationId}.`);
  }
  const inserted = yield* rowOf('INSERT INTO organization_domains (domain, organization_id) VALUES (?, ?) ON CONFLICT (domain) DO NOTHING RETURNING domain', [domain, organizationId]);
  if (inserted !== undefined) return;
  const owner = yield* rowOf<{ organization_id: unknown }>('SELECT organization_id FROM organization_domains WHERE domain = ?', [domain]);
  if (owner !== undefined && d.readInt(owner.organization_id) !== organizationId) {
    throw new StoreConflictError('domain', `The domain ${domain} belongs to another organisation.`);
  }
}

const DOMAIN_KEY = pageKey('organization-domains', ['text']);

export function* listOrganizationDomains(d: Dialect, organizationId: number, page: PageRequest | undefined): SqlProgram<Page<string>> {
  const query = readPageRequest(DOMAIN_KEY, page);
  const where = new Conditions().add('organization_id = ?', organizationId);
  if (query.after !== undefined) where.add(`${d.binary('domain')} > ?`, query.after[0]);
  const rows = yield* rowsOf<{ domain: string }>(
    `SELECT domain FROM organization_domains ${where.toString()} ORDER BY ${d.binary('domain')} LIMIT ?`,
    [...where.params, query.limit + 1],
  );
  return pageFrom(DOMAIN_KEY, query, rows, (row) => [row.domain], (row) => row.domain);
}

/** Every domain at once: a scope is applied whole (scoped-store.ts). */
export function* getDomainScope(d: Dialect, organizationId: number): SqlProgram<DomainScope | undefined> {
  const organization = yield* getOrganization(d, organizationId);
  if (organization === undefined) return undefined;
  if (organization.allDomains) return { kind: 'all' };
  const rows = yield* rowsOf<{ domain: string }>(`SELECT domain FROM organization_domains WHERE organization_id = ? ORDER BY ${d.binary('domain')}`, [organizationId]);
  return { kind: 'domains', domains: rows.map((row) => row.domain) };
}
