import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The reference we hand Meta (and 360dialog, which speaks Meta's body) in `biz_opaque_callback_data`
 * and that comes back in every status webhook: `<tenant>:<messageId>:<mac>`, where mac is
 * base64url(HMAC-SHA256(key, "<tenant>:<messageId>")) cut to 16 bytes (22 characters). Only this
 * service holds the key, so only it can mint a reference a status webhook is routed by.
 * Tenant ids hold no `:` (common.schema), so the MAC input is unambiguous.
 */
const MAC_BYTES = 16;
const REF = /^([a-z0-9][a-z0-9_-]{0,62}):(msg_[A-Za-z0-9_-]{10,64})(?::([A-Za-z0-9_-]{22}))?$/;

export interface StatusRef {
  tenantId: string;
  messageId: string;
  /** null: a reference minted before references carried a MAC (`<tenant>:<messageId>`). */
  mac: string | null;
}

const macOf = (key: Buffer, tenantId: string, messageId: string): Buffer =>
  createHmac('sha256', key).update(`${tenantId}:${messageId}`).digest().subarray(0, MAC_BYTES);

export function mintStatusRef(key: Buffer, tenantId: string, messageId: string): string {
  return `${tenantId}:${messageId}:${macOf(key, tenantId, messageId).toString('base64url')}`;
}

/** A well-formed reference, with or without its MAC; null for anything else. */
export function parseStatusRef(raw: unknown): StatusRef | null {
  const m = typeof raw === 'string' ? REF.exec(raw) : null;
  return m ? { tenantId: m[1] as string, messageId: m[2] as string, mac: m[3] ?? null } : null;
}

/** True when the reference carries a MAC and it is ours (constant-time compare). */
export function hasValidMac(key: Buffer, ref: StatusRef): boolean {
  if (ref.mac === null) return false;
  const given = Buffer.from(ref.mac, 'base64url');
  const expected = macOf(key, ref.tenantId, ref.messageId);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * STATUS_REF_KEY when set; else a key derived (HKDF-SHA256) from the active encryption key, so a
 * deployment that predates the variable still has a key only it knows. Rotating either makes the
 * references of messages in flight fail their check: rotate when few messages await statuses.
 */
export function statusRefKeyFrom(configured: Buffer | undefined, activeEncryptionKey: Buffer): Buffer {
  if (configured) return configured;
  const salt = createHash('sha256').update('durable-whatsapp').digest();
  return Buffer.from(hkdfSync('sha256', activeEncryptionKey, salt, 'status-ref-mac', 32));
}
