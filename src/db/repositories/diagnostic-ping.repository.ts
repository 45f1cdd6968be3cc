import type { Connection } from 'mongoose';
import { diagnosticPingModel } from '../models/diagnostic-ping.model';

export interface DiagnosticPing {
  pingId: string;
  workflowId: string;
  recordedAt: string;
  writes: number;
}

export function createDiagnosticPingRepository(conn: Connection) {
  const Ping = diagnosticPingModel(conn);
  return {
    /** Idempotent: a retried activity keeps the first recordedAt and only counts the extra write. */
    async record(input: { tenantId: string; pingId: string; workflowId: string }): Promise<DiagnosticPing> {
      const doc = await Ping.findOneAndUpdate(
        { _id: `${input.tenantId}:${input.pingId}` },
        {
          $setOnInsert: {
            tenantId: input.tenantId,
            pingId: input.pingId,
            workflowId: input.workflowId,
            recordedAt: new Date(),
          },
          $inc: { writes: 1 },
        },
        { upsert: true, returnDocument: 'after', lean: true },
      );
      if (!doc) throw new Error('upsert returned no document');
      return {
        pingId: doc.pingId,
        workflowId: doc.workflowId,
        recordedAt: doc.recordedAt.toISOString(),
        writes: doc.writes,
      };
    },

    async get(tenantId: string, pingId: string): Promise<DiagnosticPing | null> {
      const doc = await Ping.findOne({ _id: `${tenantId}:${pingId}`, tenantId }).lean();
      return doc
        ? {
            pingId: doc.pingId,
            workflowId: doc.workflowId,
            recordedAt: doc.recordedAt.toISOString(),
            writes: doc.writes,
          }
        : null;
    },
  };
}

export type DiagnosticPingRepository = ReturnType<typeof createDiagnosticPingRepository>;
