import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter } from '@temporalio/common';
import { createPayloadCodec, ENCRYPTED_ENCODING } from '../../src/temporal/payload-codec';
import { createRecipientHasher } from '../../src/temporal/recipient-hash';

const converter = new DefaultPayloadConverter();
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const value = { to: '4915112345678', text: { body: 'the secret body' } };

describe('payload codec: AES-256-GCM with key ids', () => {
  it('seals a payload so its content is not in the encoded bytes, and opens it again', async () => {
    const codec = createPayloadCodec(new Map([['a', keyA]]));
    const [sealed] = await codec.encode([converter.toPayload(value)]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('a');
    expect(Buffer.from(sealed!.data!).includes('secret body')).toBe(false);
    expect(Buffer.from(sealed!.data!).includes('4915112345678')).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(converter.fromPayload(opened!)).toEqual(value);
  });

  it('rotates: encoded with A, then B made active — old payloads still decode, new ones use B', async () => {
    const before = createPayloadCodec(new Map([['a', keyA]]), 'a');
    const [old] = await before.encode([converter.toPayload(value)]);
    const after = createPayloadCodec(
      new Map([
        ['a', keyA],
        ['b', keyB],
      ]),
      'b',
    );
    expect(converter.fromPayload((await after.decode([old!]))[0]!)).toEqual(value);
    const [fresh] = await after.encode([converter.toPayload(value)]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('b');
    // A process that only has B cannot open what A sealed, and says which key is missing.
    await expect(createPayloadCodec(new Map([['b', keyB]])).decode([old!])).rejects.toThrow(
      /unknown key id "a"/,
    );
  });

  it('refuses a tampered payload, and one whose key id was swapped', async () => {
    const ring = new Map([
      ['a', keyA],
      ['b', keyA],
    ]);
    const codec = createPayloadCodec(ring, 'a');
    const [sealed] = await codec.encode([converter.toPayload(value)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = (flipped[20] as number) ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow();
    // Same key bytes under another id: the id is authenticated data, so the swap fails.
    const swapped = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('b') } };
    await expect(codec.decode([swapped])).rejects.toThrow();
  });

  it('passes payloads that were never encoded through (history from before the codec)', async () => {
    const codec = createPayloadCodec(new Map([['a', keyA]]));
    const plain = converter.toPayload(value);
    expect(converter.fromPayload((await codec.decode([plain]))[0]!)).toEqual(value);
  });
});

describe('recipient hash', () => {
  it('is a keyed, truncated HMAC of the digits: same number same value, other key other value', () => {
    const hash = createRecipientHasher(keyA);
    expect(hash('+49 151 1234 5678')).toMatch(/^h:[0-9a-f]{32}$/);
    expect(hash('+49 151 1234 5678')).toBe(hash('4915112345678'));
    expect(hash('4915112345678')).not.toBe(hash('4915112345679'));
    expect(createRecipientHasher(keyB)('4915112345678')).not.toBe(hash('4915112345678'));
  });
});
