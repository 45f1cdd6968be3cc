import type { CustomerWindowRepository } from '../../db/repositories/customer-window.repository';
import { customerWindow, typesAllowedOutsideWindow } from '../../domain/customer-window';
import { DomainError } from '../../domain/errors';
import type { SendMessageRequest } from '../../schemas/message.schema';

export type CustomerWindowPolicy = ReturnType<typeof createCustomerWindowPolicy>;

/** Open windows an API process remembers (the oldest go first). */
const OPEN_WINDOWS_KEPT = 10_000;

/**
 * Refuses a free-form message to a user whose 24-hour window is closed (422, naming the reason and
 * the fix) instead of letting it fail later at Meta with 131047 or at Twilio with 63016.
 */
export function createCustomerWindowPolicy(deps: {
  windows: Pick<CustomerWindowRepository, 'lastInboundAt'>;
  marginMs: number;
  now?: () => Date;
}) {
  // Windows seen open, by tenant, sender and contact: a window only ever closes by time passing (a
  // new inbound message moves it later), so one seen open is open until its closing time without
  // another read. A closed one is read again every time (it may have opened since).
  const open = new Map<string, Date>();
  return {
    async check(tenantId: string, req: SendMessageRequest): Promise<void> {
      if (typesAllowedOutsideWindow.has(req.content.type)) return;
      const now = deps.now?.() ?? new Date();
      const key = `${tenantId}\u0000${req.from}\u0000${req.to.replace(/\D/g, '')}`;
      const closesAt = open.get(key);
      if (closesAt && closesAt > now) return;
      open.delete(key);
      const last = await deps.windows.lastInboundAt(tenantId, req.from, req.to);
      const w = customerWindow(last, now, deps.marginMs);
      if (w.open && w.closesAt) {
        if (open.size >= OPEN_WINDOWS_KEPT) open.delete(open.keys().next().value as string);
        open.set(key, w.closesAt);
      }
      if (w.open) return;
      throw new DomainError(
        'unprocessable',
        'customer_window_closed',
        last
          ? `The 24-hour customer service window with ${req.to} closed at ${w.closesAt?.toISOString()} (last message from them at ${last.toISOString()}): only a template message can be sent`
          : `${req.to} has not messaged sender ${req.from}, so no customer service window is open: only a template message can be sent`,
        {
          field: 'body.type',
          rule: 'template_required_outside_24h_window',
          lastInboundAt: last?.toISOString() ?? null,
          windowClosedAt: w.closesAt?.toISOString() ?? null,
          allowedTypes: [...typesAllowedOutsideWindow],
        },
      );
    },
  };
}
