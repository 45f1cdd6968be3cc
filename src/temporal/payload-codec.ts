import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * The payload codec of every client and worker of ours (issue 15): each payload — workflow and
 * activity inputs and results, signals, queries, updates, memos, summaries — is serialised and
 * sealed with AES-256-GCM before it leaves the process, so Temporal's history and the Web UI hold
 * ciphertext only (search attributes are not payloads of a codec: see search-attributes.ts).
 *
 * Encoded form, after Temporal's encryption sample: metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <kid>`; data `iv (12) ‖ ciphertext ‖ tag (16)` of the serialised Payload
 * proto, the key id bound as associated data. Rotation: encode with the active key, decode with
 * any key of the ring — add the new key, make it active, keep the old one while histories it sealed
 * are retained. Payloads that were never encoded (written before the codec was on) pass through.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

export function createPayloadCodec(keys: ReadonlyMap<string, Buffer>, activeKeyId?: string): PayloadCodec {
  const active = activeKeyId ?? keys.keys().next().value;
  if (!active || !keys.has(active)) throw new PayloadKeyError('no active payload key');
  const activeKey = keys.get(active) as Buffer;
  const aad = (kid: string) => Buffer.from(`dw-payload-v1:${kid}`, 'utf8');

  const seal = (payload: Payload): Payload => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', activeKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(active));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(active),
      },
      data: sealed,
    };
  };

  const open = (payload: Payload): Payload => {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const kidBytes = payload.metadata?.[KEY_ID_METADATA];
    const kid = kidBytes ? Buffer.from(kidBytes).toString() : '';
    const key = keys.get(kid);
    if (!key) throw new PayloadKeyError(`payload sealed with unknown key id "${kid}"`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError('sealed payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return temporal.api.common.v1.Payload.decode(plain);
  };

  return {
    encode: async (payloads) => payloads.map(seal),
    decode: async (payloads) => payloads.map(open),
  };
}

/** The `dataConverter` option of Client and Worker: the codec when payload keys are configured, else none. */
export function dataConverterFor(
  codec: PayloadCodec | undefined,
): { payloadCodecs: PayloadCodec[] } | undefined {
  return codec ? { payloadCodecs: [codec] } : undefined;
}
