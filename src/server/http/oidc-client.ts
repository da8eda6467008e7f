/**
 * The OpenID Connect client of single sign-on (docs/api.md, "Single sign-on (OIDC)"), over openid-client: the
 * authorization code flow with PKCE (S256), state and nonce, and a confidential client
 * authenticated with client_secret_basic.
 *
 * - The provider's metadata is discovered at the first sign-in and kept for the life of the
 *   process; a discovery that fails is not kept (the next sign-in tries again), and a provider
 *   that cannot be reached is `unavailable` (503 `oidc-unavailable`).
 * - What the callback needs (state, nonce, PKCE verifier, the time it ends: 10 minutes) is kept
 *   in the browser, in a cookie sealed with AES-256-GCM under a key derived from the client
 *   secret (HKDF): no server-side state, and it survives a restart of the service. The cookie is
 *   HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), limited to
 *   /api/v1/oidc, and its state must equal the callback's.
 * - The code is exchanged at the token endpoint with the verifier; the ID token's issuer,
 *   audience, expiry, nonce and signature (the provider's JWKS) are checked. When it lacks the
 *   e-mail or groups claim, the userinfo endpoint fills them (its `sub` must match).
 * - Nothing secret is logged: not the client secret, the code, the tokens nor the verifier; the
 *   log says what the provider answered (its `error` and `error_description`) and why a check failed.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcSettings } from '../../app/http-settings.js';
import { invalid, isAppError, unauthenticated, unavailable } from '../../app/problems.js';
import { constantTimeEqual } from '../../core/secrets.js';
import { safeText } from '../../core/safe-text.js';

/** The cookie that carries a sign-in from /oidc/login to /oidc/callback. */
export const OIDC_LOGIN_COOKIE = 'dmarcpilot_oidc';
export const OIDC_COOKIE_PATH = '/api/v1/oidc';
/** How long a sign-in at the provider may take. */
export const OIDC_LOGIN_SECONDS = 600;
const HTTP_TIMEOUT_SECONDS = 10;

export interface OidcClient {
  readonly settings: OidcSettings;
  /** The provider's authorization URL for a new sign-in, and the sealed value of the login cookie. */
  begin(now: Date): Promise<{ readonly url: URL; readonly cookie: string }>;
  /**
   * The claims of the sign-in the provider's redirect (`query`) completes, verified, given the
   * login cookie of the browser. AppErrors: `oidc-bad-state` (400), `oidc-provider-error`,
   * `oidc-exchange-failed`, `oidc-userinfo-failed` (401), `oidc-unavailable` (503).
   */
  finish(query: URLSearchParams, cookie: string | undefined, now: Date): Promise<Record<string, unknown>>;
}

interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** ms since the epoch. */
  readonly until: number;
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
}

/** Text from the provider or an error, safe and short enough for one log line. */
function clip(text: unknown, max = 300): string {
  return safeText(String(text)).slice(0, max);
}

/** Whether the error is the network's (refused, reset, timed out, DNS), not an answer. */
function isNetworkError(caught: unknown): boolean {
  if (caught instanceof Error && (caught.name === 'TimeoutError' || caught.name === 'AbortError')) return true;
  if (caught instanceof TypeError && (caught.message === 'fetch failed' || caught.cause !== undefined)) return true;
  // The provider answered, but not as a provider does (5xx, an HTML error page): it is not working.
  return caught instanceof client.ClientError && (caught.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || caught.code === 'OAUTH_RESPONSE_IS_NOT_JSON');
}

/** Why a request to the provider failed, for the log: never a token or the secret (causes are left out, they may hold responses). */
function describe(caught: unknown): string {
  if (caught instanceof client.ResponseBodyError || caught instanceof client.AuthorizationResponseError) {
    return `the provider answered ${clip(caught.error, 100)}${caught.error_description ? ` (${clip(caught.error_description)})` : ''}`;
  }
  if (caught instanceof client.ClientError) {
    // The cause's message names the check that failed (`unexpected ID Token "nonce" claim value`); its own cause (the values) is left out.
    const check = caught.cause instanceof Error && caught.cause.message !== caught.message ? `: ${clip(caught.cause.message)}` : '';
    return `${clip(caught.message)}${check}${caught.code ? ` [${caught.code}]` : ''}`;
  }
  if (caught instanceof Error) {
    const cause = caught.cause instanceof Error ? `: ${clip((caught.cause as NodeJS.ErrnoException).code ?? caught.cause.message, 100)}` : '';
    return `${clip(caught.message)}${cause}`;
  }
  return clip(caught);
}

