/**
 * Reports: failure reports (as stored: redacted unless the operator keeps headers), TLS reports,
 * report upload through the one ingest path, and the quarantine, which belongs to the instance
 * (a refused input may hold any organisation's reports) and so to its operators (docs/api.md).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getFailureReport, getTlsReport, listAggregateReports, listFailureReports, listTlsReports } from '../../../app/reports.js';
import { dismissQuarantine, getQuarantineEntry, listQuarantine, readQuarantinedInput, retryQuarantine } from '../../../app/quarantine.js';
import type { QuarantineEntry } from '../../../app/quarantine.js';
import { invalid } from '../../../app/problems.js';
import { actorOf } from '../../../app/accounts/access.js';
import { listAudit } from '../../../app/accounts/accounts.js';
import type { ApiContext, ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import { problemResponse } from '../problem-response.js';
import { AnyObject, errorResponses, jsonResponse, listResponse, orgParams, pageQuery, pageSchema } from '../schemas.js';

const reportQuery = pageQuery.extend({
  domain: z.string().max(253).optional(),
  since: z.string().datetime({ offset: true }).or(z.string().date()).optional().openapi({ description: 'ISO 8601 date or time' }),
  until: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
});

const idParam = (name: string) => z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ param: { name, in: 'path' } });

function window(query: { since?: string | undefined; until?: string | undefined }) {
  return { ...(query.since !== undefined ? { since: new Date(query.since) } : {}), ...(query.until !== undefined ? { until: new Date(query.until) } : {}) };
}

const quarantineEntry = (e: QuarantineEntry) => ({
  id: e.id,
  source: e.source,
  code: e.code,
  message: e.message,
  receivedAt: e.receivedAt.toISOString(),
  state: e.state,
  rawSha256: e.raw.sha256,
  rawSize: e.raw.size,
  truncated: e.truncated ?? null,
});

/** Upload: the body is the report (any container dmarcpilot reads), or multipart/form-data with one `file`. */
async function uploadedBytes(c: ApiContext): Promise<{ name: string; bytes: Uint8Array } | Response> {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.formData();
    const file = form.get('file');
    if (file === null || typeof file === 'string') return problemResponse(c, 400, [{ code: 'upload-file-missing', field: 'body.file', message: 'a multipart upload needs one file in the field `file`' }]);
    return { name: file.name || 'upload', bytes: new Uint8Array(await file.arrayBuffer()) };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  return { name: c.req.header('x-filename')?.slice(0, 200) ?? 'upload', bytes };
}

/** An instance write, in the instance's audit log (organisation null). */
async function auditInstance(c: ApiContext, action: string, subject: string, after: unknown): Promise<void> {
  await c.var.services.accounts.root.appendAudit({ at: c.var.services.accounts.now(), organizationId: null, actor: actorOf(c.var.principal), action, subject, before: null, after });
}

