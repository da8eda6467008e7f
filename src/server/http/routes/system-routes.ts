/** Health and the API's own description. */
import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_ORGANIZATION_ID } from '../../../app/accounts/default-organization.js';
import type { ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
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
];