export function createOidcClient(settings: OidcSettings, clientSecret: string, log: (message: string) => void): OidcClient {
  const issuer = new URL(settings.issuer);
  const key = Buffer.from(hkdfSync('sha256', clientSecret, 'dmarcpilot', 'oidc login cookie v1', 32));
  // The cookie is bound to this provider and client: one sealed for another configuration does not open.
  const aad = Buffer.from(`${settings.issuer}\n${settings.clientId}\n${settings.redirectUri}`, 'utf8');
  let discovered: Promise<client.Configuration> | undefined;

  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(issuer, settings.clientId, undefined, client.ClientSecretBasic(clientSecret), {
        // Plain HTTP only to a provider on this machine (config: http.oidc.issuer).
        execute: [...(issuer.protocol === 'http:' && isLoopback(issuer) ? [client.allowInsecureRequests] : []), client.enableNonRepudiationChecks],
        timeout: HTTP_TIMEOUT_SECONDS,
      })
      .catch((caught: unknown) => {
        discovered = undefined;
        log(`oidc: discovery of ${settings.issuer} failed: ${describe(caught)}`);
        throw unavailable('oidc-unavailable', 'the single sign-on provider cannot be reached or gave no valid configuration; try again later', caught);
      });
    return discovered;
  };

  const seal = (pending: PendingLogin): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  };

  const open = (sealed: string): PendingLogin | undefined => {
    try {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length < 29 || bytes.length > 2048) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(12, 28));
      const value = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as Partial<PendingLogin>;
      if (typeof value.state !== 'string' || typeof value.nonce !== 'string' || typeof value.verifier !== 'string' || typeof value.until !== 'number') return undefined;
      return { state: value.state, nonce: value.nonce, verifier: value.verifier, until: value.until };
    } catch {
      return undefined;
    }
  };

  /** An error of a request to the provider as the AppError to answer, logged. */
  const refusal = (what: string, code: string, caught: unknown) => {
    if (isAppError(caught)) return caught;
    log(`oidc: ${what} failed: ${describe(caught)}`);
    if (isNetworkError(caught)) return unavailable('oidc-unavailable', 'the single sign-on provider cannot be reached; try again later', caught);
    return unauthenticated(code, `single sign-on failed: ${what} was refused (the service log says why)`);
  };

  return {
    settings,
    async begin(now) {
      const config = await configuration();
      const pending: PendingLogin = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), until: now.getTime() + OIDC_LOGIN_SECONDS * 1000 };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes.join(' '),
        response_type: 'code',
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      });
      return { url, cookie: seal(pending) };
    },

    async finish(query, cookie, now) {
      const pending = cookie === undefined ? undefined : open(cookie);
      if (pending === undefined) throw invalid('oidc-bad-state', undefined, 'no single sign-on is under way in this browser: start again from /api/v1/oidc/login');
      if (now.getTime() > pending.until) throw invalid('oidc-bad-state', undefined, `the sign-in at the provider took longer than ${OIDC_LOGIN_SECONDS / 60} minutes: start again from /api/v1/oidc/login`);
      const state = query.get('state');
      if (state === null || !constantTimeEqual(state, pending.state)) {
        throw invalid('oidc-bad-state', 'query.state', "the callback's state is not the one this browser's sign-in sent: start again from /api/v1/oidc/login");
      }
      const error = query.get('error');
      if (error !== null) {
        const description = query.get('error_description');
        log(`oidc: the provider refused the sign-in: ${clip(error, 100)}${description ? ` (${clip(description)})` : ''}`);
        throw unauthenticated('oidc-provider-error', `the single sign-on provider refused the sign-in: ${clip(error, 100).replace(/[^A-Za-z0-9_.-]/g, '?')}`);
      }
      if (query.get('code') === null) throw invalid('oidc-bad-callback', 'query.code', 'the callback has neither a code nor an error');
      const config = await configuration();
      const callback = new URL(settings.redirectUri);
      callback.search = query.toString();
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      } catch (caught) {
        throw refusal('the code exchange', 'oidc-exchange-failed', caught);
      }
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw refusal('the code exchange', 'oidc-exchange-failed', new Error('no ID token'));
      let claims: Record<string, unknown> = { ...idClaims };
      const endpoint = config.serverMetadata().userinfo_endpoint;
      if ((claims['email'] === undefined || claims[settings.groupsClaim] === undefined) && endpoint !== undefined) {
        try {
          const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
          // The ID token's claims win; userinfo adds those it lacks.
          claims = { ...userinfo, ...claims };
        } catch (caught) {
          throw refusal('the userinfo request', 'oidc-userinfo-failed', caught);
        }
      }
      return claims;
    },
  };
}
