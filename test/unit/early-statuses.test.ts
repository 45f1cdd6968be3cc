import { foldEarlyStatuses } from '../../src/db/repositories/message-history.repository';

const at = (s: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, s));
const st = (status: 'delivered' | 'read' | 'failed', s: number) => ({
  messageId: 'msg_bc_1-0',
  providerMessageId: 'wamid.1',
  status,
  at: at(s),
  ...(status === 'failed' ? { error: { code: '131026', message: 'Message undeliverable' } } : {}),
});

describe('statuses that overtook a broadcast recipient’s sent, folded into its write', () => {
  it('stays sent with nothing to fold', () => {
    expect(foldEarlyStatuses([])).toEqual({ status: 'sent', set: {} });
  });

  it('ends at the furthest status, whatever order they came in, with each one’s time', () => {
    expect(foldEarlyStatuses([st('read', 3), st('delivered', 2)])).toEqual({
      status: 'read',
      set: { deliveredAt: at(2), readAt: at(3) },
    });
  });

  it('takes delivered at the read time when only the read came', () => {
    expect(foldEarlyStatuses([st('read', 5)])).toEqual({
      status: 'read',
      set: { deliveredAt: at(5), readAt: at(5) },
    });
  });

  it('records a failure with its error, never retryable; one after delivery moves nothing', () => {
    expect(foldEarlyStatuses([st('failed', 4)])).toEqual({
      status: 'failed',
      set: {
        failedAt: at(4),
        errorCode: '131026',
        errorMessage: 'Message undeliverable',
        retryable: false,
      },
    });
    expect(foldEarlyStatuses([st('delivered', 1), st('failed', 4)])).toEqual({
      status: 'delivered',
      set: { deliveredAt: at(1) },
    });
  });

  it('applies a duplicate once', () => {
    expect(foldEarlyStatuses([st('delivered', 1), st('delivered', 1)])).toEqual({
      status: 'delivered',
      set: { deliveredAt: at(1) },
    });
  });
});
