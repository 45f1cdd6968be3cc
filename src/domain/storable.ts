/**
 * Values a provider sends, made storable by MongoDB and by FerretDB on PostgreSQL — which refuse,
 * measured on FerretDB 1.24: U+0000 in any string (PostgreSQL jsonb), keys starting with `$` or
 * containing `.`, a NUL in a key (the BSON encoder), ±Infinity, an array directly inside an array
 * ("nested arrays are not supported"), and NaN (FerretDB drops the connection, which looks like an
 * outage). Anything a webhook can carry goes through `toStorable` before it is written.
 *
 * The encoding, chosen to be reversible for keys and structure (`fromStorable` undoes it):
 * - **keys**: percent-escapes — `%` → `%25`, U+0000 → `%00`, `.` → `%2E`, a leading `$` → `%24`
 *   (`$where` → `%24where`, `a.b` → `a%2Eb`, `100%` → `100%25`). Keys without `%`, `.`, NUL or a
 *   leading `$` are unchanged.
 * - **an array inside an array**: wrapped as `{"%array": [...]}` (no encoded key can be `%array`,
 *   since every `%` of a real key is escaped).
 * - **strings**: U+0000 → U+FFFD, unpaired surrogates → U+FFFD (lossy: such text has no faithful
 *   form in PostgreSQL); longer than `maxStringChars` → cut, `truncated` set.
 * - **numbers**: ±Infinity and NaN → the strings `"Infinity"`, `"-Infinity"`, `"NaN"`; bigint → string.
 * - **depth**: below `maxDepth` levels a value is replaced by its JSON text, cut to
 *   `maxStringChars` (`truncated` set). undefined, functions and symbols are dropped.
 */

/**
 * Object/array levels a stored document may nest: the one bound for what the API accepts
 * (`/v1` bodies), what webhook entries may hold, and what inbound content keeps as structure.
 */
export const MAX_DOCUMENT_DEPTH = 32;

export const STORABLE_LIMITS = {
  /** Object/array levels kept as structure (the body's own levels count from the value given). */
  maxDepth: MAX_DOCUMENT_DEPTH,
  /** Characters of any one string (free text: an inbound message's body, a caption…). */
  maxStringChars: 65_536,
} as const;

export interface StorableOptions {
  maxDepth?: number;
  maxStringChars?: number;
}

/** The key under which an array that sat directly inside an array is kept. */
export const NESTED_ARRAY_KEY = '%array';

const REPLACEMENT = '\uFFFD';

/** One object key as MongoDB and FerretDB accept it; `decodeKey` gives the original back. */
export function encodeKey(key: string): string {
  // eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be escaped
  const escaped = key.replace(/[%.\u0000]/g, (c) => (c === '%' ? '%25' : c === '.' ? '%2E' : '%00'));
  return escaped.startsWith('$') ? `%24${escaped.slice(1)}` : escaped;
}

