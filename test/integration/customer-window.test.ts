import request from 'supertest';
import { messageHistoryModel } from '../../src/db/models/message-history.model';
import { eventually } from '../helpers/messaging';
import { useStack } from '../fixtures/stack';

const TENANT = 'tenant-window';
const PHONE_ID = '400000000000077';
const TOKEN = 'EAAG-window-token-0123456789';
const HOUR = 3_600_000;

/**
 * The 24-hour customer-service window on the real stack: a free-form message to a user who has not
 * written (or wrote more than 24 h ago) is refused at the API with 422 before anything is started;
 * a template always goes; a message from the user, arriving by Meta's signed webhook and stored by
 * the inbound workflow, opens the window.
 */
describe('messages: the 24-hour customer-service window', () => {
  const stack = useStack({
    queue: 'window',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN } } },
    messaging: { customerWindowMarginMs: 60_000 },
    tenants: [TENANT],
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-window',
          phoneNumberId: PHONE_ID,
          wabaId: '1077',
          displayPhoneNumber: '15550000077',
          accessToken: TOKEN,
        },
      ],
    },
  });

  const text = (to: string, body = 'hello') => ({ from: 'meta-window', to, type: 'text', text: { body } });

  it('refuses free-form text to a user who never wrote, with the reason and the fix, and starts nothing', async () => {
    const res = await request(stack.api.app)
      .post('/v1/messages')
      .set(stack.auth(TENANT))
      .send(text('4915100000001'))
      .expect(422);
    expect(res.body.error).toMatchObject({
      code: 'customer_window_closed',
      details: {
        field: 'body.type',
        rule: 'template_required_outside_24h_window',
        lastInboundAt: null,
        allowedTypes: ['template'],
      },
    });
    expect(res.body.error.message).toContain('only a template message can be sent');
    expect(await messageHistoryModel(stack.db.conn).countDocuments({ tenantId: TENANT })).toBe(0);
    expect(stack.fakes.meta.accepted).toHaveLength(0);
  });

  it('lets a template through outside the window', async () => {
    const id = (
      await request(stack.api.app)
        .post('/v1/messages')
        .set(stack.auth(TENANT))
        .send({
          from: 'meta-window',
          to: '4915100000002',
          type: 'template',
          template: { name: 'order_update', language: 'en_US' },
        })
        .expect(202)
    ).body.id as string;
    await eventually(
      async () => (await stack.deps.messages.get(TENANT, id))?.status === 'sent',
      'template sent',
    );
  });

  it('opens the window when the user writes (signed Meta webhook → inbound workflow), then free-form goes', async () => {
    const user = '4915100000003';
    await request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(text(user)).expect(422);
    expect(
      await stack.fakes.meta.emitInbound({
        phoneNumberId: PHONE_ID,
        wamid: 'wamid.WINDOW1',
        from: user,
        text: 'hi',
      }),
    ).toBe(200);
    await eventually(
      async () => (await stack.deps.windows.lastInboundAt(TENANT, 'meta-window', user)) !== null,
      'window recorded',
    );
    const id = (
      await request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(text(user)).expect(202)
    ).body.id as string;
    await eventually(async () => (await stack.deps.messages.get(TENANT, id))?.status === 'sent', 'text sent');
    // The window belongs to that sender and user only.
    await request(stack.api.app)
      .post('/v1/messages')
      .set(stack.auth(TENANT))
      .send(text('4915100000004'))
      .expect(422);
  });

  it('closes 24 h after the last inbound message (minus the margin); an older redelivery never moves it back', async () => {
    const user = '4915100000005';
    const now = Date.now();
    await stack.deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 25 * HOUR));
    const closed = await request(stack.api.app)
      .post('/v1/messages')
      .set(stack.auth(TENANT))
      .send(text(user))
      .expect(422);
    expect(closed.body.error.details.lastInboundAt).toBe(new Date(now - 25 * HOUR).toISOString());
    expect(closed.body.error.details.windowClosedAt).toBe(new Date(now - HOUR - 60_000).toISOString());

    // Inside the window but within the margin of its end: refused too.
    await stack.deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 24 * HOUR + 30_000));
    await request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(text(user)).expect(422);

    await stack.deps.windows.touch(TENANT, 'meta-window', user, new Date(now - 23 * HOUR));
    await stack.deps.windows.touch(TENANT, 'meta-window', `+${user}`, new Date(now - 30 * HOUR));
    expect(await stack.deps.windows.lastInboundAt(TENANT, 'meta-window', user)).toEqual(
      new Date(now - 23 * HOUR),
    );
    await request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(text(user)).expect(202);
  });

  it("never reads another tenant's window", async () => {
    const user = '4915100000006';
    await stack.deps.windows.touch('other-tenant', 'meta-window', user, new Date());
    await request(stack.api.app).post('/v1/messages').set(stack.auth(TENANT)).send(text(user)).expect(422);
  });
});
