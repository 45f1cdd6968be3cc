import { Schema, type Connection, type Model } from 'mongoose';
import type {
  DeadLetterKind,
  DeadLetterProvider,
  DeadLetterReason,
  EntryIssue,
} from '../../domain/dead-letter';

/**
 * A webhook entry or inbound event set aside (src/domain/dead-letter.ts), stored once:
 * `_id` = `dlq_` + sha256 of provider, tenant and the entry's JSON with sorted keys, so a redelivery
 * finds it already there (and only counts `deliveries` up). `tenantId` is null when the tenant
 * could not be determined. Everything stored is storable by construction: the entry is JSON text
 * (NUL escaped by JSON itself), ids and issue messages are cleaned and cut.
 */
export interface DeadLetterDoc {
  _id: string;
  tenantId: string | null;
  provider: DeadLetterProvider;
  kind: DeadLetterKind;
  reason: DeadLetterReason;
  issues: EntryIssue[];
  providerIds: Record<string, string>;
  /** The entry as JSON text (keys sorted), at most DEAD_LETTER_ENTRY_CHARS characters. */
  entry: string;
  entryTruncated: boolean;
  receivedAt: Date;
  lastReceivedAt: Date;
  deliveries: number;
}

const schema = new Schema<DeadLetterDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, default: null },
    provider: { type: String, required: true },
    kind: { type: String, required: true },
    reason: { type: String, required: true },
    issues: { type: Schema.Types.Mixed, default: [] },
    providerIds: { type: Schema.Types.Mixed, default: {} },
    entry: { type: String, required: true },
    entryTruncated: { type: Boolean, required: true },
    receivedAt: { type: Date, required: true },
    lastReceivedAt: { type: Date, required: true },
    deliveries: { type: Number, required: true },
  },
  { collection: 'dead_letters', versionKey: false, minimize: false },
);
schema.index({ tenantId: 1, receivedAt: -1 });

export function deadLetterModel(conn: Connection): Model<DeadLetterDoc> {
  return (
    (conn.models.DeadLetter as Model<DeadLetterDoc> | undefined) ??
    conn.model<DeadLetterDoc>('DeadLetter', schema)
  );
}
