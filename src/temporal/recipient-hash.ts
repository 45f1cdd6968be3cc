import { createHmac } from 'node:crypto';

/**
 * The `Recipient` search attribute (issue 15): a keyed hash of the number, never the number.
 * Search attributes are not encrypted by the payload codec and are readable by anyone who can
 * list workflows, so the attribute holds `h:` + the first 128 bits of HMAC-SHA256(key, digits)
 * in hex: equal numbers give equal values (an operator finds a number's messages by computing the
 * same hash: `npm run recipient-hash -- <number>` or `POST /operator/recipient-query`), but the
 * value cannot be turned back into a number without the key.
 */
export type RecipientHasher = (phone: string) => string;

export function createRecipientHasher(key: Buffer): RecipientHasher {
  return (phone) => {
    const digits = phone.replace(/\D/g, '');
    return `h:${createHmac('sha256', key).update(digits, 'utf8').digest('hex').slice(0, 32)}`;
  };
}

/** The Web UI's list filter for the message workflows to one number. */
export const recipientQuery = (hash: string): string =>
  `WorkflowType="messageWorkflow" AND Recipient="${hash}"`;
