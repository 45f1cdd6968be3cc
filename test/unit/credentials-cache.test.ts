import { cachedSenderCredentials } from '../../src/providers/credentials-cache';
import type { SenderCredentialsPort } from '../../src/providers/descriptor';

describe('cachedSenderCredentials', () => {
  const creds = { phoneNumberId: '1098', accessToken: 'EAAG-token' };
  function port(answer: () => Promise<typeof creds | null>) {
    const reads: string[] = [];
    const p: SenderCredentialsPort = {
      get: async () => null,
      withCredentials: async () => null,
      metaCredentials: (tenantId, senderId) => {
        reads.push(`${tenantId}/${senderId}`);
        return answer();
      },
    };
    return { p, reads };
  }

  it('reads a sender once for the sends within the ttl, also when they ask at once', async () => {
    let t = 0;
    const { p, reads } = port(async () => creds);
    const cached = cachedSenderCredentials(p, 5_000, () => t);
    const all = await Promise.all(Array.from({ length: 20 }, () => cached.metaCredentials('acme', 'shop')));
    expect(all.every((c) => c === creds)).toBe(true);
    t = 4_999;
    await cached.metaCredentials('acme', 'shop');
    expect(reads).toEqual(['acme/shop']);
    t = 5_000;
    await cached.metaCredentials('acme', 'shop');
    expect(reads).toEqual(['acme/shop', 'acme/shop']);
  });

  it('keeps senders apart, and keeps neither an unknown sender nor a failed read', async () => {
    let answer: () => Promise<typeof creds | null> = async () => null;
    const { p, reads } = port(() => answer());
    const cached = cachedSenderCredentials(p, 5_000, () => 0);
    expect(await cached.metaCredentials('acme', 'shop')).toBeNull();
    answer = async () => {
      throw new Error('database down');
    };
    await expect(cached.metaCredentials('acme', 'shop')).rejects.toThrow('database down');
    answer = async () => creds;
    expect(await cached.metaCredentials('acme', 'shop')).toBe(creds);
    expect(await cached.metaCredentials('other', 'shop')).toBe(creds);
    expect(reads).toEqual(['acme/shop', 'acme/shop', 'acme/shop', 'other/shop']);
  });
});
