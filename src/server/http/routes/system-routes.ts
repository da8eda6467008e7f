/** Health and the API's own description. */
import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_ORGANIZATION_ID } from '../../../app/accounts/default-organization.js';
import type { ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import { isInstanceOperator } from '../../../app/accounts/access.js';
import { constantTimeEqual } from '../../../core/secrets.js';
import { problemResponse } from '../problem-response.js';
import { errorResponses, jsonResponse } from '../schemas.js';

export const systemRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['system'],
      summary: 'Whether the service answers and its store is reachable (for load balancers and monitoring)',
      responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'Healthy'), ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      try {
        await c.var.services.accounts.root.getOrganization(DEFAULT_ORGANIZATION_ID);
      } catch {
        return problemResponse(c, 503, [{ code: 'store-unavailable', message: 'the store does not answer' }]);
      }
      return c.json({ status: 'ok' as const }, 200);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      tags: ['system'],
      summary: 'This API as an OpenAPI 3.1 document, generated from the schemas that validate its requests',
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'The document') },
    }),
    { kind: 'public' },
    (c) => c.json(c.var.openApi() as Record<string, unknown>, 200),
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['system'],
      summary: 'Prometheus metrics: for instance operators, or a scraper sending the metrics token as a bearer',
      responses: { 200: { description: 'The metrics, in the Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const { metrics, metricsToken } = c.var.services;
      if (metrics === undefined) return problemResponse(c, 404, [{ code: 'metrics-off', message: 'metrics are not collected here' }]);
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
      const allowed = isInstanceOperator(c.var.principal) || (metricsToken !== undefined && bearer !== undefined && constantTimeEqual(bearer, metricsToken));
      if (!allowed) return problemResponse(c, 401, [{ code: 'metrics-token-required', message: 'send the metrics token (http.metricsTokenFile) as `Authorization: Bearer …`, or sign in as an instance operator' }], { 'www-authenticate': 'Bearer realm="dmarcpilot metrics"' });
      return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
    },
  ),
];
