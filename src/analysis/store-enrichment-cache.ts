/**
 * The enrichment cache kept in the store (table source_enrichments), so reverse DNS looked up by
 * one `dmarcpilot senders` run is reused by the next one and by `--offline` runs.
 */
import type { Store } from '../store/store.js';
import type { EnrichmentCache } from './enrich-sources.js';

/** An EnrichmentCache reading and writing the store's source enrichments. */
export function storeEnrichmentCache(store: Store): EnrichmentCache {
  return {
    get: (ips) => store.getSourceEnrichments(ips),
    put: (entries) => store.putSourceEnrichments(entries),
  };
}
