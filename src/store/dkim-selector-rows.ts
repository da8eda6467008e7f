/**
 * The DKIM selectors seen for a domain (SenderStore.dkimSelectors), folded from grouped rows the
 * same way in both stores: each row is one distinct auth_results/dkim list (JSON text) with its
 * messages, grouped by the store (SQLite from its sender rollup, PostgreSQL in one query), so a
 * few distinct texts are parsed, not every record. The counting is that of
 * analysis/dkim-selectors-seen.ts before it asked the store: every signature whose d= is the
 * domain adds the record's messages to its selector (lower case); empty selectors are skipped;
 * most messages first, ties by name (localeCompare), at most `max`.
 */
import type { AggregateRecord } from '../reports/aggregate/aggregate-report.js';

export interface DkimListRow {
  readonly dkim_json: string;
  readonly messages: number | string;
}

export function foldDkimSelectors(rows: Iterable<DkimListRow>, domain: string, max: number): string[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const messages = Number(row.messages);
    let signatures: AggregateRecord['authDkim'];
    try {
      const parsed = JSON.parse(row.dkim_json) as unknown;
      signatures = Array.isArray(parsed) ? (parsed as AggregateRecord['authDkim']) : [];
    } catch {
      continue;
    }
    for (const auth of signatures) {
      if (auth.domain !== domain || typeof auth.selector !== 'string' || auth.selector === '') continue;
      const selector = auth.selector.toLowerCase();
      counts.set(selector, (counts.get(selector) ?? 0) + messages);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, Math.max(0, max)).map(([selector]) => selector);
}
