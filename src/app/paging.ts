/**
 * Paged lists as the application core returns them (`Page` with an opaque `next` cursor, from a
 * `PageRequest`), and a helper for callers that want every item: the CLI's full listings, a
 * retry of every open entry, an export.
 */
import type { Page, PageRequest } from '../store/store.js';

export type { Page, PageRequest } from '../store/store.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../store/store.js';

/** Every item of a list, page after page of `limit` (default the largest page). */
export async function* eachItem<T>(list: (page: PageRequest) => Promise<Page<T>>, limit = 1000): AsyncGenerator<T> {
  let after: string | undefined;
  do {
    const page = await list({ limit, after });
    yield* page.items;
    after = page.next ?? undefined;
  } while (after !== undefined);
}
