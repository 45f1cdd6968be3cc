import type { Priority } from './message';

/** The sender rate limiter's vocabulary (src/db/repositories/send-limiter.repository.ts). */

/** A sender's send rate: `ratePerSec` sustained, up to `burst` at once after a pause. */
export interface SendRate {
  ratePerSec: number;
  burst: number;
}

/** One message asking for its turn to send (a round's first provider attempt). */
export interface PermitAsk {
  tenantId: string;
  senderId: string;
  provider: string;
  /** The asking message's workflow id: its place in the line while it waits. */
  ticket: string;
  priority: Priority;
  /** Acceptance time (ms): FIFO within a priority. */
  acceptedAt: number;
  /** It waited before (it may hold a place in the line, removed once it is granted). */
  waited?: boolean;
}

export type PermitAnswer =
  | { granted: true }
  /** Not yet: ask again after `waitMs`; `position` messages of this sender go first. */
  | { granted: false; waitMs: number; position: number };
