import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Connection } from 'mongoose';
import { signupStateModel, type SignupStateDoc } from '../models/signup-state.model';

/** How long a state lives: opening the Hub, signing up at 360dialog and coming back. */
export const SIGNUP_STATE_TTL_MS = 30 * 60_000;
const TOKEN = /^st_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const hashOf = (secret: string) => createHash('sha256').update(secret).digest();

export type StateRefusal = 'unknown' | 'expired' | 'used' | 'other_client';

/**
 * The 360dialog signup's `state` nonces (issue 15): `st_<id>.<secret>` (16 + 32 random bytes,
 * base64url). The id finds the record, the secret's hash is compared in constant time; the
 * tenant must be the one it was issued to. Expired records are refused (a sweep may delete them).
 */
export function createSignupStateRepository(conn: Connection) {
  const State = signupStateModel(conn);
  return {
    async issue(tenantId: string, now = new Date()): Promise<{ state: string; expiresAt: Date }> {
      const id = randomBytes(16).toString('base64url');
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = new Date(now.getTime() + SIGNUP_STATE_TTL_MS);
      await State.create({
        _id: id,
        tenantId,
        secretHash: hashOf(secret).toString('hex'),
        clientId: null,
        usedFor: [],
        expiresAt,
        createdAt: now,
      } satisfies SignupStateDoc);
      return { state: `st_${id}.${secret}`, expiresAt };
    },

    /** Uses the state for one channel of one client; null when accepted, else why not. */
    async consume(
      tenantId: string,
      state: string,
      use: { channelId: string; clientId: string },
      now = new Date(),
    ): Promise<StateRefusal | null> {
      const m = TOKEN.exec(state);
      if (!m) return 'unknown';
      const [, id, secret] = m as unknown as [string, string, string];
      const d = await State.findOne({ _id: id, tenantId }).lean<SignupStateDoc>();
      const expected = Buffer.from(d?.secretHash ?? '00'.repeat(32), 'hex');
      const given = hashOf(secret);
      if (!d || expected.length !== given.length || !timingSafeEqual(expected, given)) return 'unknown';
      if (d.expiresAt.getTime() <= now.getTime()) return 'expired';
      if (d.clientId !== null && d.clientId !== use.clientId) return 'other_client';
      if (d.usedFor.includes(use.channelId)) return 'used';
      // Atomic: two requests racing with one state for one channel — only one gets it.
      const r = await State.updateOne(
        {
          _id: id,
          tenantId,
          usedFor: { $ne: use.channelId },
          clientId: { $in: [null, use.clientId] },
        },
        { $push: { usedFor: use.channelId }, $set: { clientId: use.clientId } },
      );
      return r.modifiedCount === 1 ? null : 'used';
    },
  };
}

export type SignupStateRepository = ReturnType<typeof createSignupStateRepository>;
