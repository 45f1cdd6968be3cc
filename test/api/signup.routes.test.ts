import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config/env';
import { signupAssetsDir, signupConfigFrom } from '../../src/api/routes/signup.routes';
import { useInfra } from '../fixtures/infra';

const KEYRING = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
/** Every secret the server may hold; none may reach the page. */
const SECRETS = {
  META_APP_SECRET: 'meta-app-secret-0123456789abcdef',
  DIALOG360_PARTNER_API_KEY: 'd360-partner-key-0123456789',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-0123456789abcdef',
  GATEWAY_MASTER_KEY: 'gateway-master-key-0123456789',
  GATEWAY_WEBHOOK_SECRET: 'gateway-webhook-secret-0123456789',
  METRICS_TOKEN: 'metrics-token-0123456789abcdef',
  META_WEBHOOK_VERIFY_TOKEN: 'verify-token-0123456789',
};

/** `/signup` (static page, its own CSP and opener policy) and `/signup/config.json` (public settings). */
describe('GET /signup (Embedded Signup page) and /signup/config.json', () => {
  const infra = useInfra({ queue: 'signup' });
  const app = (env: Record<string, string> = {}) =>
    infra.app({ signup: signupConfigFrom(loadConfig({ ENCRYPTION_KEYS: KEYRING, ...env })) });

  it('redirects /signup to /signup/ keeping the query (360dialog redirects with ?client=&channels=[…])', async () => {
    const a = app();
    expect((await request(a).get('/signup').expect(301)).headers.location).toBe('/signup/');
    const res = await request(a).get('/signup?client=cl1&channels=[ch1,ch2]').expect(301);
    expect(res.headers.location).toBe('/signup/?client=cl1&channels=[ch1,ch2]');
    // It lands in the Hub popup: no opener policy there, so the popup keeps its opener (our page).
    expect(res.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    const landing = await request(a).get('/signup/?client=cl1&channels=[ch1]').expect(200);
    expect(landing.headers['cross-origin-opener-policy']).toBe('unsafe-none');
    expect(landing.headers['content-security-policy']).toContain(
      "script-src 'self' https://connect.facebook.net",
    );
    expect((await request(a).get('/signup').expect(301)).headers['cross-origin-opener-policy']).toBe(
      'same-origin',
    );
  });

  it('serves the page without a key, uncached, with the SDK origin allowed on this page only', async () => {
    const a = app();
    const page = await request(a).get('/signup/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = page.headers['content-security-policy'] as string;
    const directive = (name: string) =>
      csp
        .split(';')
        .find((d) => d.trim().startsWith(`${name} `))
        ?.trim();
    expect(directive('script-src')).toBe("script-src 'self' https://connect.facebook.net");
    expect(directive('script-src-attr')).toBe("script-src-attr 'none'");
    expect(directive('frame-src')).toBe('frame-src https://*.facebook.com');
    expect(directive('default-src')).toBe("default-src 'self'");
    expect(directive('object-src')).toBe("object-src 'none'");
    // The Facebook login popup must be able to post WA_EMBEDDED_SIGNUP events back to this page.
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    expect(page.text).toContain('<script type="module" src="signup.js"></script>');

    // The admin page keeps helmet's defaults: no third-party script, a same-origin opener policy.
    const admin = await request(a).get('/admin/').expect(200);
    expect(admin.headers['content-security-policy']).not.toContain('facebook');
    expect(admin.headers['cross-origin-opener-policy']).toBe('same-origin');

    for (const file of readdirSync(signupAssetsDir())) {
      const res = await request(a).get(`/signup/${file}`).expect(200);
      const type = file.endsWith('.css')
        ? /^text\/css/
        : file.endsWith('.html')
          ? /^text\/html/
          : /javascript/;
      expect({ file, type: res.headers['content-type'] }).toEqual({
        file,
        type: expect.stringMatching(type),
      });
      expect(res.headers['content-security-policy']).toContain('https://connect.facebook.net');
    }
    // The shared admin modules it imports are where the page expects them.
    for (const file of ['admin-core.js', 'admin-onboarding.js', 'admin.css'])
      await request(a).get(`/admin/${file}`).expect(200);
  });

  it('has no inline script or handler attribute, and loads script only from itself and the SDK URL', () => {
    const dir = signupAssetsDir();
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const js = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    const origins = new Set([...js.matchAll(/https:\/\/[a-z0-9.-]+/g)].map((m) => m[0]));
    expect([...origins].sort()).toEqual(['https://connect.facebook.net']);
    expect(js).not.toMatch(/innerHTML|eval\(|new Function/);
  });

  it('config.json: public ids and the providers offered, never a secret', async () => {
    const env = {
      ...SECRETS,
      META_APP_ID: '1234567890',
      META_ES_CONFIG_ID: '998877665544',
      META_GRAPH_API_VERSION: 'v26.0',
      DIALOG360_PARTNER_ID: 'abcPA',
      TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    };
    const res = await request(app(env)).get('/signup/config.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body as Record<string, unknown>;
    expect(body).toMatchObject({
      metaAppId: '1234567890',
      metaConfigId: '998877665544',
      graphApiVersion: 'v26.0',
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        'dialog360ConnectUrl',
        'dialog360PartnerId',
        'graphApiVersion',
        'metaAppId',
        'metaConfigId',
        'providers',
      ].sort(),
    );
    expect(body.providers).toEqual(['meta', '360dialog', 'twilio']);
    expect(body.dialog360ConnectUrl).toBe('https://hub.360dialog.com/dashboard/app/abcPA/permissions');
    for (const secret of Object.values(SECRETS)) expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain(env.TWILIO_ACCOUNT_SID);
    expect(res.text).not.toMatch(/secret|token|password|api_?key/i);
  });

  it('config.json: nothing configured offers no provider; each provider needs its server side', async () => {
    const none = await request(app()).get('/signup/config.json').expect(200);
    expect(none.body).toEqual({
      metaAppId: null,
      metaConfigId: null,
      graphApiVersion: 'v23.0',
      dialog360PartnerId: null,
      dialog360ConnectUrl: null,
      providers: [],
    });
    // App and configuration ids without the app secret: the server could not exchange the code.
    const noSecret = await request(app({ META_APP_ID: '1234567890', META_ES_CONFIG_ID: '42' }))
      .get('/signup/config.json')
      .expect(200);
    expect(noSecret.body.providers).toEqual([]);
    const meta = await request(
      app({ META_APP_ID: '1234567890', META_ES_CONFIG_ID: '42', META_APP_SECRET: SECRETS.META_APP_SECRET }),
    )
      .get('/signup/config.json')
      .expect(200);
    expect(meta.body.providers).toEqual(['meta']);
    // 360dialog needs the partner API key (channel keys are generated server-side); Twilio an account.
    const partnerOnly = await request(app({ DIALOG360_PARTNER_ID: 'abcPA' })).get('/signup/config.json');
    expect(partnerOnly.body).toMatchObject({ dialog360PartnerId: null, providers: [] });
    const bsp = await request(
      app({
        DIALOG360_PARTNER_ID: 'abcPA',
        DIALOG360_PARTNER_API_KEY: SECRETS.DIALOG360_PARTNER_API_KEY,
        TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: SECRETS.TWILIO_AUTH_TOKEN,
      }),
    ).get('/signup/config.json');
    // Twilio's number is found through Embedded Signup: without the Meta app it cannot be offered.
    expect(bsp.body.providers).toEqual(['360dialog']);
  });

  it('answers the usual JSON 404 for a missing file and keeps /v1 behind the key', async () => {
    const a = app();
    const res = await request(a).get('/signup/nope.js').expect(404);
    expect(res.body.error.code).toBe('route_not_found');
    await request(a).get('/v1/onboardings').expect(401);
  });
});
