/**
 * The DKIM selectors receivers saw signing for a domain, from stored aggregate reports: the
 * selectors `dmarcpilot check` looks up besides those given and the provider defaults, so a
 * key that mail is really signed with is never missed. The store counts them from its rollups
 * (SenderStore.dkimSelectors); no record is streamed.
 */
import type { SenderStore } from '../store/store.js';

/** Selectors of signatures whose d= is `domain`, in reports for that policy domain since `since`, most used first. */
export function collectDkimSelectors(store: Pick<SenderStore, 'dkimSelectors'>, domain: string, since: Date, max = 20): Promise<string[]> {
  return store.dkimSelectors(domain.toLowerCase(), since, max);
}
