import { decodePageCursor, encodePageCursor } from '../../src/domain/page-cursor';
import { pageCursor } from '../../src/schemas/list-page.schema';

const raw = (s: string) => Buffer.from(s).toString('base64url');

describe('page cursor: opaque, and only ever one of ours', () => {
  it('round-trips a time and a key, whatever the key holds', () => {
    for (const key of ['tenant-a:s1', 'out:tenant:msg_x', 'tenant:meta:wamid|with|pipes', 'tenant:ünï:😀']) {
      const at = new Date('2025-03-01T12:00:00.123Z');
      expect(decodePageCursor(encodePageCursor(at, key))).toEqual({ at, key });
    }
    expect(encodePageCursor(new Date(0), 'k')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses what does not decode to `<ms>|<key>`', () => {
    for (const text of ['not-a-cursor', '|key', '12|', 'abc|key', '1e3|key', '1234567890123456|key', ''])
      expect({ text, cursor: decodePageCursor(raw(text)) }).toEqual({ text, cursor: null });
  });

  it('the query schema answers the decoded cursor, or the rule a 400 names', () => {
    const ok = pageCursor.safeParse(encodePageCursor(new Date(5), 'k'));
    expect(ok.success && ok.data).toEqual({ at: new Date(5), key: 'k' });
    for (const bad of ['has space', raw('nope'), 'x'.repeat(1025)]) {
      const r = pageCursor.safeParse(bad);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => [i.code, i.message])).toEqual([
        ['invalid_format', 'must be a cursor from a previous page'],
      ]);
    }
  });
});
