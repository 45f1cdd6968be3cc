import { SESSION_STATUSES, SESSION_STATUS_INFO, fromGatewayStatus } from '../../src/domain/session-status';
import { normaliseSeedWebhook } from '../../src/providers/gateways/seed/seed.webhook';
import { normaliseGatewayWebhook } from '../../src/providers/gateways/webhooks';
import { gatewaySessionName } from '../../src/providers/gateways/shared/session-name';

describe('session statuses (seed 000 WhatsAppConnectionStatus)', () => {
  it('has the seed’s six statuses with label, colour, isActive and canShowQrCode', () => {
    expect(SESSION_STATUSES).toEqual([
      'disconnected',
      'creating',
      'connecting',
      'pending',
      'generating_qr',
      'connected',
    ]);
    expect(SESSION_STATUS_INFO).toEqual({
      disconnected: { label: 'Disconnected', color: 'gray', isActive: false, canShowQrCode: false },
      creating: { label: 'Creating Session', color: 'info', isActive: true, canShowQrCode: true },
      connecting: { label: 'Connecting', color: 'info', isActive: true, canShowQrCode: true },
      pending: { label: 'Pending', color: 'warning', isActive: true, canShowQrCode: true },
      generating_qr: { label: 'Generating QR Code', color: 'info', isActive: true, canShowQrCode: true },
      connected: { label: 'Connected', color: 'success', isActive: true, canShowQrCode: false },
    });
  });

  it('fromGatewayStatus: case-insensitive; unknown → disconnected, flagged', () => {
    expect(fromGatewayStatus('GENERATING_QR')).toEqual({ status: 'generating_qr', known: true });
    expect(fromGatewayStatus('connected')).toEqual({ status: 'connected', known: true });
    expect(fromGatewayStatus('BANNED')).toEqual({ status: 'disconnected', known: false });
    expect(fromGatewayStatus(undefined)).toEqual({ status: 'disconnected', known: false });
  });
});

describe('seed gateway webhook normaliser', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it('maps session.update, session.qr, session.logged_out and ignores other events', () => {
    expect(
      normaliseSeedWebhook({
        event: 'session.update',
        sessionId: 'g',
        data: { status: 'CONNECTED' },
        timestamp: at,
      }),
    ).toEqual({
      gatewaySessionId: 'g',
      event: { kind: 'status', status: 'connected', qr: null, at },
    });
    expect(
      normaliseSeedWebhook({ event: 'session.qr', sessionId: 'g', data: { qr: 'Q' }, timestamp: at }).event,
    ).toEqual({
      kind: 'qr',
      status: 'generating_qr',
      qr: 'Q',
      at,
    });
    expect(
      normaliseSeedWebhook({ event: 'session.logged_out', sessionId: 'g', timestamp: at }).event,
    ).toMatchObject({ kind: 'logged_out' });
    expect(
      normaliseSeedWebhook({
        event: 'session-status',
        sessionId: 'g',
        data: { status: 'DISCONNECTED', reason: 'loggedOut' },
        timestamp: at,
      }).event,
    ).toMatchObject({ kind: 'logged_out' });
    expect(normaliseSeedWebhook({ event: 'message.received', sessionId: 'g', data: {} }).event).toBeNull();
  });

  it('accepts epoch seconds or ms timestamps; a missing one is now', () => {
    expect(
      normaliseSeedWebhook({
        event: 'session.update',
        sessionId: 'g',
        data: { status: 'CONNECTED' },
        timestamp: 1767225600,
      }).event?.at,
    ).toBe(at);
    expect(
      normaliseSeedWebhook({
        event: 'session.update',
        sessionId: 'g',
        data: { status: 'CONNECTED' },
        timestamp: 1767225600000,
      }).event?.at,
    ).toBe(at);
    const now = new Date('2026-02-02T00:00:00Z');
    expect(
      normaliseSeedWebhook({ event: 'session.update', sessionId: 'g', data: { status: 'CONNECTED' } }, now)
        .event?.at,
    ).toBe(now.toISOString());
  });
});

describe('WAHA and Evolution webhook normalisers (through the dispatcher)', () => {
  const at = '2026-01-01T00:00:00.000Z';
  it('WAHA session.status: SCAN_QR_CODE → generating_qr, WORKING → connected, STOPPED/FAILED → logged out; others ignored', () => {
    const w = (status: string, event = 'session.status') =>
      normaliseGatewayWebhook({ event, session: 'g', payload: { status }, timestamp: Date.parse(at) });
    expect(w('SCAN_QR_CODE')).toEqual({
      ok: true,
      gatewaySessionId: 'g',
      event: { kind: 'status', status: 'generating_qr', at },
    });
    expect(w('WORKING')).toMatchObject({ event: { kind: 'status', status: 'connected' } });
    expect(w('FAILED')).toMatchObject({ event: { kind: 'logged_out' } });
    expect(w('STOPPED')).toMatchObject({ event: { kind: 'logged_out' } });
    expect(w('x', 'message')).toMatchObject({ ok: true, event: null });
  });

  it('Evolution qrcode.updated, connection.update, logout.instance (upper-snake names too)', () => {
    const e = (event: string, data: object) =>
      normaliseGatewayWebhook({ event, instance: 'g', data, date_time: at, apikey: 'secret' });
    expect(e('qrcode.updated', { qrcode: { code: '2@q' } })).toEqual({
      ok: true,
      gatewaySessionId: 'g',
      event: { kind: 'qr', status: 'generating_qr', qr: '2@q', at },
    });
    expect(e('CONNECTION_UPDATE', { state: 'open' })).toMatchObject({
      event: { kind: 'status', status: 'connected' },
    });
    expect(e('connection.update', { state: 'close' })).toMatchObject({ event: { kind: 'logged_out' } });
    expect(e('logout.instance', {})).toMatchObject({ event: { kind: 'logged_out' } });
    expect(e('messages.upsert', {})).toMatchObject({ ok: true, event: null });
    expect(normaliseGatewayWebhook({ event: 'x', instance: 7 })).toMatchObject({ ok: false });
  });
});

describe('gateway session names', () => {
  it('are stable, tenant-unique and within the seed’s id rule', () => {
    const a = gatewaySessionName('tenant-a', 'main');
    expect(a).toBe(gatewaySessionName('tenant-a', 'main'));
    expect(a).not.toBe(gatewaySessionName('tenant-b', 'main'));
    expect(gatewaySessionName('a_b', 'c')).not.toBe(gatewaySessionName('a', 'b_c'));
    const long = gatewaySessionName('t'.repeat(63), 's'.repeat(50));
    expect(long).toMatch(/^[a-zA-Z0-9_-]{1,50}$/);
  });
});
