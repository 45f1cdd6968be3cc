import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (gateway session tokens, provider credentials).
 * Sealed form: `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). The key id lets keys rotate:
 * new values are sealed with the active key, old ones still open with any key in the ring.
 * `aad` binds a ciphertext to its owner (e.g. tenant + record id), so a sealed value copied onto
 * another record does not open.
 */
export interface SecretBox {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
  /** True when the value was sealed with a key other than the active one (re-seal it). */
  needsRotation(sealed: string): boolean;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export function createSecretBox(keys: ReadonlyMap<string, Buffer>, activeKeyId?: string): SecretBox {
  const active = activeKeyId ?? keys.keys().next().value;
  if (!active || !keys.has(active)) throw new SecretBoxError('no active encryption key');
  const activeKey = keys.get(active) as Buffer;

  return {
    seal(plaintext, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', activeKey, iv);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        active,
        iv.toString('base64url'),
        tag.toString('base64url'),
        ct.toString('base64url'),
      ].join(':');
    },
    open(sealed, aad) {
      const [version, keyId, iv, tag, ct] = sealed.split(':');
      if (version !== 'v1' || !keyId || !iv || !tag || ct === undefined) {
        throw new SecretBoxError('malformed sealed value');
      }
      const key = keys.get(keyId);
      if (!key) throw new SecretBoxError(`unknown encryption key id ${keyId}`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError('sealed value failed authentication');
      }
    },
    needsRotation(sealed) {
      return sealed.split(':')[1] !== active;
    },
  };
}
