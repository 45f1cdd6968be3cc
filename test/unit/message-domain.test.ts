import { canTransition, statusesBefore, type MessageStatus } from '../../src/domain/message';
import { normalisePhone } from '../../src/domain/phone';
import {
  normaliseMetaStatuses,
  signMetaBody,
  verifyMetaSignature,
} from '../../src/providers/meta/meta.webhook';

describe('message statuses only move forward', () => {
  const cases: [MessageStatus, MessageStatus, boolean][] = [
    ['queued', 'sent', true],
    ['sent', 'delivered', true],
    ['delivered', 'read', true],
    ['sent', 'read', true],
    ['read', 'delivered', false],
    ['delivered', 'sent', false],
    ['delivered', 'delivered', false],
    ['sent', 'failed', true],
    ['delivered', 'failed', false],
    ['failed', 'sent', false],
    ['cancelled', 'sent', false],
    ['queued', 'cancelled', true],
    ['sent', 'cancelled', false],
    ['sent', 'queued', false],
  ];
  it.each(cases)('%s → %s: %s', (from, to, ok) => expect(canTransition(from, to)).toBe(ok));
  it('gives the allowed previous statuses for conditional updates', () => {
    expect(statusesBefore('read').sort()).toEqual(['delivered', 'queued', 'sent']);
    expect(statusesBefore('cancelled')).toEqual(['queued']);
  });
});

describe('normalisePhone', () => {
  it.each([
    ['+1 (650) 555-1234', '16505551234'],
    ['0049 151 1234 5678', '4915112345678'],
    ['4915112345678', '4915112345678'],
  ])('%s → %s', (input, out) => expect(normalisePhone(input)).toBe(out));
  it.each(['12', '0151 1234567', '+1234567890123456', 'abc', ''])('rejects %s', (input) =>
    expect(normalisePhone(input)).toBeNull(),
  );
});

describe('Meta status webhook', () => {
  const payload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'waba',
        changes: [
          {
            field: 'messages',
            value: {
              statuses: [
                {
                  id: 'wamid.A',
                  status: 'delivered',
                  timestamp: '1750857384',
                  biz_opaque_callback_data: 'tenant-a:msg_abcdefghijkl',
                },
                {
                  id: 'wamid.B',
                  status: 'failed',
                  timestamp: '1750857385',
                  errors: [
                    {
                      code: 131047,
                      title: 'Re-engagement message',
                      error_data: { details: '24 hours passed' },
                    },
                  ],
                },
                { id: 'wamid.C', status: 'played', timestamp: '1750857386' },
              ],
            },
          },
        ],
      },
    ],
  };
  it('normalises every status, keeps our ids from biz_opaque_callback_data and failure codes, drops unknown ones', () => {
    expect(normaliseMetaStatuses(payload)).toEqual([
      {
        status: 'delivered',
        providerMessageId: 'wamid.A',
        at: '2025-06-25T13:16:24.000Z',
        tenantId: 'tenant-a',
        messageId: 'msg_abcdefghijkl',
        // A reference minted before references carried a MAC (issue 15): no MAC to check.
        refMac: null,
      },
      {
        status: 'failed',
        providerMessageId: 'wamid.B',
        at: '2025-06-25T13:16:25.000Z',
        error: { code: '131047', message: '24 hours passed' },
      },
    ]);
    expect(normaliseMetaStatuses({ object: 'page' })).toEqual([]);
    expect(normaliseMetaStatuses(null)).toEqual([]);
  });
  it('checks X-Hub-Signature-256 over the exact bytes', () => {
    const raw = Buffer.from('{"a":"\\u00e9"}');
    const sig = signMetaBody(raw, 'secret');
    expect(verifyMetaSignature(raw, sig, 'secret')).toBe(true);
    expect(verifyMetaSignature(Buffer.from('{"a":"é"}'), sig, 'secret')).toBe(false);
    expect(verifyMetaSignature(raw, sig, 'other')).toBe(false);
    expect(verifyMetaSignature(raw, undefined, 'secret')).toBe(false);
    expect(verifyMetaSignature(raw, 'sha256=zz', 'secret')).toBe(false);
    expect(verifyMetaSignature(undefined, sig, 'secret')).toBe(false);
  });
});
