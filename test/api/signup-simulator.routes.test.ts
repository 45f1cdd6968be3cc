import request from 'supertest';
import { loadConfig } from '../../src/config/env';
import { signupConfigFrom } from '../../src/api/routes/signup.routes';
import { useInfra } from '../fixtures/infra';

const KEYRING = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const SIM = 'http://127.0.0.1:3101';
const META = { META_APP_ID: '1234567890', META_ES_CONFIG_ID: '42', META_APP_SECRET: 'meta-app-secret-0123' };

/**
 * The signup page's Embedded Signup simulator mode (META_ES_SIMULATOR_URL, set by `npm run stack`
 * when it runs the Meta simulator): the origin on config.json and, on this page only, in the CSP;
 * refused in production; nothing of it without the setting.
 */
describe('signup page in Embedded Signup simulator mode', () => {
  const infra = useInfra({ queue: 'signup-sim' });
  const app = (env: Record<string, string> = {}) =>
    infra.app({ signup: signupConfigFrom(loadConfig({ ENCRYPTION_KEYS: KEYRING, ...env })) });
  const directive = (csp: string, name: string) =>
    csp
      .split(';')
      .find((d) => d.trim().startsWith(`${name} `))
      ?.trim();

  it('is an http(s) origin, kept as one, and refused when NODE_ENV=production', () => {
    expect(
      loadConfig({ ENCRYPTION_KEYS: KEYRING, META_ES_SIMULATOR_URL: `${SIM}/` }).META_ES_SIMULATOR_URL,
    ).toBe(SIM);
    for (const bad of [`${SIM}/sdk.js`, `${SIM}/?x=1`, 'ftp://127.0.0.1:3101', 'not a url'])
      expect(() => loadConfig({ ENCRYPTION_KEYS: KEYRING, META_ES_SIMULATOR_URL: bad })).toThrow(
        /META_ES_SIMULATOR_URL: /,
      );
    expect(() =>
      loadConfig({ ENCRYPTION_KEYS: KEYRING, META_ES_SIMULATOR_URL: SIM, NODE_ENV: 'production' }),
    ).toThrow(
      'Invalid configuration: META_ES_SIMULATOR_URL: the Embedded Signup simulator is for local development and is refused when NODE_ENV=production',
    );
    // Production without it is fine.
    expect(
      loadConfig({ ENCRYPTION_KEYS: KEYRING, NODE_ENV: 'production' }).META_ES_SIMULATOR_URL,
    ).toBeUndefined();
  });

  it('config.json names the simulator; the page may load its script, open and call it, and nothing else more', async () => {
    const a = app({ ...META, META_ES_SIMULATOR_URL: SIM });
    const cfg = await request(a).get('/signup/config.json').expect(200);
    expect(cfg.body).toMatchObject({ esSimulatorOrigin: SIM, providers: ['meta'] });
    const csp = (await request(a).get('/signup/').expect(200)).headers['content-security-policy'] as string;
    expect(directive(csp, 'script-src')).toBe(`script-src 'self' https://connect.facebook.net ${SIM}`);
    expect(directive(csp, 'frame-src')).toBe(`frame-src https://*.facebook.com ${SIM}`);
    expect(directive(csp, 'connect-src')).toBe(
      `connect-src 'self' https://connect.facebook.net https://*.facebook.com ${SIM}`,
    );
    expect(directive(csp, 'img-src')).not.toContain(SIM);
    // The admin page is not widened.
    expect((await request(a).get('/admin/').expect(200)).headers['content-security-policy']).not.toContain(
      SIM,
    );
  });

  it('without the setting: no simulator on config.json or in the CSP', async () => {
    const a = app(META);
    const cfg = await request(a).get('/signup/config.json').expect(200);
    expect(cfg.body).not.toHaveProperty('esSimulatorOrigin');
    const csp = (await request(a).get('/signup/').expect(200)).headers['content-security-policy'] as string;
    expect(csp).not.toContain('127.0.0.1');
  });
});
