/**
 * `--resolver HOST:PORT` (repeatable, or comma-separated) and `--timeout MS`, shared by every
 * command that asks DNS (check, senders, plan), and the resolver they make: node:dns through the
 * given servers (default: the system's), with one answer cache for the run.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Resolver } from '../core/dns-resolver.js';
import { createCachingResolver } from '../dns/caching-resolver.js';
import { createNodeResolver, parseServerAddress } from '../dns/node-resolver.js';
import { parsePositiveInteger } from './limit-options.js';

export interface ResolverOptions {
  resolver?: string[];
  timeout: number;
}

/** Adds the two options; `what` says what DNS is asked for, in the help. */
export function addResolverOptions(command: Command, what: string): Command {
  return command
    .option('--resolver <host:port>', `DNS server to ask ${what}, e.g. 192.0.2.53 or 127.0.0.1:5353; repeat for fallbacks (default: the system resolvers)`, collectServers, undefined)
    .option('--timeout <ms>', 'time one DNS server gets for one attempt', parsePositiveInteger, 2000);
}

/** The resolver the options name; a server that is not an IP address is a usage error (exit 2). */
export function resolverFrom(command: Command, options: ResolverOptions): Resolver {
  const bad = (options.resolver ?? []).find((server) => parseServerAddress(server) === undefined);
  if (bad !== undefined) command.error(`error: --resolver: "${bad}" is not an IP address with an optional port`, { exitCode: 2 });
  return createCachingResolver(createNodeResolver({ ...(options.resolver ? { servers: options.resolver } : {}), timeoutMs: options.timeout }));
}

function collectServers(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new InvalidArgumentError('give HOST or HOST:PORT');
  return [...(previous ?? []), ...value.split(',').map((server) => server.trim())];
}
