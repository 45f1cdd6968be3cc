import { MessageRun } from './message-run';
import type { MessageState, MessageWorkflowInput } from './message.definitions';

/**
 * One message, one workflow (`message:<tenant>:<messageId>`): record queued and take a permit from
 * the sender's rate limiter (one local activity) → send → record sent → follow delivery statuses
 * arriving as signals until a final one or the status timeout; a sender whose provider never
 * acknowledges delivery (the seed gateway) ends at sent, and a message of a tenant without a status
 * callback ends at delivered (a later read moves its record from the webhook, with no workflow).
 * Statuses only move forward.
 *
 * The limiter (src/db/repositories/send-limiter.repository.ts) is shared state in MongoDB, not a
 * workflow: a message that finds a token costs no event for it; one that must wait for its turn
 * (high before normal before low, FIFO by acceptance) sleeps on a durable timer and asks again.
 *
 * Sending is done in rounds. A round is one permit and one send activity of up to `maxAttempts`
 * provider attempts (backoff between them; our database being down inside an attempt does not
 * count). A transient or rate-limited failure ends the round: the workflow waits (capped
 * exponential backoff, or the provider's Retry-After), asks for a new permit — so recovery from an
 * outage goes at the sender's rate, not as a stampede — and tries again, until the message's
 * validity (default 4 h) has passed; then it fails with code `expired`, retryable. Permanent
 * provider errors fail at once. A message waiting for a permit or between rounds can be cancelled.
 */
export async function messageWorkflow(input: MessageWorkflowInput): Promise<MessageState> {
  const run = new MessageRun(input);
  const state = await run.run();
  // Callbacks run beside the message (never in its way); the workflow only ends once they are settled.
  await Promise.all(run.notifications);
  return state;
}
