import { encodePageCursor, type Page, type PageCursor } from '../domain/page-cursor';

/** Newest first, ties broken by `_id`: the order every list endpoint pages in. */
export const newestFirst = (field: string) => ({ [field]: -1, _id: -1 }) as const;

/**
 * The documents after `c` in `newestFirst(field)` order, within `range` (the list's own bounds on
 * `field`): earlier, or as early with a smaller `_id`.
 */
export function afterCursor(field: string, c: PageCursor, range: Record<string, Date> = {}) {
  return { $or: [{ [field]: { ...range, $lt: c.at } }, { [field]: c.at, _id: { $lt: c.key } }] };
}

/**
 * One page from `limit + 1` documents read in `newestFirst(field)` order: the extra one only says
 * that another page follows, whose cursor is the last item's time and `_id`.
 */
export function pageOf<D extends { _id: string }, V>(
  docs: D[],
  limit: number,
  timeOf: (d: D) => Date,
  view: (d: D) => V,
): Page<V> {
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    nextCursor: docs.length > limit && last ? encodePageCursor(timeOf(last), last._id) : null,
  };
}
