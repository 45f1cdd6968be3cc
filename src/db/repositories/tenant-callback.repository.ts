import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { SecretBox } from '../../security/secret-box';
import { tenantCallbackModel, type TenantCallbackDoc } from '../models/tenant-callback.model';

/** One status callback per tenant; the signing secret is sealed (aad `<tenant>:callback`) and shown once. */
export function createTenantCallbackRepository(conn: Connection, box: SecretBox) {
  const Callback = tenantCallbackModel(conn);
  const aad = (tenantId: string) => `${tenantId}:callback`;
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
      return { url, secret };
    },
    async get(tenantId: string): Promise<{ url: string; createdAt: Date; updatedAt: Date } | null> {
      const d = await Callback.findOne({ _id: tenantId }).lean<TenantCallbackDoc>();
      return d ? { url: d.url, createdAt: d.createdAt, updatedAt: d.updatedAt } : null;
    },
    async remove(tenantId: string): Promise<boolean> {
      return (await Callback.deleteOne({ _id: tenantId })).deletedCount === 1;
    },
    /** For the delivery activity only. */
    async target(tenantId: string): Promise<{ url: string; secret: string } | null> {
      const d = await Callback.findOne({ _id: tenantId }).lean<TenantCallbackDoc>();
      return d ? { url: d.url, secret: box.open(d.secretSealed, aad(tenantId)) } : null;
    },
  };
}

export type TenantCallbackRepository = ReturnType<typeof createTenantCallbackRepository>;
