/**
 * The cursor of every list endpoint (issue 17): base64url of `<ms>|<key>`, the sort time and the
 * unique key of the last item of a page. Pages are newest first, ordered by (time, key) descending,
 * so items with equal times are neither skipped nor repeated. Opaque to clients: it is only ever
 * handed back; one that does not decode is a 400 naming `query.cursor`.
 */
export interface PageCursor {
  at: Date;
  key: string;
}

export const encodePageCursor = (at: Date, key: string): string =>
  Buffer.from(`${at.getTime()}|${key}`).toString('base64url');

/** The cursor's time and key, or null when it is not one of ours. */
export function decodePageCursor(cursor: string): PageCursor | null {
  const m = /^(-?\d{1,15})\|([^]+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) return null;
  const at = new Date(Number(m[1]));
  return Number.isNaN(at.getTime()) ? null : { at, key: m[2] as string };
}

/** A page as every list endpoint answers it: `nextCursor` null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