export const reportRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/aggregate-reports',
      tags: ['reports'],
      summary: 'Aggregate reports of the organisation’s domains, one line each (reporter, report id, domain, period, policy, records, messages), newest stored first',
      request: { params: orgParams, query: reportQuery },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'AggregateReportPage'), 'A page of aggregate reports'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listAggregateReports(c.var.app, { ...window(query), ...(query.domain !== undefined ? { domain: query.domain } : {}) }, { limit: query.limit, after: query.after });
      return listResponse(c, page, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/failure-reports',
      tags: ['reports'],
      summary: 'Failure reports of the organisation’s domains, newest first (redacted as stored)',
      request: { params: orgParams, query: reportQuery.extend({ ip: z.string().max(64).optional() }) },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'FailureReportPage'), 'A page of failure reports'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listFailureReports(c.var.app, { ...window(query), ...(query.domain !== undefined ? { domain: query.domain } : {}), ...(query.ip !== undefined ? { sourceIp: query.ip } : {}) }, { limit: query.limit, after: query.after });
      return listResponse(c, page, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/failure-reports/{id}',
      tags: ['reports'],
      summary: 'One failure report',
      request: { params: z.object({ org: orgParams.shape.org, id: idParam('id') }) },
      responses: { 200: jsonResponse(AnyObject, 'The failure report'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => c.json(await getFailureReport(c.var.app, c.req.valid('param').id), 200),
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/tls-reports',
      tags: ['reports'],
      summary: 'TLS reports (RFC 8460) covering the organisation’s domains, newest first; only their policies are shown',
      request: { params: orgParams, query: reportQuery },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'TlsReportPage'), 'A page of TLS reports'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listTlsReports(c.var.app, { ...window(query), ...(query.domain !== undefined ? { domain: query.domain } : {}) }, { limit: query.limit, after: query.after });
      return listResponse(c, page, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/tls-reports/{id}',
      tags: ['reports'],
      summary: 'One TLS report',
      request: { params: z.object({ org: orgParams.shape.org, id: idParam('id') }) },
      responses: { 200: jsonResponse(AnyObject, 'The TLS report'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => c.json(await getTlsReport(c.var.app, c.req.valid('param').id), 200),
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/reports',
      tags: ['reports'],
      summary: 'Upload a report (XML, gzip, zip, an e-mail, an mbox; or multipart/form-data with `file`), stored as if it came by SMTP',
      description: 'The same limits as the SMTP listener: past them 413. Reports for domains the organisation has not proven are stored, and shown to it once it proves them.',
      request: { params: orgParams },
      responses: { 200: jsonResponse(z.object({ newReports: z.number().int(), duplicateReports: z.number().int(), records: z.number().int(), rejected: z.number().int() }), 'Stored'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'analyse' },
    async (c) => {
      const upload = await uploadedBytes(c);
      if (upload instanceof Response) return upload;
      if (upload.bytes.length === 0) throw invalid('upload-empty', 'body', 'the upload is empty');
      const who = c.var.principal.kind === 'user' ? `user:${c.var.principal.userId}` : c.var.principal.kind === 'token' ? `token:${c.var.principal.tokenId}` : 'anonymous';
      const outcome = await c.var.services.upload(c.var.app, `http:${c.var.organization.slug}:${who}:${upload.name}`, upload.bytes);
      await c.var.services.accounts.root.appendAudit({ at: c.var.services.accounts.now(), organizationId: c.var.organization.id, actor: actorOf(c.var.principal), action: 'reports.upload', subject: upload.name, before: null, after: { bytes: upload.bytes.length, ...outcome } });
      return c.json(outcome, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/quarantine',
      tags: ['quarantine'],
      summary: 'Refused inputs with their reasons, oldest first (instance operators)',
      request: { query: pageQuery.extend({ state: z.enum(['open', 'resolved', 'dismissed', 'all']).optional() }) },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'QuarantinePage'), 'A page of entries'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listQuarantine(c.var.app, { state: query.state ?? 'open' }, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map(quarantineEntry), next: page.next }, query.format);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/quarantine/{id}',
      tags: ['quarantine'],
      summary: 'One quarantine entry',
      request: { params: z.object({ id: idParam('id') }) },
      responses: { 200: jsonResponse(AnyObject, 'The entry'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => c.json(quarantineEntry(await getQuarantineEntry(c.var.app, c.req.valid('param').id)), 200),
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/quarantine/{id}/raw',
      tags: ['quarantine'],
      summary: 'The bytes of the refused input, as a download',
      request: { params: z.object({ id: idParam('id') }) },
      responses: { 200: { description: 'The input', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } }, ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const { entry, bytes } = await readQuarantinedInput(c.var.app, c.req.valid('param').id);
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="quarantine-${entry.id}.bin"` });
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/quarantine/{id}/retry',
      tags: ['quarantine'],
      summary: 'Read the input again with this version of dmarcpilot; resolved when it is now stored',
      request: { params: z.object({ id: idParam('id') }) },
      responses: { 200: jsonResponse(AnyObject, 'The outcome'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const id = c.req.valid('param').id;
      const [outcome] = await retryQuarantine(c.var.app, { ids: [id] });
      await auditInstance(c, 'quarantine.retry', `quarantine:${id}`, outcome ?? null);
      return c.json(outcome ?? {}, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/quarantine/{id}/dismiss',
      tags: ['quarantine'],
      summary: 'Dismiss the entry (its input is not a report, or not wanted)',
      request: { params: z.object({ id: idParam('id') }) },
      responses: { 200: jsonResponse(AnyObject, 'The entry'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const id = c.req.valid('param').id;
      const [entry] = await dismissQuarantine(c.var.app, [id]);
      await auditInstance(c, 'quarantine.dismiss', `quarantine:${id}`, entry ? { state: entry.state } : null);
      return c.json(entry ? quarantineEntry(entry) : {}, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/audit',
      tags: ['audit'],
      summary: "The instance's own audit log, newest first: users and organisations added, quarantine actions (instance operators)",
      request: { query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'InstanceAuditPage'), 'A page of the audit log'), ...errorResponses },
    }),
    { kind: 'instance' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listAudit(c.var.services.accounts, c.var.principal, null, { limit: query.limit, after: query.after });
      return listResponse(c, { items: page.items.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, subject: e.subject, before: e.before, after: e.after })), next: page.next }, query.format);
    },
  ),
];
