import { createHmac, randomBytes } from 'node:crypto';

/**
 * Meta Cloud API webhook bodies (reference/official-platform.md A3; OpenAPI `WebhookPayload`,
 * `Statuses`), as Meta posts them and as 360dialog forwards them unchanged: the envelope, status
 * and inbound-message objects, and Meta's signature (`X-Hub-Signature-256`, HMAC-SHA256 of the exact
 * bytes, non-ASCII sent as `\uXXXX`).
 */
export type CloudStatusName = 'sent' | 'delivered' | 'read' | 'failed';

/** The number a webhook is about: `entry[].id` and `value.metadata`. */
export interface CloudNumber {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

/** The fixtures' usual number (OpenAPI examples). */
export const EXAMPLE_NUMBER: CloudNumber = {
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
};

export interface CloudStatus {
  wamid: string;
  status: CloudStatusName;
  /** biz_opaque_callback_data echoed by Meta. */
  callbackData?: string;
  to?: string;
  /** `failed` only; default 131047 (re-engagement). */
  errors?: unknown[];
}

export const newWamid = () => `wamid.${randomBytes(24).toString('base64url')}`;
export const unixSeconds = (ms = Date.now()) => String(Math.floor(ms / 1000));

export function cloudEnvelope(n: CloudNumber, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: n.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: n.displayPhoneNumber, phone_number_id: n.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** Meta's own async error for a free-form message outside the customer-service window. */
export const REENGAGEMENT_ERROR = {
  code: 131047,
  title: 'Re-engagement message',
  message: 'Re-engagement message',
  error_data: { details: 'More than 24 hours have passed since the customer last replied.' },
};

export function cloudStatusObject(s: CloudStatus, timestamp = unixSeconds()): Record<string, unknown> {
  return {
    id: s.wamid,
    status: s.status,
    timestamp,
    recipient_id: s.to ?? '16505551234',
    ...(s.callbackData ? { biz_opaque_callback_data: s.callbackData } : {}),
    ...(s.status === 'failed'
      ? { errors: s.errors ?? [REENGAGEMENT_ERROR] }
      : { pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' } }),
  };
}

/** A user's message: `contacts` and `messages` of the value; `message` overrides the text one. */
export function cloudInboundValue(m: {
  from: string;
  wamid: string;
  name?: string;
  text?: string;
  message?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    contacts: [{ profile: { name: m.name ?? 'Customer' }, wa_id: m.from }],
    messages: [
      {
        from: m.from,
        id: m.wamid,
        timestamp: unixSeconds(),
        ...(m.message ?? { type: 'text', text: { body: m.text ?? 'Hello' } }),
      },
    ],
  };
}

/** The body as Meta sends it (non-ASCII escaped) and its `X-Hub-Signature-256`. */
export function metaSigned(payload: unknown, appSecret: string): { raw: string; signature: string } {
  const raw = JSON.stringify(payload).replace(
    /[^\0-~]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return { raw, signature: `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}` };
}

/** POSTs a signed Meta webhook; resolves with the HTTP status. */
export async function postMetaWebhook(url: string, appSecret: string, payload: unknown): Promise<number> {
  const { raw, signature } = metaSigned(payload, appSecret);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: raw,
  });
  await res.arrayBuffer();
  return res.status;
}
