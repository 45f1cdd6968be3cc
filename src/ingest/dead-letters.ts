import type { DeadLetterRepository } from '../db/repositories/dead-letter.repository';
import type { DeadLetterProvider, RejectedEntry } from '../domain/dead-letter';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';

export interface DeadLetterDeps {
  deadLetters: Pick<DeadLetterRepository, 'record'>;
  logger: Logger;
  metrics?: Metrics;
}

/** One rejected entry and the tenant it belongs to (null: could not be determined). */
export interface DeadLetter {
  tenantId: string | null;
  rejected: RejectedEntry;
}

/** Dead letters written at once: a batch of poison must not take the pool (FerretDB wedges past ~10). */
const CONCURRENCY = 4;

/**
 * Sets each rejected entry of one webhook aside: stored once (a redelivery only counts up),
 * counted (`dw_webhook_dead_letters_total{provider,reason}`) and logged in one line naming the
 * provider's ids, the reason and the first issue — never the entry's content. Our database being
 * unreachable fails the request (503, so the provider redelivers later): the only way a webhook
 * with poison in it answers other than 200/400.
 */
export async function recordDeadLetters(
  deps: DeadLetterDeps,
  provider: DeadLetterProvider,
  letters: DeadLetter[],
): Promise<void> {
  for (let i = 0; i < letters.length; i += CONCURRENCY)
    await Promise.all(letters.slice(i, i + CONCURRENCY).map((l) => recordOne(deps, provider, l)));
}

async function recordOne(
  deps: DeadLetterDeps,
  provider: DeadLetterProvider,
  { tenantId, rejected }: DeadLetter,
): Promise<void> {
  const { id, isNew } = await deps.deadLetters.record(provider, tenantId, rejected);
  deps.metrics?.webhookDeadLetter(provider, rejected.reason);
  const first = rejected.issues[0];
  deps.logger.warn(
    {
      provider,
      tenantId,
      deadLetterId: id,
      redelivered: !isNew,
      kind: rejected.kind,
      reason: rejected.reason,
      ids: rejected.providerIds,
      issue: first ? `${first.path || '(entry)'}: ${first.code}` : undefined,
      issues: rejected.issues.length,
    },
    'webhook entry dead-lettered',
  );
}
