import { createHash } from 'node:crypto';
import { isAccountAlertType, type AccountAlertEvent } from '../../domain/account-alert';

interface AlertEntry {
  id?: unknown;
  /** Unix seconds of the trigger (the same on every redelivery). */
  time?: unknown;
  changes?: { field?: unknown; value?: unknown }[];
}

/** JSON with object keys sorted at every level: the same content always gives the same text. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * Account-level changes of a Meta webhook (`account_update`, `phone_number_quality_update`,
 * `message_template_status_update`, `account_alerts`, `business_capability_update`; see the
 * webhooks reference pages under developers.facebook.com/documentation/business-messaging/whatsapp/
 * webhooks/reference/) → canonical alerts. Other fields (`messages`…) are not alerts: skipped.
 * The dedupe key hashes the field, the WABA, the trigger time and the value with sorted keys, so a
 * redelivery (same content, maybe re-serialised) maps onto the stored alert.
 */
export function normaliseMetaAccountAlerts(payload: unknown): AccountAlertEvent[] {
  const p = payload as { object?: unknown; entry?: unknown } | undefined;
  if (!p || p.object !== 'whatsapp_business_account' || !Array.isArray(p.entry)) return [];
  const out: AccountAlertEvent[] = [];
  for (const entry of p.entry as AlertEntry[]) {
    const wabaId = str(entry?.id);
    if (!wabaId || !Array.isArray(entry.changes)) continue;
    const seconds =
      typeof entry.time === 'number' || typeof entry.time === 'string' ? Number(entry.time) : NaN;
    for (const change of entry.changes) {
      const type = change?.field;
      const value = change?.value;
      if (!isAccountAlertType(type) || !value || typeof value !== 'object' || Array.isArray(value)) continue;
      const v = value as Record<string, unknown>;
      const alertInfo = v.alert_info as { alert_type?: unknown } | undefined;
      const phone = str(v.display_phone_number) ?? str(v.phone_number);
      out.push({
        type,
        wabaId,
        event: str(v.event) ?? str(alertInfo?.alert_type),
        phoneNumber: phone ? phone.replace(/\D/g, '') || null : null,
        at: new Date(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now()).toISOString(),
        dedupeKey: createHash('sha256')
          .update(stableJson([type, wabaId, Number.isFinite(seconds) ? seconds : null, v]))
          .digest('hex')
          .slice(0, 32),
        details: v,
      });
    }
  }
  return out;
}
