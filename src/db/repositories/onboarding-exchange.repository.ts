import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../connection';
import { onboardingSecretAad } from '../../domain/onboarding';
import type { SecretBox } from '../../security/secret-box';
import { onboardingExchangeModel } from '../models/onboarding-exchange.model';
import type { OnboardingRef } from './onboarding.repository';

/** What an attempt of the code exchange finds when it asks to call Meta. */
export interface ExchangeClaim {
  /** This attempt holds the claim: it may spend the code now. */
  mine: boolean;
  /** The business token an earlier call got (then nothing is to be called). */
  token: string | null;
  /** Calls to Meta begun by earlier attempts of this onboarding. */
  earlierCalls: number;
}

/**
 * The code exchange's idempotency record (models/onboarding-exchange.model.ts): a claim per call
 * to Meta, the token sealed the moment it is obtained, erased when the onboarding ends.
 */
export function createOnboardingExchangeRepository(conn: Connection, box: SecretBox) {
  const Exchange = onboardingExchangeModel(conn);
  const idOf = (r: OnboardingRef) => `${r.tenantId}:${r.onboardingId}`;
  const aad = (r: OnboardingRef) => onboardingSecretAad(r.tenantId, r.onboardingId, 'businessToken');

  return {
    /**
     * Takes the claim for `holder` unless a token is stored, the onboarding ended, or another
     * holder took it after `staleBefore`. The first claim is an insert (atomic on any store); a
     * later one is a conditional update read back, since FerretDB 1.x does not apply a filtered
     * update atomically: of two attempts racing for a released claim, the last writer holds it
     * (and the other sees that) unless their read-backs interleave — attempts overlap only when one
     * outlived its timeout, as the exchange's timeout is longer than the call it wraps.
     */
    async claim(r: OnboardingRef, holder: string, staleBefore: Date): Promise<ExchangeClaim> {
      const now = new Date();
      try {
        await Exchange.create({
          _id: idOf(r),
          holder,
          claimedAt: now,
          calls: 1,
          token: null,
          closed: false,
          createdAt: now,
        });
        return { mine: true, token: null, earlierCalls: 0 };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      await Exchange.updateOne(
        {
          _id: idOf(r),
          token: null,
          closed: false,
          $or: [{ holder: null }, { claimedAt: { $lt: staleBefore } }],
        },
        { $set: { holder, claimedAt: now }, $inc: { calls: 1 } },
      );
      const d = await Exchange.findById(idOf(r)).lean();
      const mine = d?.holder === holder && !d.token && !d.closed;
      return {
        mine,
        token: d?.token ? box.open(d.token, aad(r)) : null,
        earlierCalls: (d?.calls ?? 0) - (mine ? 1 : 0),
      };
    },

    /** The token, sealed, the moment Meta gave it (whoever holds the claim now: the code gave one token). */
    async store(r: OnboardingRef, token: string): Promise<void> {
      await Exchange.updateOne(
        { _id: idOf(r), closed: false },
        { $set: { token: box.seal(token, aad(r)), holder: null } },
      );
    },

    /** The stored token, if any. */
    async token(r: OnboardingRef): Promise<string | null> {
      const d = await Exchange.findById(idOf(r)).lean();
      return d?.token && !d.closed ? box.open(d.token, aad(r)) : null;
    },

    /** The holder's call ended without a token: the next attempt may call. */
    async release(r: OnboardingRef, holder: string): Promise<void> {
      await Exchange.updateOne({ _id: idOf(r), holder }, { $set: { holder: null } });
    },

    /** The onboarding ended: the token is erased, no claim is taken any more. */
    async close(r: OnboardingRef): Promise<void> {
      await Exchange.updateOne({ _id: idOf(r) }, { $set: { closed: true, token: null, holder: null } });
    },
  };
}

export type OnboardingExchangeRepository = ReturnType<typeof createOnboardingExchangeRepository>;
