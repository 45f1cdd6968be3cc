import request from 'supertest';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { eventually, messagingDeps, startMessagingApi } from '../helpers/messaging';
import { uniqueTaskQueue } from '../helpers/temporal';
import { useStack } from '../fixtures/stack';

const TENANT = 'tenant-replay';
const PHONE_ID = '400000000000031';
const TOKEN = 'EAAG-replay-token-0123456789';
const HOUR = 3_600_000;

/**
 * Issue 13: a retried POST /v1/messages with a used Idempotency-Key returns the message the key
 * made, even when what was checked at the first request no longer holds — the 24-hour window has
 * closed, the sender is gone. The checks ran before the replay lookup and answered 422.
 */
describe('messages: an idempotent retry returns the original message whatever changed since', () => {
  const log = captureLogger();
  const apis: Awaited<ReturnType<typeof startMessagingApi>>[] = [];
  afterAll(async () => {
    for (const api of apis) await api.close();
  });
  const stack = useStack({
    queue: 'replay',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN, '400000000000032': TOKEN } } },
    messaging: { customerWindowMarginMs: 0 },
    logger: log.logger,
    tenants: [TENANT],
  });
  /** An API over the run's database and Temporal; `marginMs` closes the window that much early. */
  const startApi = async (opts: { marginMs: number; taskQueue?: string }) => {
    const deps = messagingDeps({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      taskQueue: opts.taskQueue ?? stack.taskQueue,
      metaBaseUrl: stack.fakes.meta.baseUrl,
      customerWindowMarginMs: opts.marginMs,
    });
    const api = await startMessagingApi({
      conn: stack.db.conn,
      temporal: stack.temporal.client,
      taskQueue: opts.taskQueue ?? stack.taskQueue,
      logger: log.logger,
      deps,
    });
    apis.push(api);
    return { deps, app: api.app };
  };
  const registerSender = (deps: ReturnType<typeof messagingDeps>, senderId: string, phoneNumberId: string) =>
    deps.senders.register(TENANT, {
      senderId,
      phoneNumberId,
      wabaId: '1031',
      displayPhoneNumber: `1555${phoneNumberId.slice(-7)}`,
      accessToken: TOKEN,
    });
  const text = (from: string, to: string) => ({
    from,
    to,
    type: 'text',
    text: { body: 'Your order shipped' },
  });
  const send = (app: Awaited<ReturnType<typeof startApi>>['app'], body: object, key: string) =>
    request(app).post('/v1/messages').set(stack.auth(TENANT)).set('Idempotency-Key', key).send(body);

  it('after the 24-hour window closed: the retry replays (202), a new key is refused (422)', async () => {
    const user = '4915100000031';
    // The user wrote 23 h ago: open for an API without margin, closed for one with a 2 h margin.
    const open = await startApi({ marginMs: 0 });
    const closed = await startApi({ marginMs: 2 * HOUR });
    await registerSender(open.deps, 'meta-replay', PHONE_ID);
    await open.deps.windows.touch(TENANT, 'meta-replay', user, new Date(Date.now() - 23 * HOUR));

    const first = await send(open.app, text('meta-replay', user), 'window-1').expect(202);
    const id = first.body.id as string;
    await eventually(async () => (await open.deps.messages.get(TENANT, id))?.status === 'sent', 'sent');

    const again = await send(closed.app, text('meta-replay', user), 'window-1').expect(202);
    expect(again.body).toEqual({ id, status: 'sent' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    const fresh = await send(closed.app, text('meta-replay', user), 'window-2').expect(422);
    expect(fresh.body.error.code).toBe('customer_window_closed');
    // Another body under the used key is still a conflict, not a replay.
    const other = await send(closed.app, { ...text('meta-replay', user), text: { body: 'x' } }, 'window-1');
    expect(other.status).toBe(409);
    expect(stack.fakes.meta.sendsFor(id)).toHaveLength(1);
  });

  it('after the sender was removed: the retry replays (202), a new key is refused (422)', async () => {
    const { deps, app } = await startApi({ marginMs: 0 });
    await registerSender(deps, 'meta-gone', '400000000000032');
    const body = {
      from: 'meta-gone',
      to: '4915100000032',
      type: 'template',
      template: { name: 'order_update', language: 'en_US' },
    };
    const first = await send(app, body, 'gone-1').expect(202);
    const id = first.body.id as string;
    await eventually(async () => (await deps.messages.get(TENANT, id))?.status === 'sent', 'sent');
    expect(await deps.senders.remove(TENANT, 'meta-gone')).toBe(true);

    const again = await send(app, body, 'gone-1').expect(202);
    expect(again.body).toEqual({ id, status: 'sent' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    const fresh = await send(app, body, 'gone-2').expect(422);
    expect(fresh.body.error.code).toBe('unknown_sender');
  });

  it('accepted but not recorded yet (no worker has run it): the retry replays from the workflow', async () => {
    // A task queue no worker polls: the workflow starts (202) and its queued record is never written.
    const { deps, app } = await startApi({ marginMs: 0, taskQueue: uniqueTaskQueue('replay-idle') });
    await registerSender(deps, 'meta-idle', '400000000000033');
    const body = {
      from: 'meta-idle',
      to: '4915100000033',
      type: 'template',
      template: { name: 'order_update', language: 'en_US' },
    };
    const first = await send(app, body, 'idle-1').expect(202);
    const id = first.body.id as string;
    try {
      expect(await deps.senders.remove(TENANT, 'meta-idle')).toBe(true);
      const again = await send(app, body, 'idle-1').expect(202);
      expect(again.body).toEqual({ id, status: 'queued' });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await deps.messages.get(TENANT, id)).toBeNull();
      await send(app, body, 'idle-2').expect(422);
    } finally {
      await stack.temporal.client.workflow.getHandle(workflowIds.message(TENANT, id)).terminate('test done');
    }
  });
});
