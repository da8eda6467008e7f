/**
 * `dmarcpilot summary [--domain D] [--since 30d] [--json]`: per policy domain over the window,
 * messages, DMARC pass share, dispositions, top sources and reporters (app/summaries.ts).
 */
import type { Command } from 'commander';
import type { DomainSummary } from '../app/summaries.js';
import { summarizeDomains } from '../app/summaries.js';
import { addStoreOptions, withReadApp } from './app-runner.js';
import { printJson, printOut, safe, safeText } from './output.js';
import { parseTimeOption } from './time-options.js';

interface SummaryOptions {
  db?: string;
  config?: string;
  domain?: string;
  since: Date;
  json?: boolean;
}

function render(summaries: readonly DomainSummary[], from: string): string {
  if (summaries.length === 0) return `No reports since ${from}.\n`;
  const n = (value: number): string => value.toLocaleString('en-GB');
  return summaries
    .map((s) => {
      const dispositions = Object.entries(s.dispositions).map(([name, count]) => safe`${name} ${n(count)}`).join(', ');
      const ranked = (list: DomainSummary['topSources']): string => list.map((r) => safe`${r.name} (${n(r.messages)})`).join(', ');
      return (
        `${safeText(s.domain)}: ${n(s.messages)} messages since ${from}, ${(s.passShare * 100).toFixed(1)}% pass DMARC\n` +
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
    .option('--since <time>', 'window start: 30d, 12h, 2w or a date (whole UTC days)', (text) => parseTimeOption(text), undefined)
    .option('--json', 'print JSON');
  addStoreOptions(summary).action((options: SummaryOptions) =>
    withReadApp('summary', options, setStatus, async (app) => {
      const since = options.since ?? parseTimeOption('30d', app.context.now());
      const result = await summarizeDomains(app.context, { since, ...(options.domain !== undefined ? { domain: options.domain } : {}) });
      if (options.json) printJson(result);
      else printOut(render(result.domains, result.since));
      return 0;
    }),
  );
}
