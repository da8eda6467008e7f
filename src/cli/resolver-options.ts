/**
 * `--resolver HOST:PORT` (repeatable, or comma-separated) and `--timeout MS`, shared by every
 * command that asks DNS (check, senders, plan). They win over the configuration's `dns` section;
 * the application builds the resolver from them (node:dns with one answer cache for the run).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ConfigFlags } from '../app/config.js';
import { parseServerAddress } from '../core/server-address.js';
import { parsePositiveInteger } from './limit-options.js';

export interface ResolverOptions {
  resolver?: string[];
  timeout?: number;
}

/** Adds the two options; `what` says what DNS is asked for, in the help. */
export function addResolverOptions(command: Command, what: string): Command {
  return command
    .option('--resolver <host:port>', `DNS server to ask ${what}, e.g. 192.0.2.53 or 127.0.0.1:5353; repeat for fallbacks (default: the system resolvers)`, collectServers, undefined)
    .option('--timeout <ms>', 'time one DNS server gets for one attempt (default 2000)', parsePositiveInteger);
}

/** The options as configuration flags; a server that is not an IP address is a usage error (exit 2). */
export function resolverFlags(command: Command, options: ResolverOptions): Pick<ConfigFlags, 'dnsServers' | 'dnsTimeoutMs'> {
  const bad = (options.resolver ?? []).find((server) => parseServerAddress(server) === undefined);
  if (bad !== undefined) command.error(`error: --resolver: "${bad}" is not an IP address with an optional port`, { exitCode: 2 });
  return { ...(options.resolver ? { dnsServers: options.resolver } : {}), ...(options.timeout !== undefined ? { dnsTimeoutMs: options.timeout } : {}) };
}

function collectServers(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new InvalidArgumentError('give HOST or HOST:PORT');
  return [...(previous ?? []), ...value.split(',').map((server) => server.trim())];
}
