import { createHmac } from 'node:crypto';
import axios from 'axios';
import { ApplicationFailure } from '@temporalio/common';
import type { TenantCallbackRepository } from '../src/db/repositories/tenant-callback.repository';

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

/** POSTs one status change to the tenant's callback; anything but 2xx throws and is retried with backoff. */
export interface CallbackActivityDeps {
  repo: TenantCallbackRepository;
  timeoutMs: number;
}

export function createCallbackActivities(all: { callbacks?: CallbackActivityDeps }) {
  return {
    async deliverStatusCallback(r: {
      tenantId: string;
      payload: StatusCallbackEvent | InboundCallbackEvent;
    }): Promise<'delivered' | 'no_callback'> {
      if (!all.callbacks) throw new Error('callback activities are not configured in this worker');
      const target = await all.callbacks.repo.target(r.tenantId);
      if (!target) return 'no_callback';
      const body = JSON.stringify(r.payload);
      const ts = Math.floor(Date.now() / 1000);
      let status: number;
      try {
        const res = await axios.post(target.url, body, {
          timeout: all.callbacks.timeoutMs,
          validateStatus: () => true,
          maxRedirects: 0,
          headers: {
            'content-type': 'application/json',
            'x-timestamp': String(ts),
            'x-signature': signCallback(target.secret, ts, body),
          },
        });
        status = res.status;
      } catch (err) {
        throw ApplicationFailure.create({
          type: 'CallbackUnreachable',
          message: `callback unreachable: ${(err as Error).message}`,
        });
      }
      if (status < 200 || status >= 300)
        throw ApplicationFailure.create({
          type: 'CallbackRejected',
          message: `callback answered HTTP ${status}`,
        });
      return 'delivered';
    },
  };
}
