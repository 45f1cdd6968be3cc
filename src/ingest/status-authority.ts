import type { DeadLetter } from './dead-letters';
import type { MessageStatusEvent } from '../domain/message';
import { hasValidMac } from '../security/status-ref';

/** A status allowed to move a message of `tenantId` (the owner of the number it came from). */
export interface OwnedStatus {
  ev: MessageStatusEvent;
  tenantId: string;
}

/**
 * Who may move a message by a Meta-shaped status (issue 15). The owner is found from what the
 * provider authenticates — Meta: the sender registry's owner of `phone_number_id`; 360dialog: the
 * tenant of the channel whose secret header the webhook carried — never from the reference the
 * status echoes. A reference (`biz_opaque_callback_data`) must then:
 * - carry our MAC (`<tenant>:<messageId>:<mac>`, src/security/status-ref.ts), when it has one;
 * - name the owner's tenant.
 * A reference without a MAC (minted before this check, for a message still in flight) is accepted
 * only under the second rule: it can only ever reach the number owner's own messages. A status
 * without a reference goes by the wamid mapping, confined to the owner. Anything else — a MAC that
 * fails, another tenant named, a number nobody owns — is not applied: it becomes a dead letter
 * (kept for the number's owner, if there is one).
 * `key` absent (a test app without one): a MAC cannot be checked, so every reference counts as unsigned.
 */
export async function authorizeStatuses(
  events: MessageStatusEvent[],
  opts: { key: Buffer | undefined; ownerOf: (ev: MessageStatusEvent) => Promise<string | null> },
): Promise<{ owned: OwnedStatus[]; refused: DeadLetter[] }> {
  const owned: OwnedStatus[] = [];
  const refused: DeadLetter[] = [];
  for (const ev of events) {
    const owner = await opts.ownerOf(ev);
    const problem = problemOf(ev, owner, opts.key);
    if (problem === null && owner !== null) owned.push({ ev, tenantId: owner });
    else refused.push({ tenantId: owner, rejected: toRejected(ev, problem ?? unknownNumber) });
  }
  return { owned, refused };
}

type Problem = { path: string; code: string; message: string };
const unknownNumber: Problem = {
  path: 'metadata.phone_number_id',
  code: 'unknown_number',
  message: 'no registered sender has this number',
};

function problemOf(ev: MessageStatusEvent, owner: string | null, key: Buffer | undefined): Problem | null {
  if (owner === null) return unknownNumber;
  if (ev.tenantId === undefined || ev.messageId === undefined) return null;
  const ref = { tenantId: ev.tenantId, messageId: ev.messageId, mac: ev.refMac ?? null };
  if (key && ref.mac !== null && !hasValidMac(key, ref))
    return { path: 'biz_opaque_callback_data', code: 'invalid_mac', message: 'the reference is not ours' };
  if (ref.tenantId !== owner)
    return {
      path: 'biz_opaque_callback_data',
      code: 'foreign_tenant',
      message: 'the reference names another tenant than the owner of the number',
    };
  return null;
}

function toRejected(ev: MessageStatusEvent, problem: Problem): DeadLetter['rejected'] {
  return {
    kind: 'status',
    reason: 'foreign_status',
    issues: [problem],
    providerIds: { wamid: ev.providerMessageId },
    routing: ev.senderAccountId ? { phoneNumberId: ev.senderAccountId } : undefined,
    entry: {
      id: ev.providerMessageId,
      status: ev.status,
      ...(ev.senderAccountId ? { phone_number_id: ev.senderAccountId } : {}),
      ...(ev.tenantId ? { ref: `${ev.tenantId}:${ev.messageId}${ev.refMac ? `:${ev.refMac}` : ''}` } : {}),
    },
  };
}
