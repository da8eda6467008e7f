/**
 * The real `FetchText` for the MTA-STS policy file: one HTTPS GET with the certificate verified
 * against the host name (RFC 8461 §3.3), redirects returned as they are and never followed
 * (§3.3), no caching, a deadline for the whole exchange and a size cap on the body (64 KiB by
 * default), so a hostile or broken server can neither hold a check nor fill memory.
 */
import { request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { FetchText, FetchTextResult } from '../core/fetch-text.js';

export interface HttpsFetchOptions {
  /** Deadline for connect, TLS, headers and body together, in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /** Largest body accepted, in bytes (default 65536). */
  readonly maxBytes?: number;
  /** Extra trusted CA certificates (PEM), e.g. a test certificate; the system CAs are used otherwise. */
  readonly ca?: string | readonly string[];
  /**
   * Where to connect instead of the URL's host (tests: a server on loopback). The certificate is
   * still checked against the URL's host name, and the Host header and SNI keep it.
   */
  readonly connectTo?: (hostname: string) => { readonly host: string; readonly port: number } | undefined;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
export const DEFAULT_FETCH_MAX_BYTES = 64 * 1024;

/** An HTTPS text fetcher with these limits. */
export function createHttpsFetcher(options: HttpsFetchOptions = {}): FetchText {
  return (url) => fetchText(url, options);
}

function fetchText(url: string, options: HttpsFetchOptions): Promise<FetchTextResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ status: 'error', message: `"${url}" is not a URL` });
  }
  if (target.protocol !== 'https:') return Promise.resolve({ status: 'error', message: `only https: URLs are fetched, not ${target.protocol}` });
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
  const hostname = target.hostname.replace(/^\[|\]$/g, '');
  const connect = options.connectTo?.(hostname);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: FetchTextResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({
      host: connect?.host ?? hostname,
      port: connect?.port ?? (target.port === '' ? 443 : Number(target.port)),
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      servername: hostname,
      headers: { host: target.host, accept: 'text/plain', 'user-agent': 'dmarcpilot (MTA-STS policy check)', 'cache-control': 'no-cache' },
      agent: false,
      ...(options.ca !== undefined ? { ca: typeof options.ca === 'string' ? options.ca : [...options.ca] } : {}),
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => finish({ status: 'error', message: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (err: Error & { code?: string }) => finish({ status: 'error', message: describeError(err) }));
    req.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish({ status: 'error', message: `the body is ${declared} bytes, more than the limit of ${maxBytes}` });
        return;
      }
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) finish({ status: 'error', message: `the body is more than the limit of ${maxBytes} bytes` });
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const contentType = response.headers['content-type'];
        finish({ status: 'ok', httpStatus: response.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (err: Error) => finish({ status: 'error', message: describeError(err) }));
    });
    req.end();
  });
}

function describeError(err: Error & { code?: string }): string {
  const code = err.code ?? '';
  if (code.startsWith('ERR_TLS_') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code)) return `TLS certificate verification failed (${code}: ${err.message})`;
  if (code === 'ENOTFOUND') return `the host name does not resolve (${err.message})`;
  if (code === 'ECONNREFUSED') return `the connection was refused (${err.message})`;
  return code ? `${code}: ${err.message}` : err.message;
}
