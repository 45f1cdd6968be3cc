// ---------------------------------------------------------------------------------------------
// WebhookSource — one vendor's webhook: how a request is verified, and what it becomes.
//
// To add a vendor: a file src/ingest/sources/<vendor>.source.ts implementing WebhookSource with the
// vendor's own verify/normalise functions (src/providers/<vendor>/*.webhook.ts), then a route that
// is `receiveWebhook(deps, source)` (src/ingest/webhook-pipeline.ts). The source only verifies,
// normalises and answers; what happens to what it found is the pipeline's, the same for every vendor.
// ---------------------------------------------------------------------------------------------
import type { Request, Response } from 'express';
import type { AccountAlertEvent } from '../domain/account-alert';
import type { DeadLetterProvider, RejectedEntry } from '../domain/dead-letter';
import type { InboundMessageEvent, MessageStatusEvent } from '../domain/message';
import type { AlertCandidate } from './account-alerts';
import type { InboundOwner } from './inbound-events';
import type { ScopedStatus } from './status-events';

/** Who owns what a webhook names — from what the provider authenticated, never from the body alone. */
export interface WebhookOwners {
  /** The tenant of the number a status came from; null = nobody's (the status is dead-lettered). */
  ofStatus(ev: MessageStatusEvent): Promise<string | null>;
  /** The sender an inbound message reached; null = nobody's (skipped). */
  ofRecipient(recipientAccountId: string): Promise<InboundOwner | null>;
  /** The senders an account alert may belong to. */
  ofWaba(wabaId: string): Promise<AlertCandidate[]>;
  /** The tenant a rejected entry is kept for; null = not determined. */
  ofRejected(e: RejectedEntry): Promise<string | null>;
}

/** A verified webhook, normalised to canonical events: the one shape every vendor's webhook becomes. */
export interface NormalisedWebhook {
  provider: DeadLetterProvider;
  /** Meta-shaped statuses: their owner and reference are checked (status-authority.ts) before they move anything. */
  statuses: MessageStatusEvent[];
  /** Statuses the webhook itself scoped (Twilio: the sender's tenant and our `?ref=`). */
  scopedStatuses: ScopedStatus[];
  inbound: InboundMessageEvent[];
  alerts: AccountAlertEvent[];
  /** Entries that failed their schema: dead-lettered. */
  rejected: RejectedEntry[];
  owners: WebhookOwners;
}

/** What the pipeline did with one webhook: the counts a vendor's answer reports. */
export interface IngestResult {
  received: number;
  deadLettered: number;
}

export interface WebhookSource<Verified> {
  /** Authenticates the request, or throws the DomainError that answers it (401/403/503). */
  verify(req: Request): Promise<Verified>;
  /** The request's canonical events (a body that is not a JSON object is a 400). */
  normalise(req: Request, verified: Verified): NormalisedWebhook;
  /** The vendor's answer (JSON counts, TwiML…); always a 2xx: the webhook was taken. */
  answer(res: Response, result: IngestResult, verified: Verified): void;
}

/** Nobody owns anything: the default of a source that resolves ownership some other way. */
export const NO_OWNERS: WebhookOwners = {
  ofStatus: async () => null,
  ofRecipient: async () => null,
  ofWaba: async () => [],
  ofRejected: async () => null,
};
