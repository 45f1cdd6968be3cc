/**
 * A database read kept for `ttlMs` after it was made: asks within that time (and asks made while it
 * runs) share it instead of reading again. A failed read is never kept; `keep` decides which answers
 * are (e.g. not an absent sender, so a sender added a moment ago is found at once). `forget` drops
 * one key at once, `clear` every key (a change made by this process: call it after the write, so a
 * read that overlapped the write is dropped too). `ttlMs` 0 reads every time.
 */
export interface CachedRead<A extends unknown[], R> {
  (...args: A): Promise<R>;
  forget(...args: A): void;
  clear(): void;
}

export function cachedRead<A extends unknown[], R>(
  read: (...args: A) => Promise<R>,
  opts: { ttlMs: number; keep?: (r: R) => boolean; now?: () => number },
): CachedRead<A, R> {
  const now = opts.now ?? Date.now;
  const kept = new Map<string, { at: number; value: Promise<R> }>();
  const keyOf = (args: A) => args.map(String).join('\u0000');
  const ask = (...args: A): Promise<R> => {
    if (opts.ttlMs <= 0) return read(...args);
    const key = keyOf(args);
    const hit = kept.get(key);
    if (hit && now() - hit.at < opts.ttlMs) return hit.value;
    const value = read(...args).then(
      (r) => {
        if (opts.keep && !opts.keep(r) && kept.get(key)?.value === value) kept.delete(key);
        return r;
      },
      (err: unknown) => {
        if (kept.get(key)?.value === value) kept.delete(key);
        throw err;
      },
    );
    kept.set(key, { at: now(), value });
    // Expired entries go as new ones come: the map holds at most the keys read within ttlMs.
    for (const [k, v] of kept) if (now() - v.at >= opts.ttlMs) kept.delete(k);
    return value;
  };
  return Object.assign(ask, {
    forget: (...args: A) => void kept.delete(keyOf(args)),
    clear: () => kept.clear(),
  });
}
