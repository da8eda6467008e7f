/**
 * Schemas shared by the routes: path parameters, paging and export query parameters, the
 * problem document, and list responses. Request schemas validate (and coerce query strings);
 * response schemas document (they are not checked at run time, so keep them to what handlers return).
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { csvCell } from '../../reports/output/aggregate-csv.js';
import type { Page } from '../../app/paging.js';
import { MAX_PAGE_LIMIT } from '../../app/paging.js';

export const OrgParam = z.string().min(1).max(63).openapi({ param: { name: 'org', in: 'path' }, example: 'camden', description: "The organisation's slug" });
export const DomainParam = z.string().min(1).max(253).openapi({ param: { name: 'domain', in: 'path' }, example: 'camden.gov.uk' });

export const orgParams = z.object({ org: OrgParam });
export const domainParams = z.object({ org: OrgParam, domain: DomainParam });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional().openapi({ description: `Items per page (1..${MAX_PAGE_LIMIT}, default 100)` }),
  after: z.string().max(2000).optional().openapi({ description: 'The `next` cursor of the previous page' }),
  format: z.enum(['json', 'csv']).optional().openapi({ description: 'csv: the page as CSV (RFC 4180), with the next cursor in the Link header' }),
});

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.object({ code: z.string(), field: z.string().optional(), message: z.string() })),
  })
  .openapi('Problem');

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

/** The error responses every route may give (the handlers' AppErrors and the access middleware). */
export const errorResponses = {
  400: problem('The request is not valid: every field at fault is named'),
  401: problem('No valid credentials'),
  403: problem('The caller may not do this'),
  404: problem('No such resource, or one the caller cannot see'),
  409: problem('Conflicts with what is stored'),
  429: problem('Too many attempts'),
  503: problem('The store or DNS is unavailable'),
} as const;

export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function pageSchema<S extends z.ZodType>(item: S, name: string) {
  return z.object({ items: z.array(item), next: z.string().nullable() }).openapi(name);
}

/** A JSON value the schema does not detail (analysis results documented in docs/). */
export const AnyObject = z.record(z.string(), z.unknown());

/** Dates in responses are ISO 8601 strings (JSON.stringify). */
export const IsoTime = z.string().openapi({ format: 'date-time' });

/** A page as JSON, or as CSV when asked (`format=csv`): one column per top-level field, nested values as JSON. */
export function listResponse<T>(c: Context, page: Page<T>, format: 'json' | 'csv' | undefined, row: (item: T) => Record<string, unknown> = (item) => item as Record<string, unknown>): Response {
  if (format !== 'csv') return c.json({ items: page.items, next: page.next ?? null });
  const rows = page.items.map(row);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'number') return csvCell(value);
    return csvCell(typeof value === 'string' ? value : JSON.stringify(value));
  };
  const lines = [columns.map((name) => csvCell(name)).join(','), ...rows.map((r) => columns.map((name) => cell(r[name])).join(','))];
  const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8' };
  if (page.next) {
    const next = new URL(c.req.url);
    next.searchParams.set('after', page.next);
    headers['link'] = `<${next.pathname}${next.search}>; rel="next"`;
  }
  return c.body(`${lines.join('\r\n')}\r\n`, 200, headers);
}
