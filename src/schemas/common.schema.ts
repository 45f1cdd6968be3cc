import { z } from 'zod';

/** The seed's id rule, reused for every client-chosen id. */
export const resourceId = z.string().regex(/^[a-zA-Z0-9_-]{1,50}$/, 'must match ^[a-zA-Z0-9_-]{1,50}$');

/** An id made of digits (Meta's WABA and phone number ids): `what` names it in the message. */
export const digitsId = (what: string) => z.string().regex(/^\d{5,30}$/, `must be a ${what} (digits)`);

/** A token or secret as given, between `min` and `max` characters, without spaces. */
export const noSpaces = (min: number, max: number) =>
  z.string().min(min).max(max).regex(/^\S+$/, 'must not contain spaces');

export const tenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must match ^[a-z0-9][a-z0-9_-]{0,62}$');

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;
export const ISO_RULE =
  'must be an ISO 8601 date-time with a zone (2025-03-01T13:00:00Z) or a date (2025-03-01)';

/**
 * Midnight UTC of a calendar day, or null when there is no such day (2025-02-30). Not `Date.UTC`:
 * it reads years 0–99 as 1900–1999.
 */
function utcDay(year: number, month: number, day: number): Date | null {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? d : null;
}

/**
 * An instant in a query parameter: an ISO 8601 date-time with a zone, or a date. `dateOnly` says
 * which, so a caller can read a date as the start or the end of that UTC day.
 */
export const isoInstant = z
  .string()
  .regex(ISO, ISO_RULE)
  .transform((s, ctx) => {
    const [, y, m, d, hh] = ISO.exec(s) as RegExpExecArray;
    const day = utcDay(Number(y), Number(m), Number(d));
    if (!day) {
      ctx.addIssue({ code: 'invalid_format', format: 'date', message: 'is not a calendar date' });
      return z.NEVER;
    }
    return { at: hh === undefined ? day : new Date(s), dateOnly: hh === undefined };
  });

/** `isoInstant` as a Date, a date meaning 00:00 UTC of that day. */
export const isoDateTime = isoInstant.transform((v) => v.at);

/**
 * A whole number in a query parameter (a string on the wire): `?limit=abc` is "must be a whole
 * number from 1 to 100", not "expected number, received NaN".
 */
export const queryInt = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: rule }).int(rule).min(min, rule).max(max, rule);
};
