/**
 * `dmarcpilot summary [--domain D] [--since 30d] [--json]`: per policy domain over the window,
 * messages, DMARC pass share, dispositions, top sources and reporters.
 */
import type { Command } from 'commander';
import type { DomainSummary } from '../analysis/summarize-domains.js';
import { summarizeDomains } from '../analysis/summarize-domains.js';
import { addDbOption, withStore } from './store-options.js';
import { parseTimeOption } from './time-options.js';

const DAY = 86400;

interface SummaryOptions {
  db?: string;
  domain?: string;
  since: string;
  json?: boolean;
}

function render(summaries: readonly DomainSummary[], from: string): string {
  if (summaries.length === 0) return `No reports since ${from}.\n`;
  const n = (value: number): string => value.toLocaleString('en-GB');
  return summaries
    .map((s) => {
      const dispositions = Object.entries(s.dispositions).map(([name, count]) => `${name} ${n(count)}`).join(', ');
      const ranked = (list: DomainSummary['topSources']): string => list.map((r) => `${r.name} (${n(r.messages)})`).join(', ');
      return (
        `${s.domain}: ${n(s.messages)} messages since ${from}, ${(s.passShare * 100).toFixed(1)}% pass DMARC\n` +
        `  dispositions: ${dispositions}\n  top sources: ${ranked(s.topSources)}\n  top reporters: ${ranked(s.topReporters)}\n`
      );
    })
    .join('');
}

export function registerSummaryCommand(program: Command, setStatus: (code: number) => void): void {
  const summary = program
    .command('summary')
    .description('Per policy domain over a window: messages, DMARC pass share, dispositions, top sources and reporters.')
    .option('--domain <domain>', 'only this policy domain')
    .option('--since <time>', 'window start: 30d, 12h, 2w or a date (whole UTC days)', '30d')
    .option('--json', 'print JSON');
  addDbOption(summary).action((options: SummaryOptions) => {
    const since = parseTimeOption(options.since);
    const fromDay = Math.floor(since.getTime() / 1000 / DAY) * DAY;
    return withStore('summary', options, setStatus, async (store) => {
        const filter = { since: new Date(fromDay * 1000), ...(options.domain ? { domain: options.domain.toLowerCase() } : {}) };
        const summaries = await summarizeDomains(store.streamRecords(filter), { fromDay, toDay: Number.MAX_SAFE_INTEGER });
        const from = new Date(fromDay * 1000).toISOString().slice(0, 10);
        process.stdout.write(options.json ? `${JSON.stringify({ since: from, domains: summaries })}\n` : render(summaries, from));
      return 0;
    });
  });
}
