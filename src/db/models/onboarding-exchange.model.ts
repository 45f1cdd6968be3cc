import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The Embedded Signup code exchange of one onboarding (`_id` = `<tenant>:<id>`, as its onboarding):
 * who is calling Meta with the single-use code, how many calls were made, and the business token
 * the first successful call got (sealed, aad onboardingSecretAad(…, 'businessToken')).
 *
 * A document of its own, not fields of the onboarding's: FerretDB 1.x runs an update as read, then
 * write of the whole document, with no lock between; the onboarding's document takes step updates
 * from other attempts, which could write back a copy without the token. Here the first claim is an
 * insert (atomic on the unique `_id`) and, while a claim is held, only its holder writes.
 */
export interface OnboardingExchangeDoc {
  _id: string;
  /** The attempt calling Meta now (null: none; its call ended without a token). */
  holder: string | null;
  claimedAt: Date | null;
  /** Claims taken, i.e. calls to Meta begun: a later "code has been used" after one of ours is ours. */
  calls: number;
  token: string | null;
  /** The onboarding ended: the token is erased and no claim is taken any more. */
  closed: boolean;
  createdAt: Date;
}

const schema = new Schema<OnboardingExchangeDoc>(
  {
    _id: { type: String, required: true },
    holder: { type: String, default: null },
    claimedAt: { type: Date, default: null },
    calls: { type: Number, default: 0 },
    token: { type: String, default: null },
    closed: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_onboarding_exchanges', versionKey: false },
);

export function onboardingExchangeModel(conn: Connection): Model<OnboardingExchangeDoc> {
  return (
    (conn.models.WhatsappOnboardingExchange as Model<OnboardingExchangeDoc> | undefined) ??
    conn.model<OnboardingExchangeDoc>('WhatsappOnboardingExchange', schema)
  );
}