export function decodeKey(key: string): string {
  return key.replace(/%(25|2E|00|24)/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** U+0000, a high surrogate with no low one after it, a low surrogate with no high one before it. */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be replaced
const UNSTORABLE_CHARS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL can hold: NUL and unpaired surrogates become U+FFFD. */
export function storableString(s: string): string {
  return s.replace(UNSTORABLE_CHARS, REPLACEMENT);
}

/** At most `max` characters (UTF-16 units), never ending inside a surrogate pair. */
export function truncateText(s: string, max: number): { text: string; truncated: boolean } {
  if (s.length <= max) return { text: s, truncated: false };
  const cut = /[\uD800-\uDBFF]/.test(s[max - 1] ?? '') ? max - 1 : max;
  return { text: s.slice(0, cut), truncated: true };
}

/** How many object/array levels `v` has (a scalar: 0), counted without recursion. */
export function depthOf(v: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [unknown, number];
    if (x === null || typeof x !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    if (max > stopAt) return max;
    for (const child of Array.isArray(x) ? x : Object.values(x)) stack.push([child, d + 1]);
  }
  return max;
}

/**
 * `v` made storable (see the file header). `truncated` says whether any text was cut or any part
 * deeper than `maxDepth` was replaced by its (cut) JSON text.
 */
export function toStorable(v: unknown, opts: StorableOptions = {}): { value: unknown; truncated: boolean } {
  const maxDepth = opts.maxDepth ?? STORABLE_LIMITS.maxDepth;
  const maxChars = opts.maxStringChars ?? STORABLE_LIMITS.maxStringChars;
  let truncated = false;
  const text = (s: string) => {
    const t = truncateText(storableString(s), maxChars);
    if (t.truncated) truncated = true;
    return t.text;
  };
  const walk = (x: unknown, depth: number, inArray: boolean): unknown => {
    if (typeof x === 'string') return text(x);
    if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
    if (typeof x === 'bigint') return String(x);
    if (typeof x === 'boolean' || x === null) return x;
    if (x instanceof Date) return Number.isNaN(x.getTime()) ? null : x;
    if (typeof x !== 'object') return undefined;
    if (depth >= maxDepth) {
      truncated = true;
      return text(boundedJsonText(x, maxChars));
    }
    if (Array.isArray(x)) {
      const items = x.map((i) => walk(i, depth + 1, true) ?? null);
      return inArray ? { [NESTED_ARRAY_KEY]: items } : items;
    }
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(x)) {
      const value = walk(child, depth + 1, false);
      // defineProperty: a `__proto__` key is data here, not the object's prototype.
      if (value !== undefined)
        Object.defineProperty(out, encodeKey(k), {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  };
  const value = walk(v, 0, false);
  return { value: value === undefined ? null : value, truncated };
}

/** Undoes the key and nested-array encoding of `toStorable` (text replaced or cut stays so). */
export function fromStorable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromStorable);
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === NESTED_ARRAY_KEY) {
    const inner = (v as Record<string, unknown>)[NESTED_ARRAY_KEY];
    if (Array.isArray(inner)) return inner.map(fromStorable);
  }
  return Object.fromEntries(Object.entries(v).map(([k, child]) => [decodeKey(k), fromStorable(child)]));
}

/**
 * JSON text of `v` with object keys sorted, at most `maxChars` characters (then ending in `…`),
 * built without recursion: any depth, any size, never a stack overflow, stops early when long.
 * Non-JSON values are written as JSON.stringify would in an array (`null`).
 */
export function boundedJsonText(v: unknown, maxChars = Infinity): string {
  let out = '';
  // Work items: a value to write, or a literal piece of punctuation.
  const stack: ({ value: unknown } | { raw: string })[] = [{ value: v }];
  while (stack.length > 0 && out.length <= maxChars) {
    const item = stack.pop() as { value: unknown } | { raw: string };
    if ('raw' in item) {
      out += item.raw;
      continue;
    }
    const x = item.value;
    if (Array.isArray(x)) {
      // Pushed in reverse, so that they pop in order (a loop: spreading a long array overflows).
      stack.push({ raw: ']' });
      for (let i = x.length - 1; i >= 0; i--) {
        stack.push({ value: x[i] });
        if (i > 0) stack.push({ raw: ',' });
      }
      stack.push({ raw: '[' });
    } else if (x !== null && typeof x === 'object' && !(x instanceof Date)) {
      const keys = Object.keys(x).sort();
      stack.push({ raw: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        stack.push({ value: (x as Record<string, unknown>)[k] });
        stack.push({ raw: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
      }
      stack.push({ raw: '{' });
    } else {
      out += (typeof x === 'bigint' ? JSON.stringify(String(x)) : JSON.stringify(x)) ?? 'null';
    }
  }
  return out.length > maxChars || stack.length > 0 ? `${out.slice(0, maxChars)}…` : out;
}
