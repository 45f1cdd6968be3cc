import { createMetaSimulator } from '../../src/simulator/official/meta/meta.simulator';

/**
 * The Meta simulator's Embedded Signup pages (the signup page's simulator mode): the SDK stand-in,
 * the dialog with what it will create, its refusals, and the control route it creates them with.
 * The whole flow in a browser: test/e2e/newcomer-stack.e2e.test.ts.
 */
const APP_ID = '1234567890';
const CONFIG_ID = '998877';
const PAGE = 'http://localhost:3000';

let sim: ReturnType<typeof createMetaSimulator>;
let base = '';

beforeAll(async () => {
  sim = createMetaSimulator({
    appId: APP_ID,
    appSecret: 'sim-app-secret',
    configId: CONFIG_ID,
    webhookUrl: 'http://127.0.0.1:9/webhooks/meta',
  });
  base = (await sim.listen()).url;
});
afterAll(() => sim.close());

const dialog = (q: Record<string, string>) =>
  fetch(`${base}/v23.0/dialog/oauth?${new URLSearchParams(q).toString()}`);
const data = (html: string) =>
  Object.fromEntries([...html.matchAll(/ data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

it('serves the SDK as connect.facebook.net does: script, any origin, uncached', async () => {
  const res = await fetch(`${base}/sdk.js`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const js = await res.text();
  expect(js).toContain('window.FB = {');
  expect(js).toContain('/dialog/oauth?');
  expect((await fetch(`${base}/es-dialog.js`)).status).toBe(200);
});

it('the dialog shows the business, WABA and number it will create; only the WABA for only_waba_sharing', async () => {
  const q = { app_id: APP_ID, config_id: CONFIG_ID, extras: '{"featureType":""}', origin: PAGE };
  const res = await dialog(q);
  expect(res.status).toBe(200);
  const html = await res.text();
  const d = data(html);
  expect(d).toMatchObject({ opener: PAGE, 'waba-only': 'false', step: 'PHONE_NUMBER_SETUP' });
  for (const id of ['business-id', 'waba-id', 'phone-number-id']) expect(d[id]).toMatch(/^\d{15}$/);
  expect(html).toContain(`<td>${d['waba-id']}</td>`);
  expect(html).toContain('id="continue"');
  expect(html).toContain('id="cancel"');

  const wabaOnly = data(await (await dialog({ ...q, extras: '{"featureType":"only_waba_sharing"}' })).text());
  expect(wabaOnly).toMatchObject({ 'waba-only': 'true', step: 'BUSINESS_ACCOUNT_SELECTION' });
});

it("refuses another app's id, another configuration and a missing page origin, as Facebook's dialog would", async () => {
  const ok = { app_id: APP_ID, config_id: CONFIG_ID, origin: PAGE };
  for (const [q, message] of [
    [{ ...ok, app_id: '555' }, 'Invalid App ID: 555 is not this app'],
    [{ ...ok, config_id: '1' }, 'Invalid configuration id for this app (config_id)'],
    [{ ...ok, origin: `${PAGE}/signup/` }, 'The page that opened this dialog did not say its origin'],
  ] as const) {
    const html = await (await dialog(q)).text();
    expect(data(html)['error-message']).toBe(message);
    expect(html).not.toContain('id="continue"');
    expect(html).toContain('id="close"');
  }
  // Whatever it is given is escaped.
  const html = await (await dialog({ ...ok, app_id: '"><script>x</script>' })).text();
  expect(html).not.toContain('<script>x');
});

it('Continue creates the signup through POST /_sim/signup, whose FINISH event names the business shown', async () => {
  const res = await fetch(`${base}/_sim/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      wabaId: '111222333444555',
      phoneNumberId: '666777888999000',
      businessId: '123451234512345',
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(body.finishEvent).toEqual({
    type: 'WA_EMBEDDED_SIGNUP',
    event: 'FINISH',
    version: '3',
    data: { phone_number_id: '666777888999000', waba_id: '111222333444555', business_id: '123451234512345' },
  });
  expect(body.code).toMatch(/^AQ/);
});
