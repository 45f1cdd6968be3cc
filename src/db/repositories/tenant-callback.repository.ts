import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { SecretBox } from '../../security/secret-box';
import { tenantCallbackModel, type TenantCallbackDoc } from '../models/tenant-callback.model';
import { cachedRead } from '../read-cache';

/**
 * One status callback per tenant; the signing secret is sealed (aad `<tenant>:callback`) and shown once.
 * `cacheMs` (the API's API_READ_CACHE_MS): how long `get` — read for every accepted message, to know
 * whether it will call back — reuses its answer, absent included. A change made through this
 * repository is seen at once; one made by another process, within `cacheMs`.
 */
export function createTenantCallbackRepository(
  conn: Connection,
  box: SecretBox,
  opts: { cacheMs?: number } = {},
) {
  const Callback = tenantCallbackModel(conn);
  const aad = (tenantId: string) => `${tenantId}:callback`;
  const setting = cachedRead(
    async (tenantId: string): Promise<{ url: string; createdAt: Date; updatedAt: Date } | null> => {
      const d = await Callback.findOne({ _id: tenantId }).lean<TenantCallbackDoc>();
      return d ? { url: d.url, createdAt: d.createdAt, updatedAt: d.updatedAt } : null;
    },
    { ttlMs: opts.cacheMs ?? 0 },
  );
  return {
    async set(tenantId: string, url: string): Promise<{ url: string; secret: string }> {
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const now = new Date();
      await Callback.updateOne(
        { _id: tenantId },
        {
          $set: { url, secretSealed: box.seal(secret, aad(tenantId)), updatedAt: now },
          $setOnInsert: { createdAt: now },
        },
        { upsert: true },
      );
      // After the write: a read that overlapped it may have kept the old setting.
      setting.forget(tenantId);
      return { url, secret };
    },
    get: (tenantId: string) => setting(tenantId),
    async remove(tenantId: string): Promise<boolean> {
      const removed = (await Callback.deleteOne({ _id: tenantId })).deletedCount === 1;
      setting.forget(tenantId);
      return removed;
    },
    /** For the delivery activity only. */
    async target(tenantId: string): Promise<{ url: string; secret: string } | null> {
      const d = await Callback.findOne({ _id: tenantId }).lean<TenantCallbackDoc>();
      return d ? { url: d.url, secret: box.open(d.secretSealed, aad(tenantId)) } : null;
    },
  };
}

export type TenantCallbackRepository = ReturnType<typeof createTenantCallbackRepository>;
