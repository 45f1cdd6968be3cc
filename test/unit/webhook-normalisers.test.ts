import { normaliseMetaWebhook } from '../../src/providers/meta/meta.webhook';
import { gatewayTime } from '../../src/providers/gateways/shared/jid';
import { isoFromSeconds } from '../../src/schemas/webhook.schema';
import { normaliseDialog360Webhook } from '../../src/providers/dialog360/dialog360.webhook';
import {
  checkTwilioWebhook,
  normaliseTwilioInbound,
  normaliseTwilioStatus,
  parseTwilioRef,
  twilioOurNumber,
  twilioWebhookKind,
} from '../../src/providers/twilio/twilio.webhook';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const statusForm = (status: string, extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT,
  From: 'whatsapp:+14155238886',
  To: 'whatsapp:+4915112345678',
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  SmsSid: 'SM0123456789abcdef0123456789abcdef',
  MessageStatus: status,
  SmsStatus: status,
  ChannelPrefix: 'whatsapp',
  ...extra,
});
const inboundForm = (extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT,
  From: 'whatsapp:+4915112345678',
  To: 'whatsapp:+14155238886',
  MessageSid: 'SMaaaabbbbccccddddeeeeffff00001111',
  SmsStatus: 'received',
  Body: 'Hallo',
  NumMedia: '0',
  ProfileName: 'Jane',
  WaId: '4915112345678',
  ...extra,
});

describe('Twilio status callbacks', () => {
  it('maps sent/delivered/read, failed and undelivered (with ErrorCode), ignores the rest', () => {
    expect(normaliseTwilioStatus(statusForm('delivered'))).toEqual({
      status: 'delivered',
      providerMessageId: 'SM0123456789abcdef0123456789abcdef',
      at: expect.any(String),
    });
    expect(normaliseTwilioStatus(statusForm('read'))?.status).toBe('read');
    expect(normaliseTwilioStatus(statusForm('sent'))?.status).toBe('sent');
    expect(normaliseTwilioStatus(statusForm('undelivered', { ErrorCode: '63016' }))).toMatchObject({
      status: 'failed',
      error: { code: '63016', message: 'Twilio error 63016' },
    });
    expect(
      normaliseTwilioStatus(statusForm('failed', { ErrorCode: '63024', ErrorMessage: 'Invalid recipient' })),
    ).toMatchObject({ status: 'failed', error: { code: '63024', message: 'Invalid recipient' } });
    for (const s of ['queued', 'accepted', 'sending', 'scheduled', 'canceled', 'partially_delivered'])
      expect({ s, ev: normaliseTwilioStatus(statusForm(s)) }).toEqual({ s, ev: null });
  });

  it('tells status callbacks from inbound messages and finds our number in each', () => {
    expect(twilioWebhookKind(statusForm('delivered'))).toBe('status');
    expect(twilioOurNumber(statusForm('delivered'))).toBe('14155238886');
    expect(twilioWebhookKind(inboundForm())).toBe('inbound');
    expect(twilioOurNumber(inboundForm())).toBe('14155238886');
    expect(twilioWebhookKind(inboundForm({ MessageStatus: 'received' }))).toBe('inbound');
  });

  it('parses ?ref=<tenant>:<messageId> and nothing else', () => {
    expect(parseTwilioRef('tenant-a:msg_0123456789ab')).toEqual({
      tenantId: 'tenant-a',
      messageId: 'msg_0123456789ab',
    });
    for (const bad of [undefined, '', 'tenant-a', 'Tenant:msg_0123456789ab', 'a:b', ['t:msg_0123456789ab']])
      expect(parseTwilioRef(bad)).toBeNull();
  });
});

