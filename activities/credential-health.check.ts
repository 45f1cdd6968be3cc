import type { SenderRepository } from '../src/db/repositories/sender.repository';
import {
  classifyToken,
  type CredentialHealthOutcome,
  type CredentialStatus,
} from '../src/domain/credential-health';
import type { Logger } from '../src/logging/logger';
import type { MetaTokenInspector } from '../src/providers/meta/meta-token.inspector';
import type { CredentialHealthCheck } from './session-health.activities';

/** Senders inspected at once: one Graph call each. */
const PARALLEL = 4;

/**
 * The sweep's check of every registered official (Meta) sender's access token through
 * `debug_token`. A Meta or network error is that sender's `failed` outcome, never the sweep's;
 * only our own MongoDB being unreachable throws.
 */
export function createMetaCredentialCheck(deps: {
  senders: Pick<SenderRepository, 'listAllForCheck'>;
  inspector: MetaTokenInspector;
  logger: Logger;
  warnMs?: number;
}): CredentialHealthCheck {
  return {
    name: 'meta-debug-token',
    async run(now: Date): Promise<CredentialHealthOutcome[]> {
      const senders = (await deps.senders.listAllForCheck()).filter((s) => s.provider === 'meta');
      const out: CredentialHealthOutcome[] = [];
      for (let i = 0; i < senders.length; i += PARALLEL) {
        const slice = senders.slice(i, i + PARALLEL);
        out.push(
          ...(await Promise.all(
            slice.map(async (s): Promise<CredentialHealthOutcome> => {
              let status: CredentialStatus;
              let expiresAt: string | null = null;
              let error: string | null = null;
              try {
                const creds = s.credentials();
                if (creds.provider !== 'meta') throw new Error('not a Meta sender');
                const info = await deps.inspector.inspect(creds.accessToken);
                status = classifyToken(info, now, deps.warnMs);
                if (info.expiresAt > 0) expiresAt = new Date(info.expiresAt * 1000).toISOString();
              } catch (err) {
                // The inspector scrubs tokens from its messages; a seal that fails to open names none.
                status = 'failed';
                error = (err as Error).message;
                deps.logger.warn(
                  { tenantId: s.tenantId, senderId: s.senderId, error },
                  'credential check failed',
                );
              }
              return {
                tenantId: s.tenantId,
                senderId: s.senderId,
                provider: s.provider,
                status,
                expiresAt,
                error,
                checkedAt: new Date().toISOString(),
              };
            }),
          )),
        );
      }
      return out;
    },
  };
}
