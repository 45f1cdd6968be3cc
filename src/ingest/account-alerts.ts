import type { AccountAlertRepository } from '../db/repositories/account-alert.repository';
import type { AccountAlertEvent } from '../domain/account-alert';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';

export interface AlertRecorderDeps {
  alerts: Pick<AccountAlertRepository, 'store'>;
  logger: Logger;
  metrics?: Metrics;
}

/** A sender an alert may belong to. */
export interface AlertCandidate {
  tenantId: string;
  senderId: string;
  displayPhoneNumber: string;
}

/**
 * Stores each alert once for every tenant with a sender on its WABA (found by `candidatesFor`),
 * naming the sender whose number the alert names. A WABA no tenant has is logged and skipped:
 * the webhook still answers 200, since Meta would only redeliver it.
 */
export async function recordAccountAlerts(
  deps: AlertRecorderDeps,
  provider: string,
  alerts: AccountAlertEvent[],
  candidatesFor: (wabaId: string) => Promise<AlertCandidate[]>,
): Promise<number> {
  let stored = 0;
  // A batch often names one WABA several times: look each up once.
  const found = new Map<string, Promise<AlertCandidate[]>>();
  for (const a of alerts) {
    if (!found.has(a.wabaId)) found.set(a.wabaId, candidatesFor(a.wabaId));
    const candidates = await (found.get(a.wabaId) as Promise<AlertCandidate[]>);
    if (candidates.length === 0) {
      deps.logger.warn({ provider, wabaId: a.wabaId, type: a.type }, 'account alert for an unknown WABA');
      continue;
    }
    for (const tenantId of new Set(candidates.map((c) => c.tenantId))) {
      const sender = a.phoneNumber
        ? candidates.find(
            (c) => c.tenantId === tenantId && c.displayPhoneNumber.replace(/\D/g, '') === a.phoneNumber,
          )
        : undefined;
      const isNew = await deps.alerts.store(tenantId, { provider, senderId: sender?.senderId ?? null }, a);
      if (!isNew) continue;
      stored++;
      deps.metrics?.accountAlert(provider, a.type);
      deps.logger.info(
        { provider, tenantId, wabaId: a.wabaId, type: a.type, event: a.event },
        'account alert received',
      );
    }
  }
  return stored;
}
