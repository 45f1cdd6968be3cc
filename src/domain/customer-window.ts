/**
 * WhatsApp's customer-service window: for 24 hours after a user's last message, a business may
 * send it anything; outside it, only templates (Meta answers a free-form message with 131047,
 * often asynchronously after a 200; Twilio with 63016). Refreshed only by the user's messages.
 */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface CustomerWindow {
  open: boolean;
  lastInboundAt: Date | null;
  /** When the window closes (closed) for our purposes: last inbound + 24 h − margin. */
  closesAt: Date | null;
}

/**
 * Our view of the window for a message accepted `now`. The margin closes it a little early: a
 * message accepted in the window's last seconds may reach the provider after it closed (queued
 * behind the sender's rate limit, retried), and would then fail later with 131047.
 */
export function customerWindow(lastInboundAt: Date | null, now: Date, marginMs: number): CustomerWindow {
  if (!lastInboundAt) return { open: false, lastInboundAt: null, closesAt: null };
  const closesAt = new Date(lastInboundAt.getTime() + CUSTOMER_WINDOW_MS - marginMs);
  return { open: now.getTime() < closesAt.getTime(), lastInboundAt, closesAt };
}

/** Message types WhatsApp accepts outside the window. */
export const typesAllowedOutsideWindow: ReadonlySet<string> = new Set(['template']);
