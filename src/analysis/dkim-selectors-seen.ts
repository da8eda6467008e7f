/**
 * The DKIM selectors receivers saw signing for a domain, from stored aggregate reports: the
 * selectors `dmarcpilot check` looks up besides those given and the provider defaults, so a
 * key that mail is really signed with is never missed.
 */
import type { Store } from '../store/store.js';

/** Selectors of signatures whose d= is `domain`, in reports for that policy domain since `since`, most used first. */
export async function collectDkimSelectors(store: Store, domain: string, since: Date, max = 20): Promise<string[]> {
  const counts = new Map<string, number>();
  const wanted = domain.toLowerCase();
  for await (const { record } of store.streamRecords({ domain: wanted, since })) {
    for (const auth of record.authDkim) {
      if (auth.domain !== wanted || auth.selector === null || auth.selector === '') continue;
      const selector = auth.selector.toLowerCase();
      counts.set(selector, (counts.get(selector) ?? 0) + record.count);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([selector]) => selector);
}
