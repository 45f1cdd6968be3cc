import { createHmac } from 'node:crypto';
import { signMetaBody, verifyMetaSignature } from '../../src/providers/meta/meta.webhook';
import {
  twilioSignature,
  twilioWebhookUrl,
  verifyTwilioSignature,
} from '../../src/providers/twilio/twilio.webhook';
import { readDialog360Headers, verifyDialog360Secret } from '../../src/providers/dialog360/dialog360.webhook';

// Expected values are computed here with node:crypto, or written literally (checked with
// `openssl dgst -sha256 -hmac …` / `openssl dgst -sha1 -hmac … -binary | base64`), never with the code under test.
const hmac256 = (secret: string, body: Buffer | string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('Meta X-Hub-Signature-256', () => {
  const SECRET = 'fixed-vector-app-secret';
  const BODY =
    '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",' +
    '"value":{"statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA","status":"delivered",' +
    '"timestamp":"1750857384","recipient_id":"16505551234"}]}}]}]}';
  const FIXED = 'sha256=73237b9d07beb5b9bfcf882722a022931f2c4a4464fe411b04ea50f0ac47ade6';

  it('accepts the fixed vector (secret + body + hex digest written out)', () => {
    expect(verifyMetaSignature(Buffer.from(BODY), FIXED, SECRET)).toBe(true);
    expect(hmac256(SECRET, BODY)).toBe(FIXED);
    expect(signMetaBody(BODY, SECRET)).toBe(FIXED);
  });

  it('refuses a wrong secret, a wrong or truncated digest, a missing header, a missing body', () => {
    const raw = Buffer.from(BODY);
    expect(verifyMetaSignature(raw, FIXED, 'another-secret')).toBe(false);
    expect(verifyMetaSignature(raw, `sha256=${'0'.repeat(64)}`, SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, FIXED.slice(0, -2), SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, FIXED.replace('sha256=', ''), SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, FIXED.replace('sha256=', 'sha1='), SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, '', SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, undefined, SECRET)).toBe(false);
    expect(verifyMetaSignature(raw, [FIXED], SECRET)).toBe(false);
    expect(verifyMetaSignature(undefined, FIXED, SECRET)).toBe(false);
  });

  it('refuses the body changed by one byte, anywhere', () => {
    for (const i of [0, 17, BODY.length - 1]) {
      const changed = Buffer.from(BODY);
      changed[i] = (changed[i] as number) ^ 0x01;
      expect(verifyMetaSignature(changed, FIXED, SECRET)).toBe(false);
    }
    expect(verifyMetaSignature(Buffer.from(`${BODY} `), FIXED, SECRET)).toBe(false);
  });

  it('non-ASCII: the \\uXXXX-escaped bytes Meta sends, and raw UTF-8 bytes, each signed as sent', () => {
    const escaped = '{"text":"Caf\\u00e9 \\ud83d\\ude00 \\u00fcber"}';
    const utf8 = Buffer.from('{"text":"Café 😀 über"}', 'utf8');
    const escapedSig = 'sha256=729651e544b9c91d40b5f4488a3620ba5917b57f823294b45e5cfd7b4bf8db74';
    const utf8Sig = 'sha256=5fc3e4b0570104a9d8728e1f86b7b43e79b51d2f56992eeb8e4171cc235e5a69';
    expect(hmac256(SECRET, escaped)).toBe(escapedSig);
    expect(hmac256(SECRET, utf8)).toBe(utf8Sig);
    expect(verifyMetaSignature(Buffer.from(escaped), escapedSig, SECRET)).toBe(true);
    expect(verifyMetaSignature(utf8, utf8Sig, SECRET)).toBe(true);
    // The same JSON value, other bytes: the signature of one is not the other's.
    expect(JSON.parse(escaped)).toEqual(JSON.parse(utf8.toString('utf8')));
    expect(verifyMetaSignature(utf8, escapedSig, SECRET)).toBe(false);
    expect(verifyMetaSignature(Buffer.from(escaped), utf8Sig, SECRET)).toBe(false);
  });

  it('accepts upper-case hex (same bytes) but nothing else in the digest', () => {
    expect(verifyMetaSignature(Buffer.from(BODY), `sha256=${FIXED.slice(7).toUpperCase()}`, SECRET)).toBe(
      true,
    );
    expect(verifyMetaSignature(Buffer.from(BODY), `sha256=${FIXED.slice(7)}zz`, SECRET)).toBe(false);
  });
});

describe('Twilio X-Twilio-Signature', () => {
  // Twilio's documented example (webhooks-security page) and twilio-node's own fixture
  // (spec: auth token 12345); both signatures checked independently with openssl.
  const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const docParams = (caller: string) => ({
    CallSid: 'CA1234567890ABCDE',
    Caller: caller,
    Digits: '1234',
    From: caller,
    To: '+18005551212',
  });

  it('matches the published vectors', () => {
    expect(twilioSignature('12345', URL_, docParams('+14158675310'))).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(twilioSignature('12345', URL_, docParams('+14158675309'))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(
      verifyTwilioSignature('12345', 'GvWf1cFY/Q7PnoempGyD5oXAezc=', URL_, docParams('+14158675310')),
    ).toBe(true);
  });

  it('is independent of the order parameters arrive in; any changed value, token or URL fails', () => {
    const p = docParams('+14158675310');
    const reordered = { To: p.To, Digits: p.Digits, From: p.From, Caller: p.Caller, CallSid: p.CallSid };
    const sig = 'GvWf1cFY/Q7PnoempGyD5oXAezc=';
    expect(verifyTwilioSignature('12345', sig, URL_, reordered)).toBe(true);
    expect(verifyTwilioSignature('12345', sig, URL_, { ...p, Digits: '9999' })).toBe(false);
    expect(verifyTwilioSignature('12345', sig, URL_, { ...p, Extra: '' })).toBe(false);
    expect(verifyTwilioSignature('54321', sig, URL_, p)).toBe(false);
    expect(verifyTwilioSignature('12345', sig, 'https://mycompany.com/myapp.php?foo=1&bar=3', p)).toBe(false);
    expect(verifyTwilioSignature('12345', sig, 'http://mycompany.com/myapp.php?foo=1&bar=2', p)).toBe(false);
    expect(verifyTwilioSignature('12345', '', URL_, p)).toBe(false);
    expect(verifyTwilioSignature('12345', undefined, URL_, p)).toBe(false);
    expect(verifyTwilioSignature('12345', `${sig} `, URL_, p)).toBe(false);
  });

  it('accepts the URL signed with or without the default port (:443 https, :80 http)', () => {
    const token = 's3cr3t';
    const sign = (url: string) => createHmac('sha1', token).update(url).digest('base64');
    for (const [signed, called] of [
      ['https://example.com:443/path?test=param', 'https://example.com/path?test=param'],
      ['https://example.com/path?test=param', 'https://example.com:443/path?test=param'],
      ['https://example.com/path?test=param', 'https://example.com/path?test=param'],
      ['http://example.com:80/path', 'http://example.com/path'],
      ['http://example.com/path', 'http://example.com:80/path'],
    ] as const)
      expect({ signed, called, ok: verifyTwilioSignature(token, sign(signed), called, {}) }).toEqual({
        signed,
        called,
        ok: true,
      });
    // A non-default port is part of the URL: never dropped or swapped.
    expect(
      verifyTwilioSignature(token, sign('https://example.com:8443/path'), 'https://example.com/path', {}),
    ).toBe(false);
    expect(
      verifyTwilioSignature(token, sign('https://example.com:80/path'), 'https://example.com/path', {}),
    ).toBe(false);
    expect(
      verifyTwilioSignature(
        token,
        sign('https://example.com/path?test=param'),
        'https://example.com/path?test=param2',
        {},
      ),
    ).toBe(false);
  });

  it('non-ASCII values and our ?ref= query: literal vectors, with and without :443', () => {
    const params = {
      MessageSid: 'SM0123456789abcdef0123456789abcdef',
      From: 'whatsapp:+4915112345678',
      Body: 'Olá, café 😀',
    };
    const url = 'https://dw.example.com/webhooks/twilio?ref=tenant-a:msg_0123456789ab';
    expect(twilioSignature('twilio-vector-token', url, params)).toBe('TVG2swXGvzHaboIn/5j19Fe7sX4=');
    expect(verifyTwilioSignature('twilio-vector-token', 'TVG2swXGvzHaboIn/5j19Fe7sX4=', url, params)).toBe(
      true,
    );
    // Twilio signed the URL with an explicit :443 (openssl over the :443 URL): still accepted.
    expect(verifyTwilioSignature('twilio-vector-token', 'eY9rvWGNNBvZrpO5EV8TXCHt7b8=', url, params)).toBe(
      true,
    );
    expect(
      verifyTwilioSignature('twilio-vector-token', 'TVG2swXGvzHaboIn/5j19Fe7sX4=', url, {
        ...params,
        Body: 'Ola, cafe 😀',
      }),
    ).toBe(false);
  });

  it('repeated parameters: each distinct value, sorted, as name+value (twilio-node toFormUrlEncodedParam)', () => {
    const url = 'https://dw.example.com/webhooks/twilio';
    const expected = 'ngmcK4g2WjJms6zfsxAEAoBcmrs=';
    const params = { NumMedia: '2', MediaUrl: ['https://a.test/2', 'https://a.test/1', 'https://a.test/2'] };
    expect(twilioSignature('twilio-vector-token', url, params)).toBe(expected);
    expect(verifyTwilioSignature('twilio-vector-token', expected, url, params)).toBe(true);
    expect(
      verifyTwilioSignature('twilio-vector-token', expected, url, {
        ...params,
        MediaUrl: ['https://a.test/1'],
      }),
    ).toBe(false);
  });

  it('normalises the URL like twilio-node (a quote in the query, escaped or not)', () => {
    const token = 's3cr3t';
    const sig = twilioSignature(token, "https://example.com/path?test=param'WithQuote", {});
    expect(verifyTwilioSignature(token, sig, 'https://example.com/path?test=param%27WithQuote', {})).toBe(
      true,
    );
    expect(verifyTwilioSignature(token, sig, 'not a url', {})).toBe(false);
  });

  it('builds the signed URL from PUBLIC_BASE_URL and the query string as received', () => {
    expect(twilioWebhookUrl('https://dw.example.com', '/webhooks/twilio?ref=t:msg_1')).toBe(
      'https://dw.example.com/webhooks/twilio?ref=t:msg_1',
    );
    expect(twilioWebhookUrl('https://dw.example.com/base/', '/webhooks/twilio')).toBe(
      'https://dw.example.com/base/webhooks/twilio',
    );
  });
});

describe('360dialog webhook headers', () => {
  it('reads both headers and refuses either missing or malformed', () => {
    const ok = { 'x-dw-channel': 'Ch4nnel_1', 'x-dw-webhook-secret': 's'.repeat(43) };
    expect(readDialog360Headers(ok)).toEqual({ channelId: 'Ch4nnel_1', secret: 's'.repeat(43) });
    expect(readDialog360Headers({ 'x-dw-channel': 'Ch4nnel_1' })).toBeNull();
    expect(readDialog360Headers({ 'x-dw-webhook-secret': 'x' })).toBeNull();
    expect(readDialog360Headers({ ...ok, 'x-dw-channel': 'a/b' })).toBeNull();
    expect(readDialog360Headers({ ...ok, 'x-dw-channel': ['a', 'b'] })).toBeNull();
    expect(readDialog360Headers({ ...ok, 'x-dw-webhook-secret': '' })).toBeNull();
  });

  it('compares the secret exactly (length, case, empty expected)', () => {
    expect(verifyDialog360Secret('abcDEF123', 'abcDEF123')).toBe(true);
    expect(verifyDialog360Secret('abcdef123', 'abcDEF123')).toBe(false);
    expect(verifyDialog360Secret('abcDEF12', 'abcDEF123')).toBe(false);
    expect(verifyDialog360Secret('', '')).toBe(false);
  });
});
