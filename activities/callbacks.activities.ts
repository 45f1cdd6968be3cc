import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TenantCallbackRepository } from '../src/db/repositories/tenant-callback.repository';
import {
  CallbackTargetRefused,
  resolveCallbackTarget,
  type CallbackTargetPolicy,
  type HostResolver,
} from '../src/callbacks/callback-target';
import { CallbackAborted, postPinned } from '../src/callbacks/pinned-post';
import { createTenantLimiter } from '../src/callbacks/tenant-limiter';
import { waitingOutStorage } from './storage-boundary';

export interface InboundCallbackEvent {
  event: 'message.inbound';
  senderId: string;
  provider: string;
  providerMessageId: string;
  from: string;
  fromName: string | null;
  type: string;
  text: string | null;
  content: Record<string, unknown>;
  at: string;
}

export interface StatusCallbackEvent {
  event: 'message.status';
  messageId: string;
  status: string;
  providerMessageId: string | null;
  at: string;
  error: { code: string | null; message: string } | null;
  metadata: Record<string, unknown> | null;
}

/** `X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with `X-Timestamp` (Unix seconds): replay-resistant. */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface CallbackActivityDeps {
  repo: TenantCallbackRepository;
  /** Wall clock for one delivery, connect to last byte read (CALLBACK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Which URLs may be called (CALLBACK_ALLOW_HTTP, CALLBACK_ALLOW_PRIVATE_NETWORKS). */
  policy: CallbackTargetPolicy;
  /** Resolves the callback's host once per delivery; the connection is pinned to its answer. */
  resolve: HostResolver;
  /** Response bytes read at most (CALLBACK_MAX_RESPONSE_BYTES); the rest is not read. */
  maxResponseBytes: number;
  /** Callbacks in flight per tenant in this worker (CALLBACK_MAX_CONCURRENT_PER_TENANT). */
  maxConcurrentPerTenant: number;
}

/** How long a callback waits for one of its tenant's slots before it is retried later instead. */
export const TENANT_SLOT_WAIT_MS = 1_000;

export const CallbackFailureTypes = {
  /** The URL or an address its host resolves to is forbidden: not retried. */
  refused: 'CallbackTargetRefused',
  /** A 3xx: redirects are never followed (the next hop could be anywhere): not retried. */
  redirected: 'CallbackRedirected',
  /** Any other non-2xx: retried with backoff. */
  rejected: 'CallbackRejected',
  /** DNS, connection, TLS, or no answer within the wall clock: retried with backoff. */
  unreachable: 'CallbackUnreachable',
  /** The tenant already has its maximum of callbacks in flight here: retried with backoff. */
  tenantBusy: 'CallbackTenantBusy',
} as const;

/**
 * One delivery to a target already read from the database: resolve and check the host (again —
 * DNS may have changed since registration), POST pinned to the checked address, decide by the
 * status. Outcomes other than 2xx throw an ApplicationFailure of a CallbackFailureTypes type.
 * A 2xx whose body is cut (over the size cap or past the deadline) is delivered: the status is
 * the receiver's acknowledgement and the body is never used.
 */
export async function sendCallback(
  deps: Pick<CallbackActivityDeps, 'policy' | 'resolve' | 'maxResponseBytes'>,
  target: { url: string; secret: string },
  payload: StatusCallbackEvent | InboundCallbackEvent,
  signal: AbortSignal,
): Promise<'delivered'> {
  let pinned;
  try {
    pinned = await resolveCallbackTarget(target.url, deps.policy, deps.resolve, signal);
  } catch (err) {
    if (!(err instanceof CallbackTargetRefused)) throw err;
    throw ApplicationFailure.create({
      type:
        err.rule === 'unresolvable_host' ? CallbackFailureTypes.unreachable : CallbackFailureTypes.refused,
      message: `callback URL refused (${err.rule}): ${err.message}`,
      nonRetryable: err.rule !== 'unresolvable_host',
    });
  }
  const body = JSON.stringify(payload);
  const ts = Math.floor(Date.now() / 1000);
  let status: number;
  try {
    ({ status } = await postPinned({
      target: pinned,
      body,
      headers: {
        'content-type': 'application/json',
        'x-timestamp': String(ts),
        'x-signature': signCallback(target.secret, ts, body),
      },
      maxResponseBytes: deps.maxResponseBytes,
      signal,
    }));
  } catch (err) {
    throw ApplicationFailure.create({
      type: CallbackFailureTypes.unreachable,
      message:
        err instanceof CallbackAborted
          ? `callback did not answer: ${err.message}`
          : `callback unreachable: ${(err as Error).message}`,
    });
  }
  if (status >= 300 && status < 400)
    throw ApplicationFailure.create({
      type: CallbackFailureTypes.redirected,
      message: `callback answered HTTP ${status}: redirects are not followed, register the final URL`,
      nonRetryable: true,
    });
  if (status < 200 || status >= 300)
    throw ApplicationFailure.create({
      type: CallbackFailureTypes.rejected,
      message: `callback answered HTTP ${status}`,
    });
  return 'delivered';
}

/** POSTs one status change or inbound message to the tenant's callback; see sendCallback. */
export function createCallbackActivities(all: { callbacks: CallbackActivityDeps }) {
  // One limiter per worker process: the composition root builds the activities once.
  const limiter = createTenantLimiter(all.callbacks.maxConcurrentPerTenant);
  return {
    async deliverStatusCallback(r: {
      tenantId: string;
      payload: StatusCallbackEvent | InboundCallbackEvent;
    }): Promise<'delivered' | 'no_callback'> {
      const deps = all.callbacks;
      const ctx = Context.current();
      // Our database down is never the callback's fault: wait inside the attempt, use none up.
      const target = await waitingOutStorage(ctx, () => deps.repo.target(r.tenantId));
      if (!target) return 'no_callback';
      const release = await limiter.acquire(r.tenantId, TENANT_SLOT_WAIT_MS, ctx.cancellationSignal);
      if (!release)
        throw ApplicationFailure.create({
          type: CallbackFailureTypes.tenantBusy,
          message: `tenant ${r.tenantId} already has ${deps.maxConcurrentPerTenant} callbacks in flight`,
        });
      try {
        const signal = AbortSignal.any([AbortSignal.timeout(deps.timeoutMs), ctx.cancellationSignal]);
        return await sendCallback(deps, target, r.payload, signal);
      } finally {
        release();
      }
    },
  };
}
