import { z } from 'zod';
import { decodePageCursor, type PageCursor } from '../domain/page-cursor';
import { queryInt } from './common.schema';

const CURSOR_RULE = 'must be a cursor from a previous page';

/**
 * `?cursor=`: a previous page's `nextCursor`, decoded; anything else (or one `accepts` refuses) is a
 * 400 naming `query.cursor` with rule `invalid_format`.
 */
export const pageCursorOf = (accepts: (c: PageCursor) => boolean = () => true, rule = CURSOR_RULE) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,1024}$/, rule)
    .transform((s, ctx) => {
      const c = decodePageCursor(s);
      if (c && accepts(c)) return c;
      ctx.addIssue({ code: 'invalid_format', format: 'cursor', message: rule });
      return z.NEVER;
    })
    .meta({ description: 'The `nextCursor` of the previous page, as given (opaque)' });

export const pageCursor = pageCursorOf();

/** The paging part of every list endpoint's query: spread it into the list's own `strictObject`. */
export const pageQuery = {
  limit: queryInt(1, 100).default(50).meta({ description: 'Items per page, 1 to 100 (default 50)' }),
  cursor: pageCursor.optional(),
};

/**
 * The one shape of every list endpoint, documented once as the OpenAPI component `ListPage`; a
 * list's own schema (`listPage(item)`) adds what its items are.
 */
export const listPageBase = z
  .object({
    items: z.array(z.unknown()).meta({ description: 'This page, newest first' }),
    nextCursor: z.string().nullable().meta({
      description: 'Pass it back as `?cursor=` for the next page; null on the last page',
    }),
  })
  .meta({
    id: 'ListPage',
    description:
      'Every list endpoint answers `{items, nextCursor}`, newest first, `?limit=` items at a time (1 to 100, ' +
      'default 50). `nextCursor` is opaque: pass it back unchanged as `?cursor=`, with the same filters, for ' +
      'the next page; it is null on the last one. A cursor that is not one of ours is a 400 naming ' +
      '`query.cursor`. Items added while paging appear on no later page (they are newer than the cursor).',
  });

/** `{items: item[], nextCursor}`: a list endpoint's answer, as `ListPage` with its items named. */
export const listPage = <T extends z.ZodType>(item: T) =>
  z.intersection(listPageBase, z.object({ items: z.array(item) }));
