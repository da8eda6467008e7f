/**
 * Paging for every list of the store, the same way in both dialects: keyset, never OFFSET. A page
 * is asked for with `limit + 1` rows after the cursor's sort key (a WHERE on the key, which an
 * index serves and which stays right while rows are added); the extra row only says whether a
 * next page exists. A cursor is the base64url of a JSON array: the list's name, then the sort key
 * of the page's last item. It is opaque to callers, and one the store did not make, or one made
 * for another list, is refused with InvalidCursorError (a caller's mistake, never a server
 * fault). Cursors are not secret: they hold only what the caller has already seen on the page.
 */
import type { Page, PageRequest } from './store.js';
import { DEFAULT_PAGE_LIMIT, InvalidCursorError, MAX_PAGE_LIMIT } from './store.js';

/** The type of each part of a list's sort key: an integer (id), text (key, name), or a time (ISO 8601 text in the cursor). */
export type KeyPart = 'int' | 'text' | 'time';

type KeyValue<P extends KeyPart> = P extends 'int' ? number : P extends 'time' ? Date : string;

export type KeyValues<Parts extends readonly KeyPart[]> = { -readonly [I in keyof Parts]: KeyValue<Parts[I]> };

/** The longest cursor accepted: a sort key holds a few short values. */
const MAX_CURSOR_LENGTH = 2_000;

/** A list's sort key, and the making and reading of its cursors. */
export interface PageKey<Parts extends readonly KeyPart[]> {
  readonly list: string;
  readonly parts: Parts;
}

export function pageKey<const Parts extends readonly KeyPart[]>(list: string, parts: Parts): PageKey<Parts> {
  return { list, parts };
}

/** What a list query needs: how many rows to read (one more than the page) and the key to start after. */
export interface PageQuery<Parts extends readonly KeyPart[]> {
  readonly limit: number;
  readonly after: KeyValues<Parts> | undefined;
}

/** Validates the request: the limit (default DEFAULT_PAGE_LIMIT, 1..MAX_PAGE_LIMIT) and the cursor. */
export function readPageRequest<Parts extends readonly KeyPart[]>(key: PageKey<Parts>, page: PageRequest | undefined): PageQuery<Parts> {
  const limit = page?.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new InvalidCursorError('limit', `The page limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, not ${String(limit)}.`);
  }
  const after = page?.after;
  return { limit, after: after === undefined ? undefined : decodeCursor(key, after) };
}

function refuse(): never {
  throw new InvalidCursorError('after', 'The cursor is not one this list gave (use the `next` of the previous page).');
}

function decodeCursor<Parts extends readonly KeyPart[]>(key: PageKey<Parts>, cursor: string): KeyValues<Parts> {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) refuse();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    refuse();
  }
  if (!Array.isArray(decoded) || decoded.length !== key.parts.length + 1 || decoded[0] !== key.list) refuse();
  const values = key.parts.map((part, i) => {
    const value: unknown = decoded[i + 1];
    switch (part) {
      case 'int':
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) refuse();
        return value;
      case 'text':
        if (typeof value !== 'string') refuse();
        return value;
      case 'time': {
        if (typeof value !== 'string') refuse();
        const time = new Date(value);
        if (Number.isNaN(time.getTime()) || time.toISOString() !== value) refuse();
        return time;
      }
    }
  });
  return values as KeyValues<Parts>;
}

function encodeCursor<Parts extends readonly KeyPart[]>(key: PageKey<Parts>, values: KeyValues<Parts>): string {
  const parts = (values as unknown[]).map((value) => (value instanceof Date ? value.toISOString() : value));
  return Buffer.from(JSON.stringify([key.list, ...parts]), 'utf8').toString('base64url');
}

/**
 * The page from the rows a list query read (at most limit + 1, in the list's order): the first
 * `limit` rows mapped to items, and a cursor after the last of them when there was one more row.
 * The sort key comes from the row, since an item need not show it (an ingest log entry has no id).
 */
export function pageFrom<Parts extends readonly KeyPart[], Row, T>(
  key: PageKey<Parts>,
  query: PageQuery<Parts>,
  rows: readonly Row[],
  rowKey: (row: Row) => KeyValues<Parts>,
  map: (row: Row) => T,
): Page<T> {
  if (rows.length <= query.limit) return { items: rows.map(map), next: null };
  const kept = rows.slice(0, query.limit);
  return { items: kept.map(map), next: encodeCursor(key, rowKey(kept[kept.length - 1] as Row)) };
}

/** The empty page (a list an organisation's view does not see). */
export const EMPTY_PAGE: Page<never> = { items: [], next: null };
