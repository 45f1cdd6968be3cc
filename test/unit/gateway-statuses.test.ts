import { gatewayWebhookSource } from '../../src/ingest/sources/gateway.source';
import { normaliseGatewayStatus } from '../../src/providers/gateways/statuses';
import { evolutionUpdate, wahaAck } from '../fixtures/gateway-acks';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const WAHA_ID = 'true_4915112345678@c.us_3EB0A1B2C3D4E5F6';

describe('gateway acknowledgements → message statuses', () => {
  it('WAHA message.ack: ERROR failed, PENDING nothing, SERVER sent, DEVICE delivered, READ and PLAYED read', () => {
    const at = new Date(1_717_236_000_123).toISOString();
    const out = [-1, 0, 1, 2, 3, 4].map((ack) =>
      normaliseGatewayStatus(wahaAck('shop-gw', WAHA_ID, ack), NOW),
    );
    expect(out).toEqual([
      {
        ok: true,
        gatewaySessionId: 'shop-gw',
        status: {
          status: 'failed',
          providerMessageId: WAHA_ID,
          at,
          error: { code: 'ack_error', message: 'WAHA reported the message as failed (ack ERROR)' },
        },
      },
      { ok: true, gatewaySessionId: 'shop-gw', status: null, ignored: 'ack PENDING' },
      ...(['sent', 'delivered', 'read', 'read'] as const).map((status) => ({
        ok: true,
        gatewaySessionId: 'shop-gw',
        status: { status, providerMessageId: WAHA_ID, at },
      })),
    ]);
  });

  it('WAHA: the level from ackName when ack is absent; acks of received messages ignored; no timestamp is now', () => {
    const byName = wahaAck('s', WAHA_ID, 2, { ack: undefined, ackName: 'DEVICE' });
    delete (byName as { timestamp?: number }).timestamp;
    expect(normaliseGatewayStatus(byName, NOW)).toMatchObject({
      ok: true,
      status: { status: 'delivered', at: NOW.toISOString() },
    });
    expect(normaliseGatewayStatus(wahaAck('s', 'false_49151@c.us_AAAA', 3, { fromMe: false }), NOW)).toEqual({
      ok: true,
      gatewaySessionId: 's',
      status: null,
      ignored: 'ack of a received message',
    });
  });

  it('Evolution messages.update: ERROR failed, SERVER_ACK sent, DELIVERY_ACK delivered, READ/PLAYED read; PENDING and DELETED nothing', () => {
    const at = '2024-06-01T10:00:05.000Z';
    const statuses = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED', 'DELETED'];
    const out = statuses.map((s) => normaliseGatewayStatus(evolutionUpdate('shop-gw', '3EB0AA', s), NOW));
    expect(out.map((o) => (o?.ok && o.status ? o.status.status : o?.ok ? o.ignored : 'invalid'))).toEqual([
      'failed',
      'status PENDING',
      'sent',
      'delivered',
      'read',
      'read',
      'status DELETED',
    ]);
    expect(out[3]).toEqual({
      ok: true,
      gatewaySessionId: 'shop-gw',
      status: { status: 'delivered', providerMessageId: '3EB0AA', at },
    });
    expect(out[0]).toMatchObject({ status: { error: { code: 'ack_error' } } });
  });

  it('Evolution: the subscription spelling MESSAGES_UPDATE too; updates of received messages ignored; a bad date is now', () => {
    expect(
      normaliseGatewayStatus(evolutionUpdate('i', 'K1', 'READ', {}, 'MESSAGES_UPDATE'), NOW),
    ).toMatchObject({ ok: true, status: { status: 'read', providerMessageId: 'K1' } });
    expect(normaliseGatewayStatus(evolutionUpdate('i', 'K1', 'READ', { fromMe: false }), NOW)).toMatchObject({
      ok: true,
      status: null,
      ignored: 'update of a received message',
    });
    const undated = { ...evolutionUpdate('i', 'K1', 'READ'), date_time: 'yesterday' };
    expect(normaliseGatewayStatus(undated, NOW)).toMatchObject({ status: { at: NOW.toISOString() } });
  });

  it('other events are no acknowledgements: session events, received messages, the seed’s', () => {
    expect(
      normaliseGatewayStatus({ event: 'session.status', session: 's', payload: { status: 'WORKING' } }),
    ).toBeNull();
    expect(normaliseGatewayStatus({ event: 'message', session: 's', payload: { id: 'x' } })).toBeNull();
    expect(normaliseGatewayStatus({ event: 'messages.upsert', instance: 'i', data: {} })).toBeNull();
    expect(normaliseGatewayStatus({ event: 'session.update', sessionId: 's', data: {} })).toBeNull();
  });

  it('an acknowledgement that does not fit is refused with the field that failed', () => {
    const noKey = evolutionUpdate('i', 'K1', 'READ');
    delete (noKey.data as { keyId?: string }).keyId;
    const bad = [
      noKey,
      wahaAck('s', 'id\u0000nul', 3),
      wahaAck('s', WAHA_ID, 7),
      { ...evolutionUpdate('i', 'K1', 'READ'), data: { keyId: 'K1', status: 4 } },
    ];
    expect(bad.map((b) => normaliseGatewayStatus(b, NOW))).toEqual(
      bad.map(() => ({ ok: false, issues: expect.any(Array) })),
    );
  });
});

describe('the gateway webhook source reads acknowledgements as statuses', () => {
  const source = gatewayWebhookSource({ secret: 'test-webhook-secret-0123456789', inbound: true });

  it('WAHA and Evolution acks become status events of their session', () => {
    expect(source.normalise(wahaAck('shop-gw', WAHA_ID, 3))).toMatchObject({
      kind: 'status',
      status: { gatewaySessionId: 'shop-gw', status: { status: 'read', providerMessageId: WAHA_ID } },
    });
    expect(source.normalise(evolutionUpdate('shop-gw', 'K9', 'DELIVERY_ACK'))).toMatchObject({
      kind: 'status',
      status: { gatewaySessionId: 'shop-gw', status: { status: 'delivered', providerMessageId: 'K9' } },
    });
  });

  it('a malformed one is a dead letter of kind status, with the ids that could be read', () => {
    const w = source.normalise(evolutionUpdate('shop-gw', 'K9', ''));
    expect(w).toMatchObject({
      kind: 'rejected',
      named: 'shop-gw',
      rejected: {
        kind: 'status',
        reason: 'invalid_entry',
        providerIds: { sessionId: 'shop-gw', event: 'messages.update', messageId: 'K9' },
        issues: [expect.objectContaining({ path: 'data.status' })],
      },
    });
  });
});
