import type { CustomerWindowRepository } from '../../db/repositories/customer-window.repository';
import { customerWindow, typesAllowedOutsideWindow } from '../../domain/customer-window';
import { DomainError } from '../../domain/errors';
import type { SendMessageRequest } from '../../schemas/message.schema';

export type CustomerWindowPolicy = ReturnType<typeof createCustomerWindowPolicy>;

/**
 * Refuses a free-form message to a user whose 24-hour window is closed (422, naming the reason and
 * the fix) instead of letting it fail later at Meta with 131047 or at Twilio with 63016.
 */
export function createCustomerWindowPolicy(deps: {
  windows: Pick<CustomerWindowRepository, 'lastInboundAt'>;
  marginMs: number;
  now?: () => Date;
}) {
  return {
    async check(tenantId: string, req: SendMessageRequest): Promise<void> {
      if (typesAllowedOutsideWindow.has(req.content.type)) return;
      const last = await deps.windows.lastInboundAt(tenantId, req.from, req.to);
      const w = customerWindow(last, deps.now?.() ?? new Date(), deps.marginMs);
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
