import { createBroadcastRepository } from '../../src/db/repositories/broadcast.repository';
import { messageHistoryModel, type MessageHistoryDoc } from '../../src/db/models/message-history.model';
import { useDatabase } from '../fixtures/infra';

/** A recipient's queued record as prepareBroadcast writes it (only what this test reads matters). */
const record = (i: number) =>
  ({
    _id: `acme:msg_bc_rec-${i}`,
    tenantId: 'acme',
    messageId: `msg_bc_rec-${i}`,
    broadcastId: 'bc_rec',
    broadcastIndex: i,
    status: 'queued',
    recipientPhone: `4916000000${i}`,
    createdAt: new Date(),
    updatedAt: new Date(),
  }) as unknown as Omit<MessageHistoryDoc, 'deletedAt'>;

/** The recipients' records are written once, however often the activity writing them is retried. */
describe('broadcast recipient records (real MongoDB-protocol server)', () => {
  const db = useDatabase();
  beforeAll(async () => {
    await messageHistoryModel(db.conn).init();
  });

  it('writes the missing ones only and answers how many it wrote', async () => {
    const repo = createBroadcastRepository(db.conn);
    expect(await repo.insertRecords([record(0), record(1)])).toBe(2);
    // A retried attempt: two already written, one of them moved on meanwhile (kept as it is).
    await messageHistoryModel(db.conn).updateOne({ _id: 'acme:msg_bc_rec-1' }, { $set: { status: 'sent' } });
    expect(await repo.insertRecords([record(0), record(1), record(2)])).toBe(1);
    expect(await repo.insertRecords([record(2)])).toBe(0);
    const rows = await repo.records('acme', 'bc_rec', 0);
    expect(rows.map((r) => [r.broadcastIndex, r.status]).sort()).toEqual([
      [0, 'queued'],
      [1, 'sent'],
      [2, 'queued'],
    ]);
  });

  it('reads one chunk by the chunk number its records carry, the others not', async () => {
    const repo = createBroadcastRepository(db.conn);
    const inChunk = (i: number, chunk: number) =>
      ({
        ...record(i),
        _id: `acme:msg_bc_ch-${i}`,
        messageId: `msg_bc_ch-${i}`,
        broadcastId: 'bc_ch',
        broadcastIndex: i,
        broadcastChunk: chunk,
      }) as unknown as Omit<MessageHistoryDoc, 'deletedAt'>;
    expect(await repo.insertRecords([inChunk(0, 0), inChunk(1, 0), inChunk(1000, 1), inChunk(1001, 1)])).toBe(
      4,
    );
    expect((await repo.records('acme', 'bc_ch', 1)).map((r) => r.broadcastIndex).sort()).toEqual([
      1000, 1001,
    ]);
    expect((await repo.records('acme', 'bc_ch', 0)).map((r) => r.broadcastIndex).sort()).toEqual([0, 1]);
    expect(await repo.records('acme', 'bc_ch', 2)).toEqual([]);
  });
});
