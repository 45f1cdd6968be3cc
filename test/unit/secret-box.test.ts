import { randomBytes } from 'node:crypto';
import { createSecretBox, SecretBoxError } from '../../src/security/secret-box';

describe('secret box (AES-256-GCM with key ids)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('round-trips and never contains the plaintext', () => {
    const box = createSecretBox(new Map([['k1', k1]]));
    const sealed = box.seal('gateway-token-123', 'tenant-a:s1');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(sealed).not.toContain('gateway-token-123');
    expect(box.open(sealed, 'tenant-a:s1')).toBe('gateway-token-123');
  });

  it('refuses a value moved to another owner (AAD) or tampered with', () => {
    const box = createSecretBox(new Map([['k1', k1]]));
    const sealed = box.seal('secret', 'tenant-a:s1');
    expect(() => box.open(sealed, 'tenant-b:s1')).toThrow(SecretBoxError);
    const parts = sealed.split(':');
    const ct = Buffer.from(parts[4] as string, 'base64url');
    ct[0] = (ct[0] as number) ^ 1;
    parts[4] = ct.toString('base64url');
    expect(() => box.open(parts.join(':'), 'tenant-a:s1')).toThrow('sealed value failed authentication');
  });

  it('rotates: seals with the active key, opens values sealed with an older one', () => {
    const old = createSecretBox(new Map([['k1', k1]]));
    const sealedOld = old.seal('x', 'a');
    const rotated = createSecretBox(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    expect(rotated.open(sealedOld, 'a')).toBe('x');
    expect(rotated.needsRotation(sealedOld)).toBe(true);
    const sealedNew = rotated.seal('x', 'a');
    expect(sealedNew.startsWith('v1:k2:')).toBe(true);
    expect(rotated.needsRotation(sealedNew)).toBe(false);
    expect(() => old.open(sealedNew, 'a')).toThrow('unknown encryption key id k2');
  });
});
