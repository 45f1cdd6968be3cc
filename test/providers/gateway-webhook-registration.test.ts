import { createHmac } from 'node:crypto';
import { createEvolutionGateway } from '../../src/providers/gateways/evolution/evolution.adapter';
import { ProviderError } from '../../src/providers/errors';
import { createSeedGateway } from '../../src/providers/gateways/seed/seed.adapter';
import {
  isValidWebhookToken,
  redactWebhookToken,
  tokenisedWebhookUrl,
} from '../../src/providers/gateways/shared/webhook-target';
import { createWahaGateway } from '../../src/providers/gateways/waha/waha.adapter';
import { startRecordingGateway } from '../fakes/recording-gateway';
import { captureLogger } from '../helpers/logger';

const TARGET = { url: 'https://api.example.test/webhooks/gateway', secret: 'shared-secret-0123456789' };
const hmac = (id: string) =>
  createHmac('sha256', TARGET.secret).update(`gateway-webhook:${id}`).digest('hex');

describe('gateway webhook registration: exact requests (recording fake)', () => {
  let fake: Awaited<ReturnType<typeof startRecordingGateway>>;
  const log = captureLogger();
  beforeAll(async () => {
    fake = await startRecordingGateway();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('seed: POST /api/v1/webhook {sessionId, url} with the session Bearer token; the URL carries an HMAC token, not the secret', async () => {
    const seed = createSeedGateway({
      baseUrl: fake.url,
      masterKey: 'm',
      timeoutMs: 2_000,
      logger: log.logger,
      webhook: TARGET,
    });
    fake.on('POST', '/api/v1/webhook', { status: 200, body: { status: 'success', message: 'ok' } });
    await seed.registerWebhook!('s1-abc', 'tok-1');
    expect(fake.requests).toHaveLength(1);
    const r = fake.requests[0]!;
    expect(r).toMatchObject({ method: 'POST', path: '/api/v1/webhook' });
    expect(r.headers.authorization).toBe('Bearer tok-1');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['x-master-key']).toBeUndefined();
    expect(r.body).toEqual({
      sessionId: 's1-abc',
      url: `https://api.example.test/webhooks/gateway?token=${hmac('s1-abc')}`,
    });
    expect(JSON.stringify(r)).not.toContain(TARGET.secret);
  });

  it('seed: a refusal is a typed error (403 auth, 400 invalid_request, 503 transient)', async () => {
    const seed = createSeedGateway({
      baseUrl: fake.url,
      timeoutMs: 2_000,
      logger: log.logger,
      webhook: TARGET,
    });
    for (const [status, kind] of [
      [403, 'auth'],
      [400, 'invalid_request'],
      [503, 'transient'],
    ] as const) {
      fake.on('POST', '/api/v1/webhook', { status, body: { status: 'error', message: 'no' } });
      const err = await seed.registerWebhook!('s1', 't').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe(kind);
    }
  });

  it('seed without a webhook target: no request', async () => {
    const seed = createSeedGateway({ baseUrl: fake.url, timeoutMs: 2_000, logger: log.logger });
    await seed.registerWebhook!('s1', 't');
    expect(fake.requests).toHaveLength(0);
  });

  it('WAHA: config.webhooks in the create body with X-Webhook-Secret as a custom header', async () => {
    fake.on('POST', '/api/sessions', { status: 201, body: { name: 's1', status: 'STARTING' } });
    const waha = createWahaGateway({
      baseUrl: fake.url,
      apiKey: 'waha-key',
      timeoutMs: 2_000,
      logger: log.logger,
      webhook: TARGET,
    });
    await waha.createSession('s1');
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/api/sessions' });
    expect(fake.requests[0]!.headers['x-api-key']).toBe('waha-key');
    expect(fake.requests[0]!.body).toEqual({
      name: 's1',
      start: true,
      config: {
        webhooks: [
          {
            url: TARGET.url,
            events: ['session.status', 'message.ack'],
            customHeaders: [{ name: 'X-Webhook-Secret', value: TARGET.secret }],
          },
        ],
      },
    });
    expect(waha.registerWebhook).toBeUndefined();
  });

  it('Evolution: webhook {url, byEvents:false, headers, events} in instance/create', async () => {
    fake.on('POST', '/instance/create', {
      status: 201,
      body: { instance: { instanceName: 's1' }, hash: 'H' },
    });
    const evo = createEvolutionGateway({
      baseUrl: fake.url,
      apiKey: 'global-key',
      timeoutMs: 2_000,
      logger: log.logger,
      webhook: TARGET,
    });
    await evo.createSession('s1');
    expect(fake.requests[0]!.headers.apikey).toBe('global-key');
    expect(fake.requests[0]!.body).toEqual({
      instanceName: 's1',
      qrcode: true,
      integration: 'WHATSAPP-BAILEYS',
      webhook: {
        url: TARGET.url,
        byEvents: false,
        base64: false,
        headers: { 'X-Webhook-Secret': TARGET.secret },
        events: ['QRCODE_UPDATED', 'CONNECTION_UPDATE', 'LOGOUT_INSTANCE', 'MESSAGES_UPDATE'],
      },
    });
    expect(evo.registerWebhook).toBeUndefined();
  });

  it('WAHA and Evolution without a target: create bodies carry no webhook', async () => {
    fake.on('POST', '/api/sessions', { status: 201, body: {} });
    fake.on('POST', '/instance/create', { status: 201, body: { instance: { instanceName: 's1' } } });
    await createWahaGateway({ baseUrl: fake.url, timeoutMs: 2_000, logger: log.logger }).createSession('s1');
    await createEvolutionGateway({ baseUrl: fake.url, timeoutMs: 2_000, logger: log.logger }).createSession(
      's1',
    );
    expect(fake.requests.map((r) => r.body)).toEqual([
      { name: 's1', start: true },
      { instanceName: 's1', qrcode: true, integration: 'WHATSAPP-BAILEYS' },
    ]);
  });

  it('tokens are per session and checked against the session the event names; logs see them redacted', () => {
    const url = new URL(tokenisedWebhookUrl(TARGET, 'a'));
    const token = url.searchParams.get('token')!;
    expect(isValidWebhookToken(TARGET.secret, 'a', token)).toBe(true);
    expect(isValidWebhookToken(TARGET.secret, 'b', token)).toBe(false);
    expect(isValidWebhookToken('another-secret-0123456789', 'a', token)).toBe(false);
    expect(redactWebhookToken(`/webhooks/gateway?x=1&token=${token}`)).toBe(
      '/webhooks/gateway?x=1&token=[redacted]',
    );
  });
});
