import { MAX_DOCUMENT_DEPTH } from '../domain/storable';

/**
 * What a JSON request body may hold so that whatever we accept can be stored: MongoDB and FerretDB
 * (PostgreSQL jsonb) refuse the NUL character in strings and keys and field names that start with
 * `$` or contain `.`; FerretDB 1.24 also refuses an array directly inside an array and infinity
 * (JSON's `1e309`) — all measured; and a document nested without bound breaks recursive code long
 * before storage (a 5,000-deep template parameter answered 500: JSON.stringify overflows). A body that breaks a rule is refused at the door
 * with a 400 naming the path and the rule — never accepted and then left failing to be recorded.
 * Schemas check their own fields; this covers the free-form parts (metadata, template parameters)
 * and every string of every body at once.
 */

/** Objects and arrays nested deeper than this are refused (documented in the OpenAPI description). */
export const MAX_JSON_DEPTH = MAX_DOCUMENT_DEPTH;

/** Enough to show the pattern; a body full of NULs need not be listed in full. */
const MAX_ISSUES = 20;

export interface StorableIssue {
  path: (string | number)[];
  rule:
    'max_depth' | 'no_nul_character' | 'no_dollar_key' | 'no_dot_key' | 'no_nested_array' | 'finite_number';
  message: string;
}

const NUL = '\u0000';

function keyIssue(key: string): Omit<StorableIssue, 'path'> | null {
  if (key.includes(NUL))
    return { rule: 'no_nul_character', message: 'key must not contain the NUL character' };
  if (key.startsWith('$')) return { rule: 'no_dollar_key', message: 'key must not start with $' };
  if (key.includes('.')) return { rule: 'no_dot_key', message: 'key must not contain .' };
  return null;
}

/**
 * Every place in `value` (a parsed JSON document) that could not be stored, in document order.
 * Iterative, so depth itself can never overflow the stack.
 */
export function storableJsonIssues(value: unknown, maxDepth = MAX_JSON_DEPTH): StorableIssue[] {
  const issues: StorableIssue[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (typeof v === 'string') {
      if (v.includes(NUL))
        issues.push({ path, rule: 'no_nul_character', message: 'must not contain the NUL character' });
      continue;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) {
      issues.push({ path, rule: 'finite_number', message: 'must be a finite number' });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    // `path.length` containers enclose `v`; `v` itself is one more level.
    if (path.length + 1 > maxDepth) {
      issues.push({
        path,
        rule: 'max_depth',
        message: `must not nest objects and arrays deeper than ${maxDepth} levels`,
      });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [i, item])
      : Object.entries(v);
    const children: typeof stack = [];
    for (const [k, child] of entries) {
      if (typeof k === 'number' && Array.isArray(child)) {
        // Reported once: what is inside would only repeat it.
        issues.push({
          path: [...path, k],
          rule: 'no_nested_array',
          message: 'must not be an array directly inside an array',
        });
        continue;
      }
      const bad = typeof k === 'string' ? keyIssue(k) : null;
      if (bad) issues.push({ path: [...path, k], ...bad });
      children.push({ v: child, path: [...path, k] });
    }
    // Reversed, so the stack pops children in document order.
    stack.push(...children.reverse());
  }
  return issues.slice(0, MAX_ISSUES);
}
