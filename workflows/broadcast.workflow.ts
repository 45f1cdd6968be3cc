import { BroadcastRun } from './broadcast-run';
import type { BroadcastState, BroadcastWorkflowInput } from './broadcast.definitions';

/**
 * One broadcast, one workflow (`broadcast:<tenant>:<id>`, issue 18). Its recipients are stored in
 * chunks by the API; the workflow writes their message records (one activity), then sends chunk
 * after chunk, each one activity that takes tokens from the sender's limiter (the one single
 * messages use), sends with retries and backoff, and writes outcomes in bulk. Statuses from the
 * webhooks go straight to the recipients' records: no signal, no event here. So a broadcast costs
 * about six history events per chunk of 1,000, not events per recipient.
 *
 * Pause, resume and cancel are updates (refused when the state forbids); a running chunk notices a
 * pause or cancel within a second, lets the sends in flight finish and stops. When the tenant has a
 * status callback, a sweep reports recipients' status changes to it while sending and after, for
 * statusTimeoutMs, backing off while nothing changes (continue-as-new when the history grows).
 */
export async function broadcastWorkflow(input: BroadcastWorkflowInput): Promise<BroadcastState> {
  return new BroadcastRun(input).run();
}