describe('Twilio inbound messages', () => {
  it('text: body, sender, profile name, provider twilio', () => {
    expect(normaliseTwilioInbound(inboundForm())).toEqual({
      provider: 'twilio',
      providerMessageId: 'SMaaaabbbbccccddddeeeeffff00001111',
      recipientAccountId: '14155238886',
      from: '4915112345678',
      fromName: 'Jane',
      at: expect.any(String),
      type: 'text',
      text: 'Hallo',
      content: { body: 'Hallo' },
    });
  });

  it('media (NumMedia/MediaUrlN/MediaContentTypeN), with the body as caption', () => {
    const m = normaliseTwilioInbound(
      inboundForm({
        Body: 'look',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/m/0',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/m/1',
        MediaContentType1: 'application/pdf',
      }),
    );
    expect(m).toMatchObject({
      type: 'image',
      text: null,
      content: {
        caption: 'look',
        media: [
          { url: 'https://api.twilio.com/m/0', contentType: 'image/jpeg' },
          { url: 'https://api.twilio.com/m/1', contentType: 'application/pdf' },
        ],
      },
    });
    expect(
      normaliseTwilioInbound(
        inboundForm({ Body: '', NumMedia: '1', MediaUrl0: 'u', MediaContentType0: 'application/pdf' }),
      )?.type,
    ).toBe('document');
  });

  it('buttons, list replies and locations; MessageType wins when given', () => {
    expect(
      normaliseTwilioInbound(
        inboundForm({ Body: 'Stop', ButtonPayload: 'STOP', ButtonText: 'Stop', MessageType: 'button' }),
      ),
    ).toMatchObject({ type: 'button', text: null, content: { payload: 'STOP', text: 'Stop' } });
    expect(
      normaliseTwilioInbound(
        inboundForm({ ListId: 'row-1', ListTitle: 'Express', MessageType: 'interactive' }),
      ),
    ).toMatchObject({
      type: 'interactive',
      content: { type: 'list_reply', list_reply: { id: 'row-1', title: 'Express' } },
    });
    expect(
      normaliseTwilioInbound(
        inboundForm({ Body: '', Latitude: '52.52', Longitude: '13.405', Label: 'Office', Address: 'Berlin' }),
      ),
    ).toMatchObject({
      type: 'location',
      content: { latitude: 52.52, longitude: 13.405, name: 'Office', address: 'Berlin' },
    });
  });

  it('falls back to From without WaId and refuses a message without a SID or our number', () => {
    const { WaId: _w, ProfileName: _p, ...rest } = inboundForm();
    expect(normaliseTwilioInbound(rest)).toMatchObject({ from: '4915112345678', fromName: null });
    expect(normaliseTwilioInbound({ ...inboundForm(), MessageSid: undefined })).toBeNull();
    expect(normaliseTwilioInbound({ ...inboundForm(), To: undefined })).toBeNull();
  });
});

const normaliseMetaAccountAlerts = (payload: unknown) => normaliseMetaWebhook(payload).alerts;

const alertEnvelope = (
  changes: { field: string; value: unknown }[],
  time: number | undefined = 1750857384,
) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', ...(time === undefined ? {} : { time }), changes }],
});

describe('Meta account alerts', () => {
  const quality = {
    field: 'phone_number_quality_update',
    value: { display_phone_number: '15550783881', event: 'FLAGGED', current_limit: 'TIER_1K' },
  };

  it('takes the alert fields, skips messages and unknown fields, reads event / number / time', () => {
    const alerts = normaliseMetaAccountAlerts(
      alertEnvelope([
        quality,
        { field: 'messages', value: { statuses: [] } },
        { field: 'something_new', value: { event: 'X' } },
        {
          field: 'message_template_status_update',
          value: {
            event: 'APPROVED',
            message_template_id: 1,
            message_template_name: 'order_update',
            reason: null,
          },
        },
        {
          field: 'account_alerts',
          value: { entity_type: 'WABA', entity_id: '1', alert_info: { alert_type: 'OBA_APPROVED' } },
        },
      ]),
    );
    expect(alerts.map((a) => [a.type, a.event, a.phoneNumber])).toEqual([
      ['phone_number_quality_update', 'FLAGGED', '15550783881'],
      ['message_template_status_update', 'APPROVED', null],
      ['account_alerts', 'OBA_APPROVED', null],
    ]);
    expect(alerts[0]).toMatchObject({
      wabaId: '102290129340398',
      at: new Date(1750857384 * 1000).toISOString(),
      details: quality.value,
    });
  });

  it('the dedupe key follows the content: same for a re-serialised redelivery, different otherwise', () => {
    const [a] = normaliseMetaAccountAlerts(alertEnvelope([quality]));
    const reordered = {
      field: quality.field,
      value: { current_limit: 'TIER_1K', event: 'FLAGGED', display_phone_number: '15550783881' },
    };
    const [b] = normaliseMetaAccountAlerts(JSON.parse(JSON.stringify(alertEnvelope([reordered]))));
    const [c] = normaliseMetaAccountAlerts(
      alertEnvelope([{ ...quality, value: { ...quality.value, event: 'UNFLAGGED' } }]),
    );
    const [d] = normaliseMetaAccountAlerts(alertEnvelope([quality], 1750857999));
    expect(a?.dedupeKey).toMatch(/^[0-9a-f]{32}$/);
    expect(b?.dedupeKey).toBe(a?.dedupeKey);
    expect(c?.dedupeKey).not.toBe(a?.dedupeKey);
    expect(d?.dedupeKey).not.toBe(a?.dedupeKey);
  });

  it('ignores payloads that are not WhatsApp business account notifications', () => {
    expect(normaliseMetaAccountAlerts({ object: 'page', entry: [] })).toEqual([]);
    expect(normaliseMetaAccountAlerts(null)).toEqual([]);
    expect(
      normaliseMetaAccountAlerts({ object: 'whatsapp_business_account', entry: [{ changes: [quality] }] }),
    ).toEqual([]);
  });
});

