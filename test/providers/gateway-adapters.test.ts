import { createEvolutionGateway } from '../../src/providers/gateways/evolution/evolution.adapter';
import { ProviderError } from '../../src/providers/errors';
import { createSeedGateway } from '../../src/providers/gateways/seed/seed.adapter';
import { createWahaGateway } from '../../src/providers/gateways/waha/waha.adapter';
import { createGatewayRegistry } from '../../src/providers/gateways/registry';
import { startRecordingGateway } from '../fakes/recording-gateway';
import { captureLogger } from '../helpers/logger';

type Fake = Awaited<ReturnType<typeof startRecordingGateway>>;

async function rejection(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('gateway adapters: exact requests and status mapping (recording fake)', () => {
  let fake: Fake;
  const log = captureLogger();
  beforeAll(async () => {
    fake = await startRecordingGateway();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  describe('seed (Super-Light-Web-WhatsApp-API-Server)', () => {
    const seed = () =>
      createSeedGateway({
        baseUrl: `${fake.url}/`,
        masterKey: 'master-1',
        timeoutMs: 2_000,
        logger: log.logger,
      });

    it('creates with X-Master-Key and {sessionId}, returning the token', async () => {
      fake.on('POST', '/api/v1/sessions', {
        status: 201,
        body: { status: 'success', message: 'Session s1 created.', token: 'tok-1' },
      });
      await expect(seed().createSession('s1')).resolves.toEqual({ token: 'tok-1', alreadyExisted: false });
      expect(fake.requests).toHaveLength(1);
      const r = fake.requests[0]!;
      expect(r).toMatchObject({ method: 'POST', path: '/api/v1/sessions', body: { sessionId: 's1' } });
      expect(r.headers['x-master-key']).toBe('master-1');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.headers.authorization).toBeUndefined();
    });

    it('treats 409 "already exists" as an existing session', async () => {
      fake.on('POST', '/api/v1/sessions', {
        status: 409,
        body: { status: 'error', message: 'Session s1 already exists' },
      });
      await expect(seed().createSession('s1')).resolves.toEqual({ token: null, alreadyExisted: true });
    });

    it('lists with the Bearer session token (v1.2.0) and maps status + raw QR', async () => {
      fake.on('GET', '/api/v1/sessions', {
        status: 200,
        body: [{ sessionId: 's1', status: 'GENERATING_QR', detail: null, qr: '2@abc' }],
      });
      await expect(seed().getSession('s1', 'tok-1')).resolves.toEqual({
        status: 'generating_qr',
        rawStatus: 'GENERATING_QR',
        qr: '2@abc',
      });
      expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/sessions' });
      expect(fake.requests[0]!.headers.authorization).toBe('Bearer tok-1');
    });

    it('reads the legacy unauthenticated list (all sessions, tokens included) and recovers a token from it', async () => {
      fake.on('GET', '/api/v1/sessions', {
        status: 200,
        body: [
          { sessionId: 'other', status: 'CONNECTED', qr: null, token: 'x' },
          { sessionId: 's1', status: 'CONNECTED', detail: 'ok', qr: null, token: 'tok-legacy' },
        ],
      });
      await expect(seed().getSession('s1', null)).resolves.toEqual({
        status: 'connected',
        rawStatus: 'CONNECTED',
        qr: null,
        detail: 'ok',
      });
      expect(fake.requests[0]!.headers.authorization).toBeUndefined();
      await expect(seed().recoverToken('s1')).resolves.toBe('tok-legacy');
    });

    it('recoverToken gives up (null) on a v1.2.0 server whose list needs the token', async () => {
      fake.on('GET', '/api/v1/sessions', { status: 401, body: { status: 'error', message: 'Unauthorized' } });
      await expect(seed().recoverToken('s1')).resolves.toBeNull();
    });

    it('maps every seed status; an unknown one becomes disconnected and is logged', async () => {
      const cases: Array<[string, string]> = [
        ['CREATING', 'creating'],
        ['CONNECTING', 'connecting'],
        ['GENERATING_QR', 'generating_qr'],
        ['CONNECTED', 'connected'],
        ['DISCONNECTED', 'disconnected'],
        ['PENDING', 'pending'],
        ['LOGGING_IN_WEIRDLY', 'disconnected'],
      ];
      for (const [raw, ours] of cases) {
        fake.on('GET', '/api/v1/sessions', {
          status: 200,
          body: [{ sessionId: 's1', status: raw, qr: null }],
        });
        expect((await seed().getSession('s1', 't'))?.status).toBe(ours);
      }
      expect(
        log.lines().some((l) => l.includes('LOGGING_IN_WEIRDLY') && l.includes('unknown gateway status')),
      ).toBe(true);
    });

    it('answers null for a session the gateway does not list', async () => {
      fake.on('GET', '/api/v1/sessions', { status: 200, body: [] });
      await expect(seed().getSession('s1', 't')).resolves.toBeNull();
    });

    it('deletes with the Bearer token; 404 is success (idempotent)', async () => {
      fake.on(
        'DELETE',
        '/api/v1/sessions/s1',
        { status: 200, body: { status: 'success' } },
        { status: 404, body: { message: 'nope' } },
      );
      await seed().deleteSession('s1', 'tok-1');
      await seed().deleteSession('s1', 'tok-1');
      expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
        ['DELETE', '/api/v1/sessions/s1', 'Bearer tok-1'],
        ['DELETE', '/api/v1/sessions/s1', 'Bearer tok-1'],
      ]);
    });

    it('classifies errors: 5xx transient, 401/403 auth, 400 invalid_request, refused transient, timeout transient', async () => {
      fake.on('POST', '/api/v1/sessions', { status: 503, body: { message: 'down' } });
      expect((await rejection(seed().createSession('s1'))).kind).toBe('transient');
      fake.on('POST', '/api/v1/sessions', {
        status: 403,
        body: { status: 'error', message: 'Invalid master key' },
      });
      const auth = await rejection(seed().createSession('s1'));
      expect(auth).toMatchObject({ kind: 'auth', httpStatus: 403, provider: 'gateway-seed' });
      expect(auth.message).not.toContain('master-1');
      fake.on('POST', '/api/v1/sessions', {
        status: 400,
        body: { status: 'error', message: 'sessionId is required' },
      });
      expect((await rejection(seed().createSession('s1'))).kind).toBe('invalid_request');
      fake.on('GET', '/api/v1/sessions', { status: 429, body: {} });
      expect((await rejection(seed().getSession('s1', 't'))).kind).toBe('rate_limited');

      const refused = createSeedGateway({
        baseUrl: 'http://127.0.0.1:1',
        masterKey: 'm',
        timeoutMs: 2_000,
        logger: log.logger,
      });
      expect(await rejection(refused.createSession('s1'))).toMatchObject({
        kind: 'transient',
        code: 'ECONNREFUSED',
      });

      fake.on('GET', '/api/v1/sessions', { status: 200, hang: true });
      const slow = createSeedGateway({
        baseUrl: fake.url,
        masterKey: 'm',
        timeoutMs: 200,
        logger: log.logger,
      });
      expect((await rejection(slow.getSession('s1', 't'))).kind).toBe('transient');
    });

    it('without a master key: auth error, no request sent', async () => {
      const g = createSeedGateway({ baseUrl: fake.url, timeoutMs: 1_000, logger: log.logger });
      expect((await rejection(g.createSession('s1'))).kind).toBe('auth');
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('WAHA', () => {
    const waha = () =>
      createWahaGateway({ baseUrl: fake.url, apiKey: 'waha-key', timeoutMs: 2_000, logger: log.logger });

    it('creates with X-Api-Key and {name, start:true}; no token', async () => {
      fake.on('POST', '/api/sessions', { status: 201, body: { name: 's1', status: 'STARTING' } });
      await expect(waha().createSession('s1')).resolves.toEqual({ token: null, alreadyExisted: false });
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/api/sessions',
        body: { name: 's1', start: true },
      });
      expect(fake.requests[0]!.headers['x-api-key']).toBe('waha-key');
    });

    it('gets the session, then the raw QR when SCAN_QR_CODE', async () => {
      fake.on('GET', '/api/sessions/s1', { status: 200, body: { name: 's1', status: 'SCAN_QR_CODE' } });
      fake.on('GET', '/api/s1/auth/qr', { status: 200, body: { value: '2@waha' } });
      await expect(waha().getSession('s1', null)).resolves.toEqual({
        status: 'generating_qr',
        rawStatus: 'SCAN_QR_CODE',
        qr: '2@waha',
      });
      expect(fake.requests.map((r) => [r.method, r.path, r.query])).toEqual([
        ['GET', '/api/sessions/s1', {}],
        ['GET', '/api/s1/auth/qr', { format: 'raw' }],
      ]);
      expect(fake.requests.every((r) => r.headers['x-api-key'] === 'waha-key')).toBe(true);
    });

    it('maps STARTING/WORKING/STOPPED/FAILED and unknown; 404 → null', async () => {
      const cases: Array<[string, string]> = [
        ['STARTING', 'connecting'],
        ['WORKING', 'connected'],
        ['STOPPED', 'disconnected'],
        ['FAILED', 'disconnected'],
        ['SOMETHING_NEW', 'disconnected'],
      ];
      for (const [raw, ours] of cases) {
        fake.on('GET', '/api/sessions/s1', { status: 200, body: { name: 's1', status: raw } });
        expect((await waha().getSession('s1', null))?.status).toBe(ours);
      }
      expect(log.lines().some((l) => l.includes('SOMETHING_NEW'))).toBe(true);
      fake.on('GET', '/api/sessions/s1', { status: 404, body: { message: 'not found' } });
      await expect(waha().getSession('s1', null)).resolves.toBeNull();
    });

    it('deletes with DELETE /api/sessions/{name}; 401 is auth', async () => {
      fake.on('DELETE', '/api/sessions/s1', { status: 200, body: {} });
      await waha().deleteSession('s1', null);
      expect(fake.requests[0]).toMatchObject({ method: 'DELETE', path: '/api/sessions/s1' });
      fake.on('DELETE', '/api/sessions/s1', { status: 401, body: { message: 'Unauthorized' } });
      expect((await rejection(waha().deleteSession('s1', null))).kind).toBe('auth');
    });
  });

  describe('Evolution API', () => {
    const evo = () =>
      createEvolutionGateway({
        baseUrl: fake.url,
        apiKey: 'global-key',
        timeoutMs: 2_000,
        logger: log.logger,
      });

    it('creates with the global apikey and keeps the instance token (hash)', async () => {
      fake.on('POST', '/instance/create', {
        status: 201,
        body: { instance: { instanceName: 's1' }, hash: 'INST-TOKEN' },
      });
      await expect(evo().createSession('s1')).resolves.toEqual({
        token: 'INST-TOKEN',
        alreadyExisted: false,
      });
      expect(fake.requests[0]).toMatchObject({
        method: 'POST',
        path: '/instance/create',
        body: { instanceName: 's1', qrcode: true, integration: 'WHATSAPP-BAILEYS' },
      });
      expect(fake.requests[0]!.headers.apikey).toBe('global-key');
    });

    it('403 "already in use" is an existing instance', async () => {
      fake.on('POST', '/instance/create', {
        status: 403,
        body: {
          status: 403,
          error: 'Forbidden',
          response: { message: ['This name "s1" is already in use.'] },
        },
      });
      await expect(evo().createSession('s1')).resolves.toEqual({ token: null, alreadyExisted: true });
    });

    it('reads the state with the instance token, and the raw QR (code) while connecting', async () => {
      fake.on('GET', '/instance/connectionState/s1', {
        status: 200,
        body: { instance: { instanceName: 's1', state: 'connecting' } },
      });
      fake.on('GET', '/instance/connect/s1', {
        status: 200,
        body: { pairingCode: null, code: '2@evo', base64: 'data:image/png;base64,xx', count: 1 },
      });
      await expect(evo().getSession('s1', 'INST-TOKEN')).resolves.toEqual({
        status: 'generating_qr',
        rawStatus: 'connecting',
        qr: '2@evo',
      });
      expect(fake.requests.map((r) => [r.method, r.path, r.headers.apikey])).toEqual([
        ['GET', '/instance/connectionState/s1', 'INST-TOKEN'],
        ['GET', '/instance/connect/s1', 'INST-TOKEN'],
      ]);
    });

    it('maps open/close/refused/unknown; connecting without QR is connecting', async () => {
      const cases: Array<[string, string]> = [
        ['open', 'connected'],
        ['close', 'disconnected'],
        ['refused', 'disconnected'],
        ['weird', 'disconnected'],
      ];
      for (const [raw, ours] of cases) {
        fake.on('GET', '/instance/connectionState/s1', {
          status: 200,
          body: { instance: { instanceName: 's1', state: raw } },
        });
        expect((await evo().getSession('s1', null))?.status).toBe(ours);
      }
      fake.on('GET', '/instance/connectionState/s1', {
        status: 200,
        body: { instance: { instanceName: 's1', state: 'connecting' } },
      });
      fake.on('GET', '/instance/connect/s1', { status: 200, body: { count: 0 } });
      expect((await evo().getSession('s1', null))?.status).toBe('connecting');
    });

    it('deletes with DELETE /instance/delete/{name}; 404 is success; 500 transient', async () => {
      fake.on('DELETE', '/instance/delete/s1', { status: 200, body: { status: 'SUCCESS' } });
      await evo().deleteSession('s1', 'INST-TOKEN');
      expect(fake.requests[0]).toMatchObject({ method: 'DELETE', path: '/instance/delete/s1' });
      expect(fake.requests[0]!.headers.apikey).toBe('INST-TOKEN');
      fake.on('DELETE', '/instance/delete/s1', { status: 404, body: {} });
      await evo().deleteSession('s1', null);
      fake.on('DELETE', '/instance/delete/s1', { status: 500, body: {} });
      expect((await rejection(evo().deleteSession('s1', null))).kind).toBe('transient');
    });
  });

  it('the registry builds the configured kind and refuses the others', () => {
    const reg = createGatewayRegistry(
      { kind: 'waha', baseUrl: fake.url, apiKey: 'k', timeoutMs: 1_000 },
      log.logger,
    );
    expect(reg.defaultKind).toBe('waha');
    expect(reg.get('waha').kind).toBe('waha');
    expect(() => reg.get('seed')).toThrow(ProviderError);
  });
});
