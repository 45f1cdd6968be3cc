/** `load` called at most once per key (for one request's lookups: a batch names a number many times). */
export function memo<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (key) => {
    let p = seen.get(key);
    if (!p) seen.set(key, (p = load(key)));
    return p;
  };
}
