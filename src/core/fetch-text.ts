/**
 * The HTTPS interface the MTA-STS check is given (docs/architecture.md: I/O is passed in): one
 * GET of a small text resource. The real fetcher (src/dns/https-fetch.ts) verifies TLS, follows
 * no redirects (RFC 8461 §3.3) and bounds time and size; tests pass a fake.
 */

export type FetchTextResult =
  /** An HTTP response of any status (a redirect is returned as it is, not followed). */
  | { readonly status: 'ok'; readonly httpStatus: number; readonly contentType: string | undefined; readonly body: string }
  /** No response: DNS, connection, TLS verification, timeout or size limit. */
  | { readonly status: 'error'; readonly message: string };

export type FetchText = (url: string) => Promise<FetchTextResult>;
