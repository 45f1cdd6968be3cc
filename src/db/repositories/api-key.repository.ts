import type { Connection } from 'mongoose';
import { apiKeyModel } from '../models/api-key.model';
import { cachedRead } from '../read-cache';
import { generateApiKey, hashSecret, parseApiKey, safeEqual } from '../../security/api-keys';

export interface ApiKeySummary {
  keyId: string;
  tenantId: string;
  label?: string;
  createdAt: Date;
  revokedAt?: Date | null;
}

/**
 * `cacheMs` (the API's API_READ_CACHE_MS): how long a key's stored record is reused for the requests
 * that present it — the secret is still hashed and compared on every request. A key revoked through
 * this repository is refused at once; one revoked by another process (the CLI), within `cacheMs`.
 */
export function createApiKeyRepository(conn: Connection, opts: { cacheMs?: number } = {}) {
  const ApiKey = apiKeyModel(conn);
  const stored = cachedRead((keyId: string) => ApiKey.findById(keyId).lean(), {
    ttlMs: opts.cacheMs ?? 0,
    keep: (doc) => doc !== null && !doc.revokedAt,
  });
  return {
    /** Creates a key for the tenant; the token is returned once and never stored. */
    async create(tenantId: string, label?: string): Promise<{ keyId: string; token: string }> {
      const key = generateApiKey();
      await ApiKey.create({
        _id: key.keyId,
        tenantId,
        secretHash: key.secretHash,
        label,
        createdAt: new Date(),
      });
      return { keyId: key.keyId, token: key.token };
    },

    /** Returns the tenant that owns a valid, unrevoked key, or null. */
    async authenticate(token: string): Promise<{ tenantId: string; keyId: string } | null> {
      const parsed = parseApiKey(token);
      if (!parsed) return null;
      const doc = await stored(parsed.keyId);
      if (!doc || doc.revokedAt) return null;
      if (!safeEqual(hashSecret(parsed.secret), doc.secretHash)) return null;
      return { tenantId: doc.tenantId, keyId: doc._id };
    },

    async revoke(keyId: string): Promise<boolean> {
      const res = await ApiKey.updateOne(
        { _id: keyId, revokedAt: null },
        { $set: { revokedAt: new Date() } },
      );
      // After the write: a read that overlapped it may have kept the key as it was.
      stored.forget(keyId);
      return res.modifiedCount === 1;
    },

    async list(tenantId?: string): Promise<ApiKeySummary[]> {
      const docs = await ApiKey.find(tenantId ? { tenantId } : {})
        .sort({ createdAt: 1 })
        .lean();
      return docs.map((d) => ({
        keyId: d._id,
        tenantId: d.tenantId,
        label: d.label,
        createdAt: d.createdAt,
        revokedAt: d.revokedAt,
      }));
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
