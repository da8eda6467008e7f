/**
 * Single sign-on with an OpenID provider (docs/api.md, "Single sign-on (OIDC)"): `login` sends the browser to the
 * provider, `callback` takes it back, checks everything (oidc-client.ts), signs the user in as
 * local sign-in does (the same session cookie) and redirects to `/`. Both are public; without
 * `http.oidc` they answer 404 `oidc-not-configured`. Problems are problem+json, never a 500.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { signInWithOidc } from '../../../app/accounts/oidc.js';
import { isAppError, notFound } from '../../../app/problems.js';
import { safeText } from '../../../core/safe-text.js';
import type { ApiContext, ApiRoute } from '../api-route.js';
import { apiRoute } from '../api-route.js';
import type { OidcClient } from '../oidc-client.js';
import { OIDC_COOKIE_PATH, OIDC_LOGIN_COOKIE, OIDC_LOGIN_SECONDS } from '../oidc-client.js';
import { SESSION_COOKIE } from '../session-cookie.js';
import { errorResponses } from '../schemas.js';

function oidcOf(c: ApiContext): OidcClient {
  const oidc = c.var.services.oidc;
  if (oidc === undefined) throw notFound('oidc-not-configured', undefined, 'single sign-on is not configured here (http.oidc, docs/api.md, "Single sign-on (OIDC)")');
  return oidc;
}

const text = (max: number) => z.string().max(max).optional();

export const oidcRoutes: readonly ApiRoute[] = [
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/oidc/login',
      tags: ['session'],
      summary: 'Single sign-on: redirects to the OpenID provider (code flow with PKCE); its callback signs in and redirects to /',
      responses: { 302: { description: 'To the provider, with a short-lived HttpOnly cookie holding the sign-in under way' }, ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const oidc = oidcOf(c);
      const { url, cookie } = await oidc.begin(c.var.services.accounts.now());
      setCookie(c, OIDC_LOGIN_COOKIE, cookie, { httpOnly: true, sameSite: 'Lax', secure: c.var.services.secureCookies, path: OIDC_COOKIE_PATH, maxAge: OIDC_LOGIN_SECONDS });
      return c.redirect(url.href, 302);
    },
  ),
  apiRoute(
    createRoute({
      method: 'get',
      path: '/api/v1/oidc/callback',
      tags: ['session'],
      summary: "Single sign-on: the provider's redirect back; sets the session cookie and redirects to /",
      request: {
        query: z.object({
          code: text(2048),
          state: text(512),
          iss: text(2048),
          error: text(256),
          error_description: text(2048),
          error_uri: text(2048),
          session_state: text(512),
        }),
      },
      responses: { 302: { description: 'Signed in: to /, with the session cookie' }, ...errorResponses },
    }),
    { kind: 'public' },
    async (c) => {
      const oidc = oidcOf(c);
      const services = c.var.services;
      const cookie = getCookie(c, OIDC_LOGIN_COOKIE);
      // The sign-in under way is used once, whatever happens next.
      if (cookie !== undefined) deleteCookie(c, OIDC_LOGIN_COOKIE, { path: OIDC_COOKIE_PATH, secure: services.secureCookies });
      const claims = await oidc.finish(new URL(c.req.url).searchParams, cookie, services.accounts.now());
      let signedIn: Awaited<ReturnType<typeof signInWithOidc>>;
      try {
        signedIn = await signInWithOidc(services.accounts, oidc.settings, claims);
      } catch (caught) {
        if (isAppError(caught)) services.log(`oidc: sign-in${typeof claims['email'] === 'string' ? ` of ${safeText(claims['email']).slice(0, 254)}` : ''} refused: ${caught.code}`);
        throw caught;
      }
      for (const warning of signedIn.warnings) services.log(`oidc: ${warning}`);
      if (signedIn.changes.length > 0) services.log(`oidc: ${signedIn.user.email} signed in: ${signedIn.changes.join('; ')}`);
      setCookie(c, SESSION_COOKIE, signedIn.sessionToken, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: services.secureCookies,
        path: '/',
        expires: signedIn.expiresAt,
      });
      return c.redirect('/', 302);
    },
  ),
];