describe('360dialog envelope', () => {
  it('is Meta’s: statuses, inbound messages as provider 360dialog, alerts', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: '100000000000001' },
                statuses: [
                  {
                    id: 'wamid.A',
                    status: 'read',
                    timestamp: '1750857384',
                    biz_opaque_callback_data: 'tenant-x:msg_0123456789ab',
                  },
                ],
                messages: [
                  {
                    id: 'wamid.B',
                    from: '4915112345678',
                    timestamp: '1750857384',
                    type: 'text',
                    text: { body: 'Hi' },
                  },
                ],
                contacts: [{ wa_id: '4915112345678', profile: { name: 'Jo' } }],
              },
            },
            { field: 'account_update', value: { event: 'ACCOUNT_RESTRICTION', restriction_info: [] } },
          ],
        },
      ],
    };
    const n = normaliseDialog360Webhook(payload);
    expect(n.statuses).toEqual([
      expect.objectContaining({
        status: 'read',
        providerMessageId: 'wamid.A',
        tenantId: 'tenant-x',
        messageId: 'msg_0123456789ab',
      }),
    ]);
    expect(n.inbound).toEqual([
      expect.objectContaining({
        provider: '360dialog',
        providerMessageId: 'wamid.B',
        text: 'Hi',
        fromName: 'Jo',
      }),
    ]);
    expect(n.alerts.map((a) => a.event)).toEqual(['ACCOUNT_RESTRICTION']);
  });
});

describe('malformed entries are set aside one by one, with the ids that could be read', () => {
  const PHONE = '100000000000001';
  const WABA = '102290129340398';
  const messages = (value: Record<string, unknown>) => ({
    field: 'messages',
    value: { metadata: { phone_number_id: PHONE }, ...value },
  });
  const text = (id: string) => ({
    id,
    from: '4915112345678',
    timestamp: '1750857384',
    type: 'text',
    text: { body: 'x' },
  });

  it('Meta: each level that is not what Meta documents is rejected there; its siblings are read', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const n = normaliseMetaWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            messages({
              statuses: [
                { id: 'wamid.ok', status: 'read', timestamp: Infinity },
                { id: 'w\u0000', status: 'read' },
              ],
              messages: [text('wamid.in'), { ...text('wamid.deep'), text: deep }, text('x'.repeat(600))],
              contacts: 'not an array',
            }),
            messages({ statuses: 'not an array' }),
            { field: 'account_update', value: 'not an object' },
          ],
        },
        { id: WABA, changes: { not: 'an array' } },
        'not an entry',
      ],
    });
    expect(n.statuses).toEqual([expect.objectContaining({ providerMessageId: 'wamid.ok', status: 'read' })]);
    expect(n.inbound).toEqual([expect.objectContaining({ providerMessageId: 'wamid.in', fromName: null })]);
    expect(n.rejected.map((r) => [r.kind, r.reason, r.issues[0]?.path])).toEqual([
      ['status', 'invalid_entry', 'id'],
      ['message', 'too_deep', ''],
      ['message', 'invalid_entry', 'id'],
      ['change', 'invalid_entry', 'statuses'],
      ['alert', 'invalid_entry', ''],
      ['entry', 'invalid_entry', 'changes'],
      ['entry', 'invalid_entry', ''],
    ]);
    expect(n.rejected[0]).toMatchObject({
      providerIds: { wamid: 'w\uFFFD' },
      routing: { phoneNumberId: PHONE },
    });
    expect(n.rejected[2]?.providerIds.wamid).toHaveLength(512);
    expect(n.rejected[5]).toMatchObject({ providerIds: { wabaId: WABA }, routing: { wabaId: WABA } });
    // `entry` itself unreadable: the whole body is the one dead letter.
    const whole = normaliseMetaWebhook({ object: 'whatsapp_business_account', entry: 'x' });
    expect(whole.rejected.map((r) => r.kind)).toEqual(['body']);
  });

  it('Twilio: a SID or address with a NUL or over 512 characters is rejected with what can be read', () => {
    const form = { AccountSid: ACCOUNT, To: 'whatsapp:+14155238886', From: 'whatsapp:+4915112345678' };
    expect(checkTwilioWebhook({ ...form, MessageSid: 'SMok' }, 'inbound')).toEqual({ ok: true });
    const nul = checkTwilioWebhook({ ...form, MessageSid: 'SM\u0000' }, 'inbound');
    expect(nul).toMatchObject({
      ok: false,
      rejected: { kind: 'message', providerIds: { messageSid: 'SM\uFFFD', accountSid: ACCOUNT } },
    });
    const long = checkTwilioWebhook(
      { ...form, MessageSid: 'S'.repeat(10_000), MessageStatus: 'delivered' },
      'status',
    );
    expect(long).toMatchObject({
      ok: false,
      rejected: { kind: 'status', issues: [{ path: 'MessageSid', code: 'too_big' }] },
    });
  });

  it("times out of Date's range fall back instead of throwing", () => {
    const fallback = new Date('2026-01-01T00:00:00Z');
    for (const t of [Infinity, 1e300, '1e309', '', 'x', null, { low: 1 }])
      expect(isoFromSeconds(t, fallback)).toBe(fallback.toISOString());
    expect(isoFromSeconds('1750857384', fallback)).toBe('2025-06-25T13:16:24.000Z');
    expect(gatewayTime(1e300, fallback)).toBe(fallback.toISOString());
    expect(gatewayTime('99999999999999999999', fallback)).toBe(fallback.toISOString());
  });
});
