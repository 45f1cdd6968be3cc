import { Schema, type Connection, type Model } from 'mongoose';
import type { OfficialProvider } from '../../providers/official-providers';
import type {
  OnboardingFailure,
  OnboardingRequestFacts,
  OnboardingSecret,
  OnboardingStatus,
  StepError,
  StepStatus,
} from '../../domain/onboarding';

export interface OnboardingStepDoc {
  status: StepStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  attempts: number;
  error: StepError | null;
}

/** What the steps found out or created (non-secret), read by the later steps and compensations. */
export interface OnboardingResolved {
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  /** Twilio: the sender created (XE…) and the account it lives in. */
  twilioSenderSid?: string;
  accountSid?: string;
  /** Twilio: the sender's status at the latest poll (PENDING_VERIFICATION = waiting for the OTP). */
  twilioSenderStatus?: string;
}

/**
 * Progress of one onboarding workflow, written only by its activities. `_id` = `<tenant>:<id>`.
 * Steps are keyed by name (dotted `$set`s, no positional array updates: FerretDB) with `stepOrder`
 * giving their order. `secrets` holds sealed values (aad onboardingSecretAad) while the onboarding
 * runs; they are erased when it ends. `claims` note provider calls already begun (a retry looks
 * for what they created). The code exchange keeps its claim and token apart (onboarding-exchange.model.ts).
 */
export interface OnboardingDoc {
  _id: string;
  tenantId: string;
  onboardingId: string;
  provider: OfficialProvider;
  senderId: string;
  status: OnboardingStatus;
  stepOrder: string[];
  steps: Record<string, OnboardingStepDoc>;
  failure: OnboardingFailure | null;
  request: OnboardingRequestFacts;
  resolved: OnboardingResolved;
  secrets: Partial<Record<OnboardingSecret, string>>;
  claims: Record<string, Date>;
  idempotencyKey: string | null;
  requestHash: string;
  workflowId: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<OnboardingDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    onboardingId: { type: String, required: true },
    provider: { type: String, required: true },
    senderId: { type: String, required: true },
    status: { type: String, required: true },
    stepOrder: { type: [String], default: [] },
    steps: { type: Schema.Types.Mixed, default: {} },
    failure: { type: Schema.Types.Mixed, default: null },
    request: { type: Schema.Types.Mixed, default: {} },
    resolved: { type: Schema.Types.Mixed, default: {} },
    secrets: { type: Schema.Types.Mixed, default: {} },
    claims: { type: Schema.Types.Mixed, default: {} },
    idempotencyKey: { type: String, default: null },
    requestHash: { type: String, required: true },
    workflowId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'whatsapp_onboardings', versionKey: false, minimize: false },
);
// GET /v1/onboardings: newest first, `_id` breaking ties (src/db/paging.ts).
schema.index({ tenantId: 1, createdAt: -1, _id: -1 });

export function onboardingModel(conn: Connection): Model<OnboardingDoc> {
  return (
    (conn.models.WhatsappOnboarding as Model<OnboardingDoc> | undefined) ??
    conn.model<OnboardingDoc>('WhatsappOnboarding', schema)
  );
}
