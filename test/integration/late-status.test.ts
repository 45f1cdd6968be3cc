import request from 'supertest';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { useStack } from '../fixtures/stack';
import { eventually } from '../helpers/messaging';

const TENANT = 'tenant-late';
const PHONE_ID = '106540352242922';
const TOKEN = 'EAAG-late-status-token-0123456789';

/**
 * A message's workflow follows statuses for MESSAGE_STATUS_TIMEOUT_MS (here 300 ms, 24 h by
 * default); people read messages later. A delivered or read arriving after the workflow ended
 * still moves the record forward — only forward, and only for the provider id the record holds.
 */
describe('messages: statuses after the workflow stopped following', () => {
  const stack = useStack({
    queue: 'late',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN } } },
    messaging: { settings: { statusTimeoutMs: 300 } },
    tenants: [TENANT],
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-late',
          phoneNumberId: PHONE_ID,
          wabaId: '102290129340398',
          displayPhoneNumber: '15550783881',
          accessToken: TOKEN,
        },
      ],
    },
  });

  const sendAndFinish = async (body: string) => {
    const id = (
      await request(stack.api.app)
        .post('/v1/messages')
        .set(stack.auth(TENANT))
        .send({ from: 'meta-late', to: '16505551234', type: 'text', text: { body } })
        .expect(202)
    ).body.id as string;
    await eventually(async () => (await stack.deps.messages.get(TENANT, id))?.status === 'sent', 'sent');
    // The workflow ends when its status timeout passes without a final status.
    const state = (await stack.temporal.client.workflow
      .getHandle(workflowIds.message(TENANT, id))
      .result()) as {
      status: string;
    };
    expect(state.status).toBe('sent');
    return { id, wamid: stack.fakes.meta.sendsFor(id)[0]?.wamid as string };
  };

  it('applies delivered and read that arrive after the workflow ended, forward only', async () => {
    const { id, wamid } = await sendAndFinish('late read');
    const cb = `${TENANT}:${id}`;
    // The webhook's 200 comes after the write: no waiting needed.
    expect(await stack.fakes.meta.emitStatuses([{ wamid, status: 'read', callbackData: cb }])).toBe(200);
    let doc = await stack.deps.messages.get(TENANT, id);
    expect(doc?.status).toBe('read');
    const readAt = doc?.readAt;
    expect(doc?.readAt).not.toBeNull();
    expect(doc?.deliveredAt).toEqual(doc?.readAt);
    // Later, older or failing statuses never move it back.
    expect(
      await stack.fakes.meta.emitStatuses([
        { wamid, status: 'delivered', callbackData: cb },
        { wamid, status: 'failed', callbackData: cb },
        { wamid, status: 'read' },
      ]),
    ).toBe(200);
    doc = await stack.deps.messages.get(TENANT, id);
    expect(doc?.status).toBe('read');
    expect(doc?.readAt).toEqual(readAt);
    expect(doc?.errorCode ?? null).toBeNull();
  });

  it('finds the message by its wamid when the status carries no reference; another wamid moves nothing', async () => {
    const { id, wamid } = await sendAndFinish('late delivered');
    expect(
      await stack.fakes.meta.emitStatuses([
        { wamid: 'wamid.SOMETHING-ELSE', status: 'read', callbackData: `${TENANT}:${id}` },
      ]),
    ).toBe(200);
    expect((await stack.deps.messages.get(TENANT, id))?.status).toBe('sent');
    expect(await stack.fakes.meta.emitStatuses([{ wamid, status: 'delivered' }])).toBe(200);
    expect((await stack.deps.messages.get(TENANT, id))?.status).toBe('delivered');
  });
});
