import request from 'supertest';
import type { GatewayKind } from '../../src/domain/gateway-kind';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { useGatewayStack } from '../fixtures/gateway-stack';
import { eventually } from '../helpers/messaging';

/**
 * A message sent through a WAHA or an Evolution session follows the gateway's acknowledgements to
 * read: the simulator answers the send with its id, and — when the test asks, so no ack can race
 * the record of that id — posts the acks to our gateway webhook in the gateway's own shape.
 */
function acknowledgedThrough(kind: GatewayKind, idShape: RegExp) {
  describe(`messages through a ${kind} session follow its acknowledgements`, () => {
    const tenant = `tenant-acks-${kind}`;
    const stack = useGatewayStack({
      kind,
      queue: `gw-acks-${kind}`,
      tenants: [tenant],
      simulator: { ackDelayMs: null },
    });
    let gw: string;
    beforeAll(async () => {
      gw = await stack.connect(tenant, 'shop');
    });

    const post = (body: object) =>
      request(stack.sessions.app).post('/v1/messages').set(stack.auth(tenant)).send(body).expect(202);
    const record = (id: string) => stack.deps.messages.get(tenant, id);
    const sentRecord = (id: string) =>
      eventually(async () => {
        const r = await record(id);
        return r?.status === 'sent' && r.providerMessageId ? r : null;
      }, 'sent');
    const ack = async (messageId: string, acks?: string[]) =>
      (
        await request(stack.sessions.simUrl)
          .post(`/simulator/sessions/${gw}/acks`)
          .send({ messageId, ...(acks ? { acks } : {}) })
          .expect(200)
      ).body.deliveries as Array<{ level: string; status: number }>;

    it('reaches read: accepted, sent with the gateway’s id, then delivered and read from its webhooks', async () => {
      const id = (await post({ from: 'shop', to: '+49 151 12345678', type: 'text', text: { body: 'Hi' } }))
        .body.id as string;
      const sent = await sentRecord(id);
      expect(sent).toMatchObject({ provider: 'whatsapp_web', sessionId: 'shop' });
      expect(sent.providerMessageId).toMatch(idShape);
      const handle = stack.temporal.client.workflow.getHandle(workflowIds.message(tenant, id));
      // Statuses will follow: the workflow waits for them instead of ending at sent.
      expect((await handle.describe()).status.name).toBe('RUNNING');

      expect(await ack(sent.providerMessageId as string)).toEqual([
        { level: 'sent', status: 200 },
        { level: 'delivered', status: 200 },
        { level: 'read', status: 200 },
      ]);
      const read = await eventually(async () => {
        const r = await record(id);
        return r?.status === 'read' ? r : null;
      }, 'read');
      expect(read.deliveredAt).toBeInstanceOf(Date);
      expect(read.readAt).toBeInstanceOf(Date);
      expect(await handle.result()).toMatchObject({ status: 'read' });
    });

    it('a location goes out too; an ERROR acknowledgement fails the message', async () => {
      const id = (
        await post({
          from: 'shop',
          to: '4915112345678',
          type: 'location',
          location: { latitude: 52.5, longitude: 13.4 },
        })
      ).body.id as string;
      const sent = await sentRecord(id);
      expect(await ack(sent.providerMessageId as string, ['failed'])).toEqual([
        { level: 'failed', status: 200 },
      ]);
      const failed = await eventually(async () => {
        const r = await record(id);
        return r?.status === 'failed' ? r : null;
      }, 'failed');
      expect(failed.errorCode).toBe('ack_error');
    });

    it('refuses with 422 what the gateway cannot send, naming what it can', async () => {
      const res = await request(stack.sessions.app)
        .post('/v1/messages')
        .set(stack.auth(tenant))
        .send({ from: 'shop', to: '4915112345678', type: 'audio', audio: { link: 'https://cdn.test/a.ogg' } })
        .expect(422);
      expect(res.body.error).toMatchObject({
        code: 'unsupported_message_type',
        details: { supportedTypes: ['text', 'image', 'document', 'location'] },
      });
    });
  });
}

acknowledgedThrough('waha', /^true_4915112345678@c\.us_3EB0[0-9A-F]{16}$/);
acknowledgedThrough('evolution', /^3EB0[0-9A-F]{16}$/);
