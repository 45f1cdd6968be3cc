import type { Connection } from 'mongoose';
import type { AccountAlertEvent, AccountAlertType } from '../../domain/account-alert';
import { isDuplicateKeyError } from '../connection';
import { accountAlertModel, type AccountAlertDoc } from '../models/account-alert.model';
import type { Page, PageCursor } from '../../domain/page-cursor';
import { afterCursor, newestFirst, pageOf } from '../paging';

export interface AccountAlertView {
  id: string;
  type: AccountAlertType;
  event: string | null;
  provider: string;
  wabaId: string;
  senderId: string | null;
  phoneNumber: string | null;
  details: Record<string, unknown>;
  occurredAt: Date;
  receivedAt: Date;
}

// `?? null`: an upserted null may come back absent (FerretDB), the API always says null.
const view = (d: AccountAlertDoc): AccountAlertView => ({
  id: d.alertId,
  type: d.type,
  event: d.event ?? null,
  provider: d.provider,
  wabaId: d.wabaId,
  senderId: d.senderId ?? null,
  phoneNumber: d.phoneNumber ?? null,
  details: d.details,
  occurredAt: d.occurredAt,
  receivedAt: d.createdAt,
});

/** Account alerts per tenant, deduplicated by content: storing one twice changes nothing. */
export function createAccountAlertRepository(conn: Connection) {
  const Alert = accountAlertModel(conn);
  return {
    /** True when this call stored it (first time), false when it was already there. */
    async store(
      tenantId: string,
      owner: { provider: string; senderId: string | null },
      a: AccountAlertEvent,
    ): Promise<boolean> {
      const alertId = `alt_${a.dedupeKey}`;
      try {
        const res = await Alert.updateOne(
          { _id: `${tenantId}:${alertId}` },
          {
            $setOnInsert: {
              tenantId,
              alertId,
              provider: owner.provider,
              type: a.type,
              event: a.event,
              wabaId: a.wabaId,
              senderId: owner.senderId,
              phoneNumber: a.phoneNumber,
              details: a.details,
              occurredAt: new Date(a.at),
              createdAt: new Date(),
            },
          },
          { upsert: true },
        );
        return res.upsertedCount === 1;
      } catch (err) {
        // Two deliveries racing on the same new key: one inserts, the other finds it there.
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },

    /** The tenant's alerts, newest first (by when they happened), a page at a time. */
    async list(
      tenantId: string,
      f: { limit: number; cursor?: PageCursor; type?: AccountAlertType },
    ): Promise<Page<AccountAlertView>> {
      const q: Record<string, unknown> = { tenantId };
      if (f.type) q.type = f.type;
      if (f.cursor) Object.assign(q, afterCursor('occurredAt', f.cursor));
      const docs = await Alert.find(q)
        .sort(newestFirst('occurredAt'))
        .limit(f.limit + 1)
        .lean<AccountAlertDoc[]>();
      return pageOf(docs, f.limit, (d) => d.occurredAt, view);
    },
  };
}

export type AccountAlertRepository = ReturnType<typeof createAccountAlertRepository>;
