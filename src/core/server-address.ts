/**
 * A DNS server's address as `--resolver` and the configuration's `dns.servers` give it: an IP
 * address with an optional port (c-ares takes no host names). Pure, so the configuration loader
 * can check it before anything opens.
 */
import { canonicalizeIp } from './ip.js';

/** A parsed `HOST:PORT`, as c-ares wants it. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a server address: `192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:5353`, `2001:db8::53`.
 * Returns undefined when the text is not an IP address with an optional port (c-ares takes no names).
 */
export function parseServerAddress(text: string): ServerAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const hostPort = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  let host: string | undefined;
  let port = 53;
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (hostPort) {
    host = hostPort[1];
    if (hostPort[2] !== undefined) port = Number(hostPort[2]);
  } else {
    host = text; // a bare IPv6 address
  }
  const ip = host === undefined ? undefined : canonicalizeIp(host);
  if (!ip || (ip.version === 4 && bracketed) || port < 1 || port > 65535) return undefined;
  return { host: ip.ip, port };
}
