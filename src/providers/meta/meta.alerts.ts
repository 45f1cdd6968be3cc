import { createHash } from 'node:crypto';
import {
  isAccountAlertType,
  type AccountAlertEvent,
  type AccountAlertType,
} from '../../domain/account-alert';
import { boundedJsonText, storableString, toStorable, truncateText } from '../../domain/storable';
import { isoFromSeconds } from '../../schemas/webhook.schema';

/** The account-level fields of a Meta webhook change (the others, `messages`…, are not alerts). */
export const isMetaAlertField = (field: unknown): field is AccountAlertType => isAccountAlertType(field);

const str = (v: unknown): string | null =>
  typeof v === 'string' && v.length > 0 ? truncateText(storableString(v), 256).text : null;

/**
 * What happened, where a change's value has no `event` (webhooks reference,
 * developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
 * message_template_quality_update and …/template_category_update):
 * - a template's quality: `previous_quality_score` → `new_quality_score` (GREEN, YELLOW, RED, UNKNOWN);
 * - a template's category, the one it ends with: once changed, `previous_category` → `new_category`;
 *   when a change is announced, `correct_category` is the coming one (`new_category` then names the
 *   current one, `category_update_timestamp` when it changes).
 */
function eventOf(type: AccountAlertType, value: Record<string, unknown>): string | null {
  if (type === 'message_template_quality_update') return str(value.new_quality_score);
  if (type === 'template_category_update') return str(value.correct_category) ?? str(value.new_category);
  const alertInfo = value.alert_info as { alert_type?: unknown } | undefined;
  return str(value.event) ?? str(alertInfo?.alert_type);
}

/**
 * One account-level change of a Meta webhook (`account_update`, `phone_number_quality_update`,
 * `message_template_status_update`, `message_template_quality_update`, `template_category_update`,
 * `account_alerts`, `business_capability_update`; see the
 * webhooks reference pages under developers.facebook.com/documentation/business-messaging/whatsapp/
 * webhooks/reference/) → a canonical alert. `value` is the change's object (checked by the caller).
 * The dedupe key hashes the field, the WABA, the trigger time and the value with sorted keys, so a
 * redelivery (same content, maybe re-serialised) maps onto the stored alert. `details` is the value
 * made storable (src/domain/storable.ts: `$` and dotted keys escaped, NUL replaced).
 */
export function toMetaAccountAlert(
  type: AccountAlertType,
  wabaId: string,
  time: unknown,
  value: Record<string, unknown>,
): AccountAlertEvent {
  const seconds = typeof time === 'number' || typeof time === 'string' ? Number(time) : NaN;
  const phone = str(value.display_phone_number) ?? str(value.phone_number);
  return {
    type,
    wabaId,
    event: eventOf(type, value),
    phoneNumber: phone ? phone.replace(/\D/g, '') || null : null,
    at: Number.isFinite(seconds) && seconds > 0 ? isoFromSeconds(seconds) : new Date().toISOString(),
    dedupeKey: createHash('sha256')
      .update(boundedJsonText([type, wabaId, Number.isFinite(seconds) ? seconds : null, value]))
      .digest('hex')
      .slice(0, 32),
    details: toStorable(value).value as Record<string, unknown>,
  };
}
