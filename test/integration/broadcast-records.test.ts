import type { Context } from '@temporalio/activity';
import { durablyIn, OutcomeWriter } from '../../activities/broadcast-outcomes';
import { recipientStatusInboxModel } from '../../src/db/models/broadcast.model';
import { createBroadcastRepository } from '../../src/db/repositories/broadcast.repository';
import { createMessageHistoryRepository } from '../../src/db/repositories/message-history.repository';
import { createSendJournalRepository } from '../../src/db/repositories/send-journal.repository';
import { sendJournalModel } from '../../src/db/models/send-journal.model';
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

/** A broadcast id as the API makes them (recipients' message ids are parsed for it). */
const BC = 'bc_JournalTest01234567890';

/** Recipient `i` of broadcast BC, queued, in `chunk`. */
const recipientRecord = (i: number, chunk = 0) =>
  ({
    ...record(i),
    _id: `acme:msg_${BC}-${i}`,
    messageId: `msg_${BC}-${i}`,
    broadcastId: BC,
    broadcastChunk: chunk,
  }) as unknown as Omit<MessageHistoryDoc, 'deletedAt'>;

/** A chunk's outcome writer outside an activity: no heartbeat; a storage outage waits as it would there. */
function outcomeWriter(repo: ReturnType<typeof createBroadcastRepository>, foldMs: number): OutcomeWriter {
  const ctx = { heartbeat: () => undefined, sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) };
  return new OutcomeWriter(
    repo,
    'acme',
    'meta',
    durablyIn(ctx as unknown as Context, undefined),
    undefined,
    foldMs,
  );
}

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

  it('a journaled send takes the statuses that come meanwhile into its one write, and then leaves the journal', async () => {
    const repo = createBroadcastRepository(db.conn);
    const history = createMessageHistoryRepository(db.conn);
    await repo.insertRecords([recipientRecord(0), recipientRecord(1)]);
    const sentAt = new Date('2026-12-04T10:00:00Z');
    // The provider answered both; the chunk journals them (twice: a retried write changes nothing).
    const sends = [0, 1].map((i) => ({
      messageId: `msg_${BC}-${i}`,
      providerMessageId: `wamid.JR${i}`,
      at: sentAt,
    }));
    await repo.journalSent('acme', 'batch-1', sends);
    await repo.journalSent('acme', 'batch-1', sends);
    expect((await repo.journaledSends('acme', BC)).map((j) => j.messageId).sort()).toEqual([
      `msg_${BC}-0`,
      `msg_${BC}-1`,
    ]);
    // Webhooks: recipient 0 delivered then read (and once more, a duplicate); recipient 1's delivered
    // names another provider id (not this send's: it waits for a record that holds that id).
    const at = (s: number) => new Date(sentAt.getTime() + s * 1_000);
    const statuses = [
      { messageId: `msg_${BC}-0`, providerMessageId: 'wamid.JR0', status: 'delivered' as const, at: at(2) },
      { messageId: `msg_${BC}-0`, providerMessageId: 'wamid.JR0', status: 'read' as const, at: at(5) },
      { messageId: `msg_${BC}-0`, providerMessageId: 'wamid.JR0', status: 'read' as const, at: at(5) },
      { messageId: `msg_${BC}-1`, providerMessageId: 'wamid.OTHER', status: 'delivered' as const, at: at(3) },
    ];
    expect(await history.recordRecipientStatuses('acme', statuses)).toBe(0);
    // The same webhook delivered again adds nothing.
    expect(await history.recordRecipientStatuses('acme', statuses)).toBe(0);
    // Nothing reached the records yet: they are written once, by the chunk.
    const Message = messageHistoryModel(db.conn);
    expect((await Message.findById(`acme:msg_${BC}-0`).lean())?.status).toBe('queued');
    // The journal: the batch of sends and one document of statuses that joined it; the status
    // naming another provider id waits in the inbox for a record that holds that id.
    const Journal = sendJournalModel(db.conn);
    expect(
      (await Journal.find({ broadcastId: BC }).lean()).map((d) => [d.kind, d.statuses.length]).sort(),
    ).toEqual([
      ['sent', 0],
      ['statuses', 3],
    ]);
    const Inbox = recipientStatusInboxModel(db.conn);
    expect(await Inbox.countDocuments({ broadcastId: BC })).toBe(1);

    const writer = outcomeWriter(repo, 60_000);
    writer.adopt(await repo.journaledSends('acme', BC));
    await writer.drain('journal');
    // Not due for a minute: still journaled.
    expect((await Message.findById(`acme:msg_${BC}-0`).lean())?.status).toBe('queued');
    await writer.drain('now');

    const r0 = await Message.findById(`acme:msg_${BC}-0`).lean();
    expect(r0).toMatchObject({
      status: 'read',
      providerMessageId: 'wamid.JR0',
      sentAt,
      deliveredAt: at(2),
      readAt: at(5),
    });
    const r1 = await Message.findById(`acme:msg_${BC}-1`).lean();
    expect(r1).toMatchObject({ status: 'sent', providerMessageId: 'wamid.JR1' });
    expect(r1?.deliveredAt ?? null).toBeNull();
    expect(await repo.journaledSends('acme', BC)).toEqual([]);
    expect(await Journal.countDocuments({ broadcastId: BC })).toBe(0);
    // Left: only the status naming a provider id no record holds.
    expect((await Inbox.find({ broadcastId: BC }).lean()).map((d) => d._id)).toEqual([
      `acme:msg_${BC}-1:wamid.OTHER:delivered`,
    ]);
    // A status after the write goes straight to the record (nothing journaled any more).
    expect(
      await history.recordRecipientStatuses('acme', [
        { messageId: `msg_${BC}-1`, providerMessageId: 'wamid.JR1', status: 'delivered', at: at(4) },
      ]),
    ).toBe(1);
    expect((await Message.findById(`acme:msg_${BC}-1`).lean())?.status).toBe('delivered');
  });

  it('a status that joined a journal batch just after its write is applied by the look that follows, forward only', async () => {
    const repo = createBroadcastRepository(db.conn);
    const journal = createSendJournalRepository(db.conn);
    const Message = messageHistoryModel(db.conn);
    const id = (i: number) => `msg_${BC}-${20 + i}`;
    await repo.insertRecords([recipientRecord(20), recipientRecord(21)]);
    const sentAt = new Date('2026-12-04T11:00:00Z');
    await repo.journalSent('acme', 'batch-late', [
      { messageId: id(0), providerMessageId: 'wamid.L0', at: sentAt },
      { messageId: id(1), providerMessageId: 'wamid.L1', at: sentAt },
    ]);
    const batchOf = await journal.batchesOf('acme', [{ messageId: id(0), providerMessageId: 'wamid.L0' }]);
    expect(batchOf.get(`${id(0)}:wamid.L0`)).toBe('batch-late');
    const writer = outcomeWriter(repo, 1);
    writer.adopt(await repo.journaledSends('acme', BC));
    await writer.drain('now');
    expect((await Message.findById(`acme:${id(0)}`).lean())?.status).toBe('sent');
    // The webhook read the journal before that write and stores its statuses after it: a read for
    // recipient 0, and a delivered for recipient 1 that is older than what its record says by then.
    await Message.updateOne({ _id: `acme:${id(1)}` }, { $set: { status: 'read', readAt: new Date() } });
    await journal.keepStatuses(
      'acme',
      [
        {
          messageId: id(0),
          providerMessageId: 'wamid.L0',
          status: 'read',
          at: new Date(sentAt.getTime() + 9_000),
          error: null,
        },
        {
          messageId: id(1),
          providerMessageId: 'wamid.L1',
          status: 'delivered',
          at: new Date(sentAt.getTime() + 3_000),
          error: null,
        },
      ],
      new Map([
        [`${id(0)}:wamid.L0`, 'batch-late'],
        [`${id(1)}:wamid.L1`, 'batch-late'],
      ]),
    );
    // Two writes moved recipient 0 (the read, and its delivered time); recipient 1's delivered, none.
    expect(await repo.applyJournalLeftovers('acme', { foldBatch: 'batch-late' })).toBe(2);
    expect(await Message.findById(`acme:${id(0)}`).lean()).toMatchObject({
      status: 'read',
      deliveredAt: new Date(sentAt.getTime() + 9_000),
      readAt: new Date(sentAt.getTime() + 9_000),
    });
    expect((await Message.findById(`acme:${id(1)}`).lean())?.status).toBe('read');
    expect(await sendJournalModel(db.conn).countDocuments({ foldBatch: 'batch-late' })).toBe(0);
  });

  it('a journal batch larger than one record write is written whole, with its statuses', async () => {
    const repo = createBroadcastRepository(db.conn);
    const history = createMessageHistoryRepository(db.conn);
    const Message = messageHistoryModel(db.conn);
    const n = 300; // more than one record write takes (FOLD_MAX)
    const id = (i: number) => `msg_${BC}-${1000 + i}`;
    await repo.insertRecords(Array.from({ length: n }, (_, i) => recipientRecord(1000 + i, 1)));
    const sentAt = new Date('2026-12-04T12:00:00Z');
    const sends = Array.from({ length: n }, (_, i) => ({
      messageId: id(i),
      providerMessageId: `wamid.B${i}`,
      at: sentAt,
    }));
    await repo.journalSent('acme', 'batch-big', sends);
    expect(
      await history.recordRecipientStatuses(
        'acme',
        sends.map((x) => ({ ...x, status: 'delivered' as const, at: new Date(sentAt.getTime() + 1_000) })),
      ),
    ).toBe(0);
    const writer = outcomeWriter(repo, 1);
    writer.adopt(await repo.journaledSends('acme', BC));
    await writer.drain('now');
    const rows = await Message.find({ broadcastId: BC, broadcastChunk: 1 }, { status: 1 }).lean();
    expect(rows).toHaveLength(n);
    expect(rows.filter((r) => r.status !== 'delivered')).toEqual([]);
    expect(await sendJournalModel(db.conn).countDocuments({ foldBatch: 'batch-big' })).toBe(0);
  });
});
