import { DomainError } from '../../domain/errors';
import { isOfficialProvider } from '../../providers/official-providers';
import type { MessagingRegistry, ResolvedSender } from '../../providers/messaging-registry';
import type { SendMessageRequest } from '../../schemas/message.schema';
import type { CustomerWindowPolicy } from './customer-window.policy';

/**
 * Whether a message may be accepted: its sender exists for the tenant, can send its type, and —
 * for an official sender — the 24-hour customer-service window allows it. Answers the sender that
 * will send it, or the 422 saying why none can.
 */
export function createSendPolicy(deps: {
  registry: Pick<MessagingRegistry, 'resolveSender'>;
  /** The 24-hour customer-service window, enforced for official senders; absent = not enforced. */
  customerWindow?: CustomerWindowPolicy;
}) {
  return async function senderFor(tenantId: string, req: SendMessageRequest): Promise<ResolvedSender> {
    const sender = await deps.registry.resolveSender(tenantId, req.from);
    if (!sender)
      throw new DomainError(
        'unprocessable',
        'unknown_sender',
        `No sender or session ${req.from} for this tenant`,
      );
    if (!sender.provider.supportedTypes.has(req.content.type))
      throw new DomainError(
        'unprocessable',
        'unsupported_message_type',
        `Sender ${req.from} (${sender.provider.name}) cannot send ${req.content.type} messages`,
        { supportedTypes: [...sender.provider.supportedTypes] },
      );
    if (deps.customerWindow && isOfficialProvider(sender.provider.name))
      await deps.customerWindow.check(tenantId, req);
    return sender;
  };
}
