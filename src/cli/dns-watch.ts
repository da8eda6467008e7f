/**
 * What a command that looks sources up in DNS (`senders`, `plan`: reverse DNS of every source IP)
 * shows while DNS is slow: a progress line on a terminal (lookups answered and failed so far,
 * cleared as soon as no lookup is in flight, so it never mixes with the output), and, once the
 * first lookups have timed out, one notice naming the resolver and the way out (`--offline`: only
 * the reverse DNS that earlier runs cached). The resolver reports each answer it got from the
 * network (open-app's `onLookup`).
 */
import type { DnsAnswer } from '../core/dns-resolver.js';
import { printErr } from './output.js';
import type { ActivityProgress } from './progress.js';
import { createActivityProgress } from './progress.js';

/** Timeouts before the notice: one can be bad luck, a few mean the resolver does not answer. */
export const TIMEOUTS_BEFORE_NOTICE = 3;

export interface DnsWatch {
  readonly onLookup: (type: string) => (answer: DnsAnswer<unknown>) => void;
  /** The resolver's servers, for the notice (known once the application is open). */
  setServers(servers: readonly string[] | undefined): void;
  /** Clears the progress line. */
  done(): void;
}

export interface DnsWatchOptions {
  readonly write?: (text: string) => void;
  /** The progress line; default one on standard error when it is a terminal. */
  readonly progress?: ActivityProgress | undefined;
}

export function watchDns(command: string, options: DnsWatchOptions = {}): DnsWatch {
  const write = options.write ?? printErr;
  const progress = 'progress' in options ? options.progress : createActivityProgress();
  let servers: readonly string[] = [];
  let inFlight = 0;
  let answered = 0;
  let failed = 0;
  let timeouts = 0;
  let told = false;
  const n = (value: number): string => value.toLocaleString('en-GB');
  return {
    onLookup() {
      inFlight++;
      return (answer) => {
        inFlight--;
        if (answer.status === 'error') {
          failed++;
          if (answer.code === 'timeout') timeouts++;
        } else {
          answered++;
        }
        if (!told && timeouts >= TIMEOUTS_BEFORE_NOTICE) {
          told = true;
          progress?.clear();
          const where = servers.length > 0 ? ` (${servers.join(', ')})` : '';
          write(`dmarcpilot ${command}: DNS is not answering${where}: ${n(timeouts)} lookups timed out so far, so looking up every source may take a while; --offline uses only the reverse DNS earlier runs cached\n`);
        }
        // No lookup in flight: the work is over (or between steps), so nothing printed next meets the line.
        if (inFlight === 0) progress?.clear();
        else progress?.update(`dmarcpilot ${command}: DNS lookups: ${n(answered)} answered, ${n(failed)} failed${timeouts > 0 ? ` (${n(timeouts)} timed out)` : ''}, ${n(inFlight)} waiting`);
      };
    },
    setServers(list) {
      servers = list ?? [];
    },
    done() {
      progress?.clear();
    },
  };
}
