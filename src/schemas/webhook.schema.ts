import { z } from 'zod';
import type { DeadLetterKind, EntryIssue, RejectedEntry } from '../domain/dead-letter';
import { MAX_DOCUMENT_DEPTH, depthOf, storableString, truncateText } from '../domain/storable';

/**
 * Meta's verification request: `GET <callback>?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`.
 * All optional: a wrong or missing value is a refused handshake (403), not a malformed request.
 */
export const metaVerifyQuery = z.object({
  'hub.mode': z.string().max(32).optional(),
  'hub.verify_token': z.string().max(256).optional(),
  'hub.challenge': z.string().max(256).optional(),
});

// ---------------------------------------------------------------------------------------------
// Webhook entries. Each entry of a provider webhook (a status, an inbound message, an alert, a
// gateway event) is checked with a schema of its vendor's before anything is done with it; one
// that fails is dead-lettered (src/domain/dead-letter.ts), the others are processed.
// ---------------------------------------------------------------------------------------------

/** Longest provider id we take (ids become lookup keys, workflow ids and search attributes). */
export const MAX_PROVIDER_ID_CHARS = 512;

/** Deepest entry we process (Meta's messages nest about 5 levels, a Baileys record about 12). */
export const MAX_ENTRY_DEPTH = MAX_DOCUMENT_DEPTH;

// eslint-disable-next-line no-control-regex -- control characters (NUL first) are what is refused
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

/**
 * A provider's id or routing value: 1–512 characters without control characters. NUL would make
 * every database lookup by it fail (PostgreSQL), and a 200 KB id no workflow id can hold.
 */
export const providerId = z
  .string()
  .min(1)
  .max(MAX_PROVIDER_ID_CHARS)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters');

/** A gateway's session name (our `gatewaySessionId`): a provider id of at most 100 characters. */
export const gatewaySessionName = providerId.max(100);

/** A WhatsApp JID (`491511…@s.whatsapp.net`, `…@g.us`, `…@c.us`) as gateways send it. */
export const whatsappJid = providerId.max(200);

/** A short label from the provider (a type, a status): at most 64 characters, no control characters. */
export const providerLabel = z
  .string()
  .min(1)
  .max(64)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters');

/**
 * A Unix time in seconds as the provider writes it, read leniently (isoFromSeconds): a time that is
 * no number or out of range (`1e309` parses as Infinity) is the time we received it — a bad time
 * costs the entry its time, not the entry.
 */
export const unixSeconds = z.unknown();

/** At most this many issues are kept per entry, each message at most 200 characters. */
const MAX_ISSUES = 10;

export function entryIssues(issues: readonly z.core.$ZodIssue[]): EntryIssue[] {
  return issues.slice(0, MAX_ISSUES).map((i) => ({
    path: i.path.map(String).join('.'),
    code: i.code,
    message: truncateText(storableString(i.message), 200).text,
  }));
}

/** The readable ones of `candidates` (non-empty strings), made storable and cut to the id limit. */
export function readableIds(candidates: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(candidates))
    if (typeof v === 'string' && v.length > 0)
      out[k] = truncateText(storableString(v), MAX_PROVIDER_ID_CHARS).text;
  return out;
}

export type Checked<T> = { ok: true; data: T } | { ok: false; rejected: RejectedEntry };

export interface EntryCheck {
  kind: DeadLetterKind;
  /** The provider's ids to keep with a dead letter, as found (those that are strings are kept). */
  ids?: Record<string, unknown>;
  routing?: RejectedEntry['routing'];
  /**
   * A batch level (envelope, entry, change) holds the entries that are checked one by one: its
   * depth is theirs to answer for, so one deep message does not sink its siblings. Default true.
   */
  checkDepth?: boolean;
}

/**
 * Checks one entry: not deeper than MAX_ENTRY_DEPTH (counted without recursion, so a 5,000-deep
 * array costs a loop, not the stack), then `schema`. On failure the entry is ready to dead-letter,
 * with the ids that could be read.
 */
export function checkEntry<T>(schema: z.ZodType<T>, entry: unknown, c: EntryCheck): Checked<T> {
  const rejected = (reason: RejectedEntry['reason'], issues: EntryIssue[]): Checked<T> => ({
    ok: false,
    rejected: {
      kind: c.kind,
      reason,
      issues,
      providerIds: readableIds(c.ids ?? {}),
      entry,
      ...(c.routing ? { routing: c.routing } : {}),
    },
  });
  if (c.checkDepth !== false && depthOf(entry, MAX_ENTRY_DEPTH) > MAX_ENTRY_DEPTH)
    return rejected('too_deep', [
      { path: '', code: 'too_deep', message: `nested deeper than ${MAX_ENTRY_DEPTH} levels` },
    ]);
  const parsed = schema.safeParse(entry);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : rejected('invalid_entry', entryIssues(parsed.error.issues));
}

/** A field of an object we have not validated yet, read without trusting its type. */
export const fieldOf = (v: unknown, key: string): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, key)
    ? (v as Record<string, unknown>)[key]
    : undefined;

/** ±8.64e15 ms is Date's range: beyond it toISOString throws (a 1e300 timestamp answered 500). */
const MAX_DATE_MS = 8.64e15;

/** Whether `ms` is a time a Date can hold. */
export const isDateMillis = (ms: number): boolean => Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;

/** An ISO time from epoch milliseconds, or from `fallback` when not a finite number in Date's range. */
export function isoFromMillis(ms: number, fallback: Date = new Date()): string {
  return (isDateMillis(ms) ? new Date(ms) : fallback).toISOString();
}

/** An ISO time from Unix seconds (number or digits), or from `fallback` when absent or unusable. */
export function isoFromSeconds(seconds: unknown, fallback: Date = new Date()): string {
  const n =
    typeof seconds === 'number' || (typeof seconds === 'string' && seconds.trim() !== '')
      ? Number(seconds)
      : NaN;
  return isoFromMillis(n * 1000, fallback);
}
