import {
  applyObservation,
  initialState,
  observationFromEvent,
  observationFromPoll,
  toView,
} from '../../workflows/session-state';
import type { SessionWorkflowInput } from '../../workflows/session.definitions';

const input: SessionWorkflowInput = {
  tenantId: 't',
  sessionId: 's',
  name: null,
  gatewayKind: 'seed',
  timing: {
    qrExpiryMs: 1000,
    pollInitialMs: 100,
    pollMaxMs: 400,
    connectedPollMs: 1000,
    createMaxAttempts: 3,
    createInitialIntervalMs: 100,
    callTimeoutMs: 3_000,
  },
};
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function waiting() {
  const s = initialState(input, T0);
  s.phase = 'waiting';
  s.status = 'connecting';
  s.gatewayCreated = true;
  s.attemptStartedAt = T0;
  return s;
}

describe('session state machine (pure)', () => {
  it('a QR moves to generating_qr once; the same QR again is no change; a new one is', () => {
    const s = waiting();
    expect(applyObservation(s, { status: 'generating_qr', qr: 'Q1' }, at(1))).toBe(true);
    expect(applyObservation(s, { status: 'generating_qr', qr: 'Q1' }, at(2))).toBe(false);
    expect(applyObservation(s, { status: 'generating_qr', qr: 'Q2' }, at(3))).toBe(true);
    expect(toView(s, input)).toMatchObject({
      status: 'generating_qr',
      qr: 'Q2',
      canShowQrCode: true,
      lastActivityAt: at(3),
    });
  });

  it('connected is entered once, clears the QR, and later pre-connection observations are stale', () => {
    const s = waiting();
    applyObservation(s, { status: 'generating_qr', qr: 'Q1' }, at(1));
    expect(applyObservation(s, { status: 'connected', qr: null }, at(2))).toBe(true);
    expect(s).toMatchObject({ phase: 'connected', connectedAt: at(2), qr: null });
    expect(applyObservation(s, { status: 'connected' }, at(3))).toBe(false);
    expect(applyObservation(s, { status: 'generating_qr', qr: 'Q9' }, at(4))).toBe(false);
    expect(s.connectedAt).toBe(at(2));
  });

  it('status never moves backwards within an attempt', () => {
    const s = waiting();
    applyObservation(s, { status: 'generating_qr', qr: 'Q' }, at(1));
    expect(applyObservation(s, { status: 'connecting' }, at(2))).toBe(false);
    expect(s.status).toBe('generating_qr');
  });

  it('events older than the newest applied are ignored; so is a logout from before this attempt', () => {
    const s = waiting();
    expect(observationFromEvent(s, { kind: 'status', status: 'connected', at: at(5) })).toEqual({
      status: 'connected',
      qr: undefined,
    });
    expect(observationFromEvent(s, { kind: 'qr', status: 'generating_qr', qr: 'old', at: at(4) })).toBeNull();
    const fresh = waiting();
    fresh.attemptStartedAt = T0 + 10_000;
    expect(observationFromEvent(fresh, { kind: 'logged_out', at: at(9) })).toBeNull();
    expect(observationFromEvent(fresh, { kind: 'logged_out', at: at(11) })?.lost?.code).toBe(
      'gateway_logged_out',
    );
  });

  it('polls: a missing session is lost, DISCONNECTED is a logout, others are observations', () => {
    expect(
      observationFromPoll({ missing: true, status: 'disconnected', qr: null, rawStatus: 'MISSING' }).lost
        ?.code,
    ).toBe('gateway_session_lost');
    expect(
      observationFromPoll({ missing: false, status: 'disconnected', qr: null, rawStatus: 'DISCONNECTED' })
        .lost?.code,
    ).toBe('gateway_logged_out');
    expect(
      observationFromPoll({ missing: false, status: 'generating_qr', qr: 'Q', rawStatus: 'GENERATING_QR' }),
    ).toEqual({
      status: 'generating_qr',
      qr: 'Q',
      rawStatus: 'GENERATING_QR',
    });
  });

  it('the view hides the QR where the seed says it cannot be shown', () => {
    const s = waiting();
    s.qr = 'Q';
    s.status = 'connected';
    expect(toView(s, input).qr).toBeNull();
    s.status = 'disconnected';
    s.error = { code: 'qr_expired', message: 'x' };
    expect(toView(s, input)).toMatchObject({
      qr: null,
      label: 'Disconnected',
      color: 'gray',
      isActive: false,
      error: { code: 'qr_expired' },
    });
  });
});
