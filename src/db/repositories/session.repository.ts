import type { Connection } from 'mongoose';
import type { SessionStatus } from '../../domain/session-status';
import { gatewaySessionName } from '../../providers/gateways/shared/session-name';
import type { GatewayKind } from '../../domain/gateway-kind';
import type { SecretBox } from '../../security/secret-box';
import { isDuplicateKeyError } from '../connection';
import { whatsappSessionModel, type WhatsappSessionDoc } from '../models/whatsapp-session.model';
import type { Page, PageCursor } from '../../domain/page-cursor';
import { afterCursor, newestFirst, pageOf } from '../paging';

/** A session as the API shows it: never the token. */
export interface SessionRecord {
  sessionId: string;
  name: string | null;
  status: SessionStatus;
  qr: string | null;
  connectedAt: string | null;
  lastActivityAt: string | null;
  error: { code: string; message: string } | null;
  gatewayKind: GatewayKind;
  attempt: number;
  createdAt: string;
  updatedAt: string;
}

export interface GatewayCredentials {
  gatewayKind: GatewayKind;
  /** The session's name on the gateway (the seed's `sessionId` query parameter). */
  gatewaySessionId: string;
  /** Decrypted per-session gateway token; null when the gateway issued none or it was cleared. */
  token: string | null;
  status: SessionStatus;
}

export interface SessionStateWrite {
  tenantId: string;
  sessionId: string;
  name: string | null;
  gatewayKind: GatewayKind;
  status: SessionStatus;
  qr: string | null;
  connectedAt: string | null;
  lastActivityAt: string | null;
  error: { code: string; message: string } | null;
  attempt: number;
  sessionData: Record<string, unknown> | null;
  version: number;
}

const idOf = (tenantId: string, sessionId: string) => `${tenantId}:${sessionId}`;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function toRecord(d: WhatsappSessionDoc): SessionRecord {
  return {
    sessionId: d.sessionId,
    name: d.name ?? null,
    status: d.status,
    qr: d.qrCode ?? null,
    connectedAt: iso(d.connectedAt),
    lastActivityAt: iso(d.lastActivityAt),
    error: d.error ?? null,
    gatewayKind: d.gatewayKind,
    attempt: d.attempt ?? 1,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function createSessionRepository(conn: Connection, box: SecretBox) {
  const Session = whatsappSessionModel(conn);

  return {
    /** Idempotent: creates the projection row if absent and returns the session's gateway name. */
    async ensure(input: {
      tenantId: string;
      sessionId: string;
      name: string | null;
      gatewayKind: GatewayKind;
    }) {
      const gatewaySessionId = gatewaySessionName(input.tenantId, input.sessionId);
      const now = new Date();
      try {
        await Session.updateOne(
          { _id: idOf(input.tenantId, input.sessionId) },
          {
            $setOnInsert: {
              tenantId: input.tenantId,
              sessionId: input.sessionId,
              name: input.name,
              status: 'creating',
              qrCode: null,
              sessionData: { gatewaySessionId },
              connectedAt: null,
              lastActivityAt: now,
              gatewayKind: input.gatewayKind,
              gatewaySessionId,
              tokenSealed: null,
              error: null,
              attempt: 1,
              version: 0,
              createdAt: now,
              updatedAt: now,
            },
          },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err; // a concurrent ensure won: same row.
      }
      return { gatewaySessionId };
    },

    async storeToken(tenantId: string, sessionId: string, token: string | null): Promise<void> {
      const sealed = token === null ? null : box.seal(token, idOf(tenantId, sessionId));
      await Session.updateOne(
        { _id: idOf(tenantId, sessionId), tenantId },
        { $set: { tokenSealed: sealed } },
      );
    },

    /** What a gateway call on behalf of this session needs (messages use it to send). */
    async getGatewayCredentials(tenantId: string, sessionId: string): Promise<GatewayCredentials | null> {
      const d = await Session.findOne({ _id: idOf(tenantId, sessionId), tenantId })
        .select({ gatewayKind: 1, gatewaySessionId: 1, tokenSealed: 1, status: 1 })
        .lean();
      if (!d) return null;
      return {
        gatewayKind: d.gatewayKind,
        gatewaySessionId: d.gatewaySessionId,
        token: d.tokenSealed ? box.open(d.tokenSealed, idOf(tenantId, sessionId)) : null,
        status: d.status,
      };
    },

    /**
     * Writes the workflow's view. Ordered by `version`: a write older than what is stored (a retried
     * activity overtaken by a newer one) changes nothing and returns false.
     */
    async recordState(w: SessionStateWrite): Promise<boolean> {
      const now = new Date();
      try {
        const res = await Session.updateOne(
          { _id: idOf(w.tenantId, w.sessionId), version: { $lt: w.version } },
          {
            $set: {
              name: w.name,
              status: w.status,
              qrCode: w.qr,
              connectedAt: w.connectedAt ? new Date(w.connectedAt) : null,
              lastActivityAt: w.lastActivityAt ? new Date(w.lastActivityAt) : null,
              error: w.error,
              attempt: w.attempt,
              sessionData: w.sessionData,
              version: w.version,
              updatedAt: now,
            },
            $setOnInsert: {
              tenantId: w.tenantId,
              sessionId: w.sessionId,
              gatewayKind: w.gatewayKind,
              gatewaySessionId: gatewaySessionName(w.tenantId, w.sessionId),
              tokenSealed: null,
              createdAt: now,
            },
          },
          { upsert: true },
        );
        return res.modifiedCount + res.upsertedCount > 0;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false; // a newer version is stored
        throw err;
      }
    },

    async get(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
      const d = await Session.findOne({ _id: idOf(tenantId, sessionId), tenantId }).lean();
      return d ? toRecord(d) : null;
    },

    /** A tenant's sessions, newest first, a page at a time. */
    async list(tenantId: string, f: { limit: number; cursor?: PageCursor }): Promise<Page<SessionRecord>> {
      const q = { tenantId, ...(f.cursor ? afterCursor('createdAt', f.cursor) : {}) };
      const docs = await Session.find(q)
        .sort(newestFirst('createdAt'))
        .limit(f.limit + 1)
        .lean<WhatsappSessionDoc[]>();
      return pageOf(docs, f.limit, (d) => d.createdAt, toRecord);
    },

    /** Which tenant's session a gateway event is about (gateway names are unique across tenants). */
    async findByGatewaySessionId(
      gatewaySessionId: string,
    ): Promise<{ tenantId: string; sessionId: string; gatewayKind: GatewayKind } | null> {
      const d = await Session.findOne({ gatewaySessionId })
        .select({ tenantId: 1, sessionId: 1, gatewayKind: 1 })
        .lean();
      return d ? { tenantId: d.tenantId, sessionId: d.sessionId, gatewayKind: d.gatewayKind } : null;
    },

    /** Sessions by status across all tenants (metrics only: no tenant's data leaves, just counts). */
    async countByStatus(): Promise<Partial<Record<SessionStatus, number>>> {
      const rows = await Session.aggregate<{ _id: SessionStatus; n: number }>([
        { $group: { _id: '$status', n: { $sum: 1 } } },
      ]);
      return Object.fromEntries(rows.map((r) => [r._id, r.n]));
    },

    async remove(tenantId: string, sessionId: string): Promise<void> {
      await Session.deleteOne({ _id: idOf(tenantId, sessionId), tenantId });
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
