/**
 * Twilio Programmable Messaging wire shapes (reference/official-platform.md C; twilio-oai
 * `twilio_api_v2010.json` CreateMessageRequest and api.v2010.account.message).
 */

/** The form fields we send to `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, in wire order. */
export interface TwilioCreateMessageForm {
  /** `whatsapp:+<E.164 digits>` */
  To: string;
  /** `whatsapp:+<our sender's digits>` */
  From: string;
  /** ≤ 1600 characters; the caption of an image/video. */
  Body?: string;
  /** One media per WhatsApp message. */
  MediaUrl?: string;
  /** Content template SID `HX` + 32 hex. */
  ContentSid?: string;
  /** JSON object string, e.g. `{"1":"Jane","2":"12/1"}`. */
  ContentVariables?: string;
  /** `geo:<lat>,<long>|<label>` (location messages). */
  PersistentAction?: string;
  /** Our `/webhooks/twilio?ref=<tenant>:<messageId>`. */
  StatusCallback: string;
}

/** The 201 answer (fields we read). */
export interface TwilioMessageResource {
  sid: string;
  status: string;
  account_sid?: string;
  error_code?: number | null;
  error_message?: string | null;
}

/** Every Twilio REST error: `{code, message, more_info, status}`. */
export interface TwilioRestError {
  code: number;
  message: string;
  more_info?: string;
  status?: number;
}

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Our WhatsApp number (the sender's display phone number), E.164 digits. */
  fromDigits: string;
}
