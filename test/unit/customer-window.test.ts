import { CUSTOMER_WINDOW_MS, customerWindow } from '../../src/domain/customer-window';

describe('customerWindow', () => {
  const now = new Date('2026-11-22T12:00:00.000Z');
  it('is closed when the user never wrote', () => {
    expect(customerWindow(null, now, 0)).toEqual({ open: false, lastInboundAt: null, closesAt: null });
  });
  it('is open for 24 h after the last inbound message, minus the margin', () => {
    const last = new Date(now.getTime() - CUSTOMER_WINDOW_MS + 120_000);
    expect(customerWindow(last, now, 60_000)).toMatchObject({
      open: true,
      closesAt: new Date('2026-11-22T12:01:00.000Z'),
    });
    expect(customerWindow(last, now, 120_000).open).toBe(false);
    expect(customerWindow(last, now, 180_000).open).toBe(false);
  });
  it('is closed exactly at the end and after it', () => {
    expect(customerWindow(new Date(now.getTime() - CUSTOMER_WINDOW_MS), now, 0).open).toBe(false);
    expect(customerWindow(new Date(now.getTime() - CUSTOMER_WINDOW_MS + 1), now, 0).open).toBe(true);
  });
});
