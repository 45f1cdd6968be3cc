import { CUSTOMER_WINDOW_MS, customerWindow } from '../../src/domain/customer-window';
import { createCustomerWindowPolicy } from '../../src/api/messages/customer-window.policy';
import type { SendMessageRequest } from '../../src/schemas/message.schema';

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

describe('the customer-window policy (API)', () => {
  const req = (type: 'text' | 'template') =>
    ({
      from: 'meta-1',
      to: '+49 151 1234 5678',
      priority: 'normal',
      content:
        type === 'text' ? { type, text: { body: 'hi' } } : { type, template: { name: 't', language: 'en' } },
    }) as unknown as SendMessageRequest;
  const start = new Date('2026-12-04T10:00:00Z');

  it('reads a window seen open only again once it would have closed, and a closed one every time', async () => {
    let now = start;
    let last: Date | null = new Date(start.getTime() - 3_600_000);
    let reads = 0;
    const policy = createCustomerWindowPolicy({
      windows: {
        lastInboundAt: async () => {
          reads++;
          return last;
        },
      },
      marginMs: 60_000,
      now: () => now,
    });
    await policy.check('t1', req('text'));
    await policy.check('t1', req('text'));
    expect(reads).toBe(1);
    // Templates need no window: no read.
    await policy.check('t1', req('template'));
    expect(reads).toBe(1);
    // Past the closing time: read again, and refused (the user has not written since).
    now = new Date(start.getTime() + 23 * 3_600_000);
    await expect(policy.check('t1', req('text'))).rejects.toMatchObject({ code: 'customer_window_closed' });
    await expect(policy.check('t1', req('text'))).rejects.toMatchObject({ code: 'customer_window_closed' });
    expect(reads).toBe(3);
    // The user writes again: the next check reads it and the window is open.
    last = now;
    await policy.check('t1', req('text'));
    expect(reads).toBe(4);
    // Another tenant's window is its own.
    await policy.check('t2', req('text'));
    expect(reads).toBe(5);
  });
});
