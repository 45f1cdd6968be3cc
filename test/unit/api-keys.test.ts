import { generateApiKey, hashSecret, parseApiKey, safeEqual } from '../../src/security/api-keys';

describe('api keys', () => {
  it('generates parseable keys whose secret is stored only as a hash', () => {
    const k = generateApiKey();
    const parsed = parseApiKey(k.token);
    expect(parsed?.keyId).toBe(k.keyId);
    expect(hashSecret(parsed?.secret ?? '')).toBe(k.secretHash);
    expect(k.secretHash).not.toContain(parsed?.secret);
  });

  it('rejects malformed tokens', () => {
    for (const t of ['', 'dwk_', 'dwk_abc_def', 'Bearer x', `dwk_${'a'.repeat(12)}_${'b'.repeat(10)}`]) {
      expect(parseApiKey(t)).toBeNull();
    }
  });

  it('compares in constant time and handles length mismatch', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
