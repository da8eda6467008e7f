/**
 * Whole exports of an organisation's reports, streamed (flat memory however many there are):
 * aggregate records, failure reports and TLS reports as JSON lines or CSV, the same rows as
 * `dmarcpilot export` writes. And the DNS checks of a domain: their history, and one run now.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { checkDomains, listDomainChecks } from '../../../app/check-domains.js';
import { FAILURE_CSV_HEADER, TLS_CSV_HEADER, failureCsvRow, failureJsonLine, tlsCsvRows, tlsJsonLine } from '../../../app/report-rows.js';
import { streamFailureReports, streamRecords, streamTlsReports } from '../../../app/reports.js';
import { CSV_HEADER, RecordCsvFormatter } from '../../../reports/output/aggregate-csv.js';
import { RecordLineFormatter } from '../../../reports/output/aggregate-json.js';
import type { ApiContext, ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import { AnyObject, errorResponses, jsonResponse, listResponse, domainParams, orgParams, pageQuery, pageSchema } from '../schemas.js';

const exportQuery = z.object({
  format: z.enum(['jsonl', 'csv']).optional().openapi({ description: 'jsonl (default) or csv' }),
  domain: z.string().max(253).optional(),
  since: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
  until: z.string().datetime({ offset: true }).or(z.string().date()).optional(),
});

type ExportQuery = z.infer<typeof exportQuery>;

function queryOf(q: ExportQuery) {
  return { ...(q.domain !== undefined ? { domain: q.domain } : {}), ...(q.since !== undefined ? { since: new Date(q.since) } : {}), ...(q.until !== undefined ? { until: new Date(q.until) } : {}) };
}

const streamed = (description: string) => ({
  description,
  content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } },
});

/**
 * Streams `lines` as the response. The first line is read before answering, so a query the
 * application refuses (a bad domain, an organisation's domain it cannot see) is a problem, not a
 * truncated 200.
 */
async function streamLines(c: ApiContext, format: 'jsonl' | 'csv', name: string, lines: AsyncIterator<string>): Promise<Response> {
  const first = await lines.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(first.value));
    },
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (caught) {
        c.var.services.log(`export ${name}: ${caught instanceof Error ? caught.message : String(caught)}`);
        controller.error(caught);
      }
    },
    async cancel() {
      await lines.return?.();
    },
  });
  const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
  return new Response(body, { status: 200, headers: { 'content-type': type, 'content-disposition': `attachment; filename="${c.var.organization.slug}-${name}.${format === 'csv' ? 'csv' : 'jsonl'}"` } });
}

/** The query is checked (streamRecords throws at once) before the handler answers. */
function recordLines(c: ApiContext, q: ExportQuery): AsyncGenerator<string> {
  return formatRecords(streamRecords(c.var.app, queryOf(q)), q.format === 'csv');
}

async function* formatRecords(records: ReturnType<typeof streamRecords>, csv: boolean): AsyncGenerator<string> {
  if (csv) yield CSV_HEADER;
  let last: unknown;
  let line: (record: Parameters<RecordCsvFormatter['line']>[0]) => string = () => '';
  for await (const stored of records) {
    if (stored.header !== last) {
      last = stored.header;
      const formatter = csv ? new RecordCsvFormatter(stored.header, stored.source) : new RecordLineFormatter(stored.header, stored.source);
      line = (record) => formatter.line(record);
    }
    yield line(stored.record);
  }
}

async function* rows<T>(items: AsyncIterable<T>, header: string, row: (item: T) => string): AsyncGenerator<string> {
  if (header !== '') yield header;
  for await (const item of items) yield row(item);
}

export const exportRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/exports/records',
      tags: ['exports'],
      summary: 'Every aggregate record of the organisation’s domains, streamed: JSON lines or CSV (the columns of `parse --format csv`)',
      request: { params: orgParams, query: exportQuery },
      responses: { 200: streamed('The records'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const q = c.req.valid('query');
      return streamLines(c, q.format ?? 'jsonl', 'records', recordLines(c, q));
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/exports/failure-reports',
      tags: ['exports'],
      summary: 'Every failure report of the organisation’s domains, as stored, streamed: JSON lines or CSV',
      request: { params: orgParams, query: exportQuery },
      responses: { 200: streamed('The failure reports'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const q = c.req.valid('query');
      const csv = q.format === 'csv';
      return streamLines(c, q.format ?? 'jsonl', 'failure-reports', rows(streamFailureReports(c.var.app, queryOf(q)), csv ? FAILURE_CSV_HEADER : '', csv ? failureCsvRow : failureJsonLine));
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/exports/tls-reports',
      tags: ['exports'],
      summary: 'Every TLS report covering the organisation’s domains (its policies only), streamed: JSON lines, or CSV with one row per policy',
      request: { params: orgParams, query: exportQuery },
      responses: { 200: streamed('The TLS reports'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const q = c.req.valid('query');
      const csv = q.format === 'csv';
      return streamLines(c, q.format ?? 'jsonl', 'tls-reports', rows(streamTlsReports(c.var.app, queryOf(q)), csv ? TLS_CSV_HEADER : '', csv ? tlsCsvRows : tlsJsonLine));
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/organizations/{org}/domains/{domain}/checks',
      tags: ['checks'],
      summary: 'The saved DNS checks of the domain, newest first (each the result `dmarcpilot check --json` prints)',
      request: { params: domainParams, query: pageQuery },
      responses: { 200: jsonResponse(pageSchema(AnyObject, 'CheckPage'), 'A page of checks'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'read' },
    async (c) => {
      const query = c.req.valid('query');
      const page = await listDomainChecks(c.var.app, c.req.valid('param').domain, { limit: query.limit, after: query.after });
      return listResponse(c, page, query.format, (e) => ({ domain: e.domain, checkedAt: e.checkedAt, errors: e.errors, warnings: e.warnings }));
    },
  ),
  apiRoute(
    createRoute({
      method: 'post',
      path: '/api/v1/organizations/{org}/domains/{domain}/checks',
      tags: ['checks'],
      summary: 'Check the domain’s DNS now (DMARC, SPF, DKIM with the selectors seen in reports, MX, MTA-STS, TLS-RPT, BIMI) and save the result',
      request: { params: domainParams },
      responses: { 200: jsonResponse(AnyObject, 'The check (docs/findings.md)'), ...errorResponses },
    }),
    { kind: 'organization', permission: 'analyse' },
    async (c) => {
      const { domain } = c.req.valid('param');
      // The domain must be the organisation's before anything is looked up in DNS.
      await listDomainChecks(c.var.app, domain, { limit: 1 });
      const run = checkDomains(c.var.app, [domain], { useStore: true });
      for await (const outcome of run.outcomes) {
        if (outcome.status === 'checked') return c.json(outcome.result, 200);
        throw new Error(`the check of ${outcome.domain} failed: ${outcome.message}`);
      }
      throw new Error(`the check of ${domain} gave no result`);
    },
  ),
];
