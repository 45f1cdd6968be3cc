import type { SenderRepository } from '../db/repositories/sender.repository';
import type { SessionHealthRepository } from '../db/repositories/session-health.repository';
import { credentialUsable } from '../domain/credential-health';
import type { SenderCredentialState } from './metrics';

/**
 * The credential gauge's source: every registered official sender, valid per the latest finished
 * health sweep's debug_token outcome (null = unknown: not checked yet, or that check failed).
 */
export async function sendersWithValidity(
  senders: Pick<SenderRepository, 'listAllIds'>,
  sweeps: Pick<SessionHealthRepository, 'latestCredentialStatuses'>,
): Promise<SenderCredentialState[]> {
  const [all, statuses] = await Promise.all([senders.listAllIds(), sweeps.latestCredentialStatuses()]);
  const byKey = new Map(statuses.map((s) => [`${s.tenantId}:${s.senderId}`, s.status]));
  return all.map((s) => ({ ...s, valid: credentialUsable(byKey.get(`${s.tenantId}:${s.senderId}`)) }));
}
