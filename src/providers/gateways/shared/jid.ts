import { isoFromMillis } from '../../../schemas/webhook.schema';

/**
 * WhatsApp Web addressing and Baileys message shapes, shared by the gateways built on Baileys
 * (the seed gateway, Evolution API) and, for JIDs, WAHA.
 */

/** A chat JID's user part: `628123@s.whatsapp.net` / `628123:12@s.whatsapp.net` / `628123@c.us` → `628123`. */
export function jidUser(jid: string): string {
  const at = jid.indexOf('@');
  const user = at === -1 ? jid : jid.slice(0, at);
  const colon = user.indexOf(':');
  return colon === -1 ? user : user.slice(0, colon);
}

/**
 * The sender's address as Meta reports it (digits) when the JID is a person's phone number;
 * anything else (a LID, a group without participant) stays the full JID rather than a guess.
 */
export function senderAddress(jid: string): string {
  const personal = /@(s\.whatsapp\.net|c\.us)$/.test(jid) || !jid.includes('@');
  const user = jidUser(jid);
  return personal && /^\d{5,20}$/.test(user) ? user : jid;
}

/** Group chats and status broadcasts: the person who wrote is the `participant`, not the chat. */
export const isGroupJid = (jid: string) => jid.endsWith('@g.us');
export const isStatusBroadcast = (jid: string) => jid === 'status@broadcast';

const BAILEYS_TYPES: Record<string, string> = {
  conversation: 'text',
  extendedTextMessage: 'text',
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  documentWithCaptionMessage: 'document',
  stickerMessage: 'sticker',
  locationMessage: 'location',
  liveLocationMessage: 'location',
  contactMessage: 'contacts',
  contactsArrayMessage: 'contacts',
  reactionMessage: 'reaction',
  buttonsResponseMessage: 'interactive',
  listResponseMessage: 'interactive',
  templateButtonReplyMessage: 'interactive',
  interactiveResponseMessage: 'interactive',
  pollCreationMessage: 'poll',
};

/** Baileys bookkeeping that rides in `messages.upsert` but is no chat message (deletes, key exchange). */
const NOT_CHAT = new Set(['protocolMessage', 'senderKeyDistributionMessage', 'messageContextInfo']);

/** Our message type for a Baileys `message` key (`imageMessage` → `image`); unknown keys → `unknown`. */
export function baileysType(key: string | undefined): string {
  return (key && BAILEYS_TYPES[key]) ?? 'unknown';
}

export const isBaileysBookkeeping = (key: string | undefined) => !!key && NOT_CHAT.has(key);

/** The first content key of a Baileys `message` object, skipping `messageContextInfo`. */
export function baileysKey(message: Record<string, unknown> | null | undefined): string | undefined {
  return Object.keys(message ?? {}).find((k) => k !== 'messageContextInfo');
}

/** The text a Baileys message carries: the body, or a media caption. */
export function baileysText(message: Record<string, unknown> | null | undefined): string | null {
  if (!message) return null;
  if (typeof message.conversation === 'string') return message.conversation;
  for (const k of ['extendedTextMessage', 'imageMessage', 'videoMessage', 'documentMessage']) {
    const part = message[k] as { text?: unknown; caption?: unknown } | undefined;
    const t = part?.text ?? part?.caption;
    if (typeof t === 'string') return t;
  }
  return null;
}

/** A gateway time (Unix seconds or ms, a numeric string, ISO, or a Baileys Long) → ISO; `fallback` otherwise. */
export function gatewayTime(ts: unknown, fallback: Date): string {
  let v: unknown = ts;
  if (typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number')
    v = (v as { low: number }).low >>> 0;
  if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
  // Out of Date's range (1e300) is the fallback, not a RangeError.
  if (typeof v === 'number' && Number.isFinite(v) && v > 0)
    return isoFromMillis(v < 1e12 ? v * 1000 : v, fallback);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return fallback.toISOString();
}
