/**
 * Account alerts: what Meta (directly, or forwarded by 360dialog) says about a WhatsApp Business
 * Account, its numbers and its templates — bans and restrictions, quality and messaging-limit
 * changes, template approvals and pauses, template quality scores and category changes. Stored once
 * per distinct notification, per tenant.
 */
export const ACCOUNT_ALERT_TYPES = [
  'account_update',
  'phone_number_quality_update',
  'message_template_status_update',
  'message_template_quality_update',
  'template_category_update',
  'account_alerts',
  'business_capability_update',
] as const;
export type AccountAlertType = (typeof ACCOUNT_ALERT_TYPES)[number];

export const isAccountAlertType = (field: unknown): field is AccountAlertType =>
  typeof field === 'string' && (ACCOUNT_ALERT_TYPES as readonly string[]).includes(field);

/** One webhook change about an account, in our vocabulary (what the normaliser produces). */
export interface AccountAlertEvent {
  type: AccountAlertType;
  /** The WABA the notification is about (Meta `entry[].id`). */
  wabaId: string;
  /**
   * Meta's event name (`FLAGGED`, `APPROVED`, `ACCOUNT_RESTRICTION`…) or alert type; for a template's
   * quality its new score (`RED`…), for its category the one it gets (`MARKETING`…); null when none.
   */
  event: string | null;
  /** The business number it names, digits only (quality updates, some account updates); null when none. */
  phoneNumber: string | null;
  /** ISO time Meta says it happened (`entry[].time`), else when we received it. */
  at: string;
  /** Hash of the change's content: a redelivered notification has the same key. */
  dedupeKey: string;
  /** The change's `value` as Meta sent it. */
  details: Record<string, unknown>;
}
