import { cachedRead } from '../../src/db/read-cache';

describe('cachedRead', () => {
  function counted<R>(answer: (key: string) => Promise<R>) {
    const reads: string[] = [];
    const read = (key: string) => {
      reads.push(key);
      return answer(key);
    };
    return { read, reads };
  }

  it('reads a key once within the ttl, also for asks made while the read runs, and again after it', async () => {
    let t = 0;
    const { read, reads } = counted(async (k) => `value of ${k}`);
    const cached = cachedRead(read, { ttlMs: 5_000, now: () => t });
    const all = await Promise.all(Array.from({ length: 10 }, () => cached('a')));
    expect(new Set(all)).toEqual(new Set(['value of a']));
    await cached('b');
    t = 4_999;
    await cached('a');
    expect(reads).toEqual(['a', 'b']);
    t = 5_000;
    expect(await cached('a')).toBe('value of a');
    expect(reads).toEqual(['a', 'b', 'a']);
  });

  it('keys on every argument', async () => {
    const { read, reads } = counted(async (k) => k);
    const two = (tenant: string, id: string) => read(`${tenant}/${id}`);
    const cached = cachedRead(two, { ttlMs: 5_000 });
    await cached('acme', 'x');
    await cached('acme', 'y');
    await cached('other', 'x');
    await cached('acme', 'x');
    expect(reads).toEqual(['acme/x', 'acme/y', 'other/x']);
  });

  it('does not keep a failed read or an answer `keep` refuses', async () => {
    let fail = true;
    const { read, reads } = counted(async (k) => {
      if (fail) throw new Error('database unavailable');
      return k === 'absent' ? null : k;
    });
    const cached = cachedRead(read, { ttlMs: 5_000, keep: (r) => r !== null });
    await expect(cached('a')).rejects.toThrow('database unavailable');
    fail = false;
    expect(await cached('a')).toBe('a');
    expect(await cached('absent')).toBeNull();
    expect(await cached('absent')).toBeNull();
    expect(await cached('a')).toBe('a');
    expect(reads).toEqual(['a', 'a', 'absent', 'absent']);
  });

  it('forget drops one key at once; a read that overlapped it is not kept', async () => {
    let version = 1;
    const { read, reads } = counted(async (k) => `${k}@${version}`);
    const cached = cachedRead(read, { ttlMs: 60_000 });
    expect(await cached('a')).toBe('a@1');
    expect(await cached('b')).toBe('b@1');
    version = 2;
    const overlapping = cached('c');
    cached.forget('a');
    cached.forget('c');
    expect(await overlapping).toBe('c@2');
    expect(await cached('a')).toBe('a@2');
    expect(await cached('b')).toBe('b@1');
    expect(await cached('c')).toBe('c@2');
    expect(reads).toEqual(['a', 'b', 'c', 'a', 'c']);
  });

  it('reads every time with ttl 0', async () => {
    const { read, reads } = counted(async (k) => k);
    const cached = cachedRead(read, { ttlMs: 0 });
    await cached('a');
    await cached('a');
    expect(reads).toEqual(['a', 'a']);
  });
});
