import path from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { openAdminBrowser } from './admin-browser';
import { FACEBOOK, esEvent, loginResponse, postToOpener, routeStandIns } from './facebook-stand-ins';
import { META_APP_ID, META_ES_CONFIG_ID, PARTNER_ID, TWILIO_SID, startSignupStack } from './signup-stack';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'signup-e2e');
const TENANT = 'tenant-signup-e2e';
const WAIT = { timeout: 20_000 };
const WABA = '102290129340398';
const PHONE = '106540352242922';
const WABA_2 = '102290129340399';
const PHONE_2 = '106540352242933';

type Posted = { body: Record<string, unknown>; headers: Record<string, string>; fromPopup: boolean };

/**
 * The signup page in a real browser (Debian's Chromium driven by playwright-core) against the real
 * stack. Facebook cannot be reached here, so Chromium itself answers for connect.facebook.net (an
 * SDK stand-in whose FB.login opens the dialog popup) and for www.facebook.com (that popup): the
 * WA_EMBEDDED_SIGNUP events are posted by a page that really is on https://www.facebook.com, as
 * Embedded Signup's popup posts them, while pages on other origins try the same and are ignored.
 */
describe('signup page in a real browser', () => {
  let stack: Awaited<ReturnType<typeof startSignupStack>>;
  let browser: Awaited<ReturnType<typeof openAdminBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let problems: string[] = [];
  const posts: Posted[] = [];

  beforeAll(async () => {
    stack = await startSignupStack(TENANT);
    browser = await openAdminBrowser('signup-e2e', { width: 1100 });
    ({ context, page, problems } = browser);
    await routeStandIns(context);
    context.on('request', (r: Request) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/onboardings')
        posts.push({ body: r.postDataJSON(), headers: r.headers(), fromPopup: r.frame().page() !== page });
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const shot = (name: string, p: Page = page) => browser.shot(name, p);
  const onboardingPost = () =>
    context.waitForEvent('request', {
      predicate: (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/onboardings',
      ...WAIT,
    });

  /** Picks a provider and clicks "Continue with Facebook": the ES dialog popup on www.facebook.com. */
  async function openEmbeddedSignup(provider: 'meta' | 'twilio', fill: Record<string, string>) {
    await page.click(`[data-provider="${provider}"]`);
    await page.locator('#es-start:enabled').waitFor(WAIT);
    for (const [sel, value] of Object.entries(fill)) await page.fill(sel, value);
    const popup = page.waitForEvent('popup', WAIT);
    await page.click('#es-start');
    const fb = await popup;
    await fb.waitForLoadState('domcontentloaded');
    expect(new URL(fb.url()).origin).toBe(FACEBOOK);
    return fb;
  }
  const lastLogin = () => page.evaluate('window.__fbStub.login[window.__fbStub.login.length - 1]');

  it('signs in with an API key and offers the providers this server is configured for', async () => {
    const res = await page.goto(`${stack.appUrl}/signup`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${stack.appUrl}/signup/`);
    const headers = (await res?.allHeaders()) ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self' https://connect.facebook.net");
    expect(headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');

    await page.locator('#sign-in-panel').waitFor(WAIT);
    await page.fill('#api-key', 'wa_not-a-real-key');
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#notice.error').waitFor(WAIT);
    expect(await page.locator('#app').isHidden()).toBe(true);

    await page.fill('#api-key', stack.apiKey);
    await shot('01-sign-in');
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#app').waitFor(WAIT);
    expect(page.url()).not.toContain(stack.apiKey);
    for (const p of ['meta', '360dialog', 'twilio'])
      expect(await page.locator(`[data-provider="${p}"]`).isEnabled()).toBe(true);
    await shot('02-providers');
  });

  it('Meta: loads the SDK, logs in with the configuration id, waits for both the code and the ids, then follows the onboarding to ready', async () => {
    // What Meta knows: the customer's WABA with its number, and the code FB.login will hand out.
    stack.meta.es.addWaba(WABA, [
      { id: PHONE, display_phone_number: '+1 555-078-3881', verified_name: 'Acme' },
    ]);
    stack.meta.es.issueCode('es-code-1', {
      token: 'EAAG-business-token-e2e-1',
      wabaId: WABA,
      ttlMs: 120_000,
    });
    const fb = await openEmbeddedSignup('meta', { '#es-pin': '123456', '#es-sender-id': 'support-line' });
    expect(await page.evaluate('window.__fbStub.init')).toEqual([
      expect.objectContaining({ appId: META_APP_ID, version: 'v23.0', xfbml: false }),
    ]);
    expect(await lastLogin()).toEqual({
      config_id: META_ES_CONFIG_ID,
      response_type: 'code',
      override_default_response_type: true,
      extras: { setup: {}, featureType: '', sessionInfoVersion: '3' },
    });

    // Pages on other origins post a FINISH with other ids: ignored. A lookalike origin too.
    for (const origin of ['https://evil.example', 'https://notfacebook.com']) {
      const popup = page.waitForEvent('popup', WAIT);
      await page.evaluate(`window.open('${origin}/x', '_blank')`);
      const foreign = await popup;
      await foreign.waitForLoadState('domcontentloaded');
      await postToOpener(foreign, esEvent('FINISH', { waba_id: '666', phone_number_id: '777' }));
      await foreign.close();
    }
    // Facebook itself, but not a string, and a string that is not JSON: ignored as well.
    await postToOpener(fb, { type: 'WA_EMBEDDED_SIGNUP', event: 'FINISH', data: { waba_id: '666' } });
    await postToOpener(fb, 'not json');

    // The code first (posted after the messages above, so they have been handled by then).
    await postToOpener(fb, loginResponse('es-code-1'));
    await page.locator('#es-got-code[data-done="true"]').waitFor(WAIT);
    expect(await page.locator('#es-got-ids').getAttribute('data-done')).toBe('false');
    expect(posts).toEqual([]);
    await shot('03-meta-code-only');

    // Then the ids from Facebook's FINISH: now, and only now, the onboarding is started.
    const request = onboardingPost();
    await postToOpener(
      fb,
      esEvent('FINISH', {
        phone_number_id: '106540352242922',
        waba_id: '102290129340398',
        business_id: '2729063490586005',
      }),
    );
    await request;
    await fb.close();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({
      provider: 'meta',
      senderId: 'support-line',
      code: 'es-code-1',
      wabaId: WABA,
      phoneNumberId: PHONE,
      pin: '123456',
    });
    expect(posts[0]?.headers['idempotency-key']).toMatch(/^[\x21-\x7e]{8,}$/);
    expect(posts[0]?.headers.authorization).toBe(`Bearer ${stack.apiKey}`);
    // The PIN does not stay in the form.
    expect(await page.inputValue('#es-pin')).toBe('');

    // The real saga runs against the Meta fake; the page polls it and renders every step.
    const view = page.locator('#progress-list .onboarding-view').first();
    await view.waitFor(WAIT);
    await shot('04-meta-progress');
    await page.locator('#progress-list .onboarding-view[data-status="ready"]').waitFor(WAIT);
    expect(
      await view
        .locator('tr[data-step]')
        .evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute('data-step'), r.getAttribute('data-step-status')]),
        ),
    ).toEqual([
      ['exchange_code', 'done'],
      ['resolve_ids', 'done'],
      ['subscribe_app', 'done'],
      ['register_phone', 'done'],
      ['store_sender', 'done'],
    ]);
    await page.locator('#progress-list .ok-text', { hasText: 'Sender support-line is ready' }).waitFor(WAIT);
    await shot('05-meta-ready');
    expect(stack.meta.es.exchanged).toEqual(['es-code-1']);
    expect(stack.meta.es.registered.get(PHONE)).toBe('123456');
    expect(await stack.senders.get(TENANT, 'support-line')).toMatchObject({
      phoneNumberId: PHONE,
      wabaId: WABA,
    });
  });

  it('Meta: the ids first, then the code; a failed step is named on the page', async () => {
    // This number already has another two-step PIN: register answers 133005 and the saga fails there.
    stack.meta.es.addWaba(WABA_2, [{ id: PHONE_2, display_phone_number: '+1 555-010-2222' }]);
    stack.meta.es.twoStepPins.set(PHONE_2, '999999');
    stack.meta.es.issueCode('es-code-2', {
      token: 'EAAG-business-token-e2e-2',
      wabaId: WABA_2,
      ttlMs: 120_000,
    });
    await page.click('#start-over');
    const before = posts.length;
    const fb = await openEmbeddedSignup('meta', { '#es-pin': '111111', '#es-sender-id': 'second-line' });
    await postToOpener(fb, esEvent('FINISH', { phone_number_id: PHONE_2, waba_id: WABA_2 }));
    await page.locator('#es-got-ids[data-done="true"]').waitFor(WAIT);
    expect(await page.locator('#es-got-code').getAttribute('data-done')).toBe('false');
    expect(posts.length).toBe(before);
    const request = onboardingPost();
    await postToOpener(fb, loginResponse('es-code-2'));
    await fb.close();
    await request;
    expect(posts[posts.length - 1]?.body).toMatchObject({
      code: 'es-code-2',
      wabaId: WABA_2,
      phoneNumberId: PHONE_2,
    });

    const failed = page.locator('#progress-list .onboarding-view[data-status="failed"]');
    await failed.waitFor(WAIT);
    expect(await failed.locator('.onboarding-failure').textContent()).toMatch(
      /^Failed at step "register_phone" \(meta\): .*133005/,
    );
    expect(await failed.locator('tr[data-step="register_phone"]').getAttribute('data-step-status')).toBe(
      'failed',
    );
    await shot('06-meta-failed-step');
    await page.click('#start-over');
  });

  it("CANCEL names the step the user left at, ERROR shows Facebook's message; nothing is posted", async () => {
    const before = posts.length;
    let fb = await openEmbeddedSignup('meta', { '#es-pin': '654321' });
    await postToOpener(fb, esEvent('CANCEL', { current_step: 'PHONE_NUMBER_SETUP' }, 3));
    await postToOpener(fb, loginResponse(null));
    await fb.close();
    const cancelled = page.locator('#es-outcome[data-outcome="cancel"]');
    await cancelled.waitFor(WAIT);
    expect(await cancelled.textContent()).toBe('Signup cancelled at step PHONE_NUMBER_SETUP');
    await shot('07-cancelled');

    fb = await openEmbeddedSignup('meta', { '#es-pin': '654321' });
    await postToOpener(
      fb,
      esEvent('ERROR', {
        error_message: 'Your account is restricted',
        error_code: '524126',
        session_id: 'f34b8d1c',
        timestamp: '1689287086',
      }),
    );
    await fb.close();
    const failed = page.locator('#es-outcome[data-outcome="error"]');
    await failed.waitFor(WAIT);
    expect(await failed.textContent()).toBe('Facebook reported an error: Your account is restricted');
    await shot('08-error');

    // The user closes the dialog without any event: the login callback alone ends the run.
    fb = await openEmbeddedSignup('meta', { '#es-pin': '654321' });
    await postToOpener(fb, loginResponse(null));
    await fb.close();
    await page
      .locator('#es-outcome[data-outcome="cancel"]', { hasText: 'closed before it finished' })
      .waitFor(WAIT);
    expect(posts.length).toBe(before);
  });

  it('Twilio: shares only the WABA, posts the WABA id with the phone number (no ES code); the OTP is typed in the progress view', async () => {
    // The sender waits for the OTP Twilio sent to the number: the page asks for it.
    stack.twilio.opts.outcome = 'pending';
    const fb = await openEmbeddedSignup('twilio', {
      '#es-phone': '+14155550123',
      '#es-sender-id': 'twilio-line',
    });
    expect(await lastLogin()).toMatchObject({
      config_id: META_ES_CONFIG_ID,
      extras: { featureType: 'only_waba_sharing', sessionInfoVersion: '3' },
    });
    const request = onboardingPost();
    await postToOpener(fb, esEvent('FINISH_ONLY_WABA', { waba_id: '203040506070809', business_id: '99' }));
    await request;
    await fb.close();
    expect(posts[posts.length - 1]?.body).toEqual({
      provider: 'twilio',
      senderId: 'twilio-line',
      wabaId: '203040506070809',
      phoneNumber: '+14155550123',
      verificationMethod: 'sms',
    });
    const codeForm = page.locator('#progress-list .verification-form');
    await codeForm.waitFor(WAIT);
    await codeForm.locator('input[name="code"]').fill('123456');
    await codeForm.locator('button[type="submit"]').click();
    await page.locator('#progress-list .onboarding-view[data-status="ready"]').waitFor(WAIT);
    stack.twilio.opts.outcome = 'online';
    expect(await codeForm.count()).toBe(0);
    const sender = stack.twilio.bySenderId('whatsapp:+14155550123');
    expect(sender?.accountSid).toBe(TWILIO_SID);
    expect(sender?.body).toMatchObject({ configuration: { waba_id: '203040506070809' } });
    await shot('09-twilio-ready');
    await page.click('#start-over');
  });

  it('360dialog: the Hub popup with our partner id; its redirect starts the onboarding for the channel', async () => {
    stack.hub.addChannel({
      id: 'ch_Xyz789',
      clientId: 'cl_Abc123',
      phoneNumber: '+49 30 1234567',
      wabaId: '3344556677',
      permission: true,
    });
    await page.click('[data-provider="360dialog"]');
    const popup = page.waitForEvent('popup', WAIT);
    await page.click('#d360-connect');
    const hub = await popup;
    // The popup opens at once (in the click's gesture) and goes to the Hub once the API issued a state.
    await hub.waitForURL((u) => u.hostname === 'hub.360dialog.com', WAIT);
    await hub.waitForLoadState('domcontentloaded');
    const url = new URL(hub.url());
    expect(`${url.origin}${url.pathname}`).toBe(
      `https://hub.360dialog.com/dashboard/app/${PARTNER_ID}/permissions`,
    );
    expect(url.searchParams.get('redirect_url')).toBe(`${stack.appUrl}/signup/`);

    // 360dialog redirects the popup to our redirect URL with the client and the granted channels.
    const request = onboardingPost();
    await hub.evaluate(
      `location.assign(${JSON.stringify(`${stack.appUrl}/signup?client=cl_Abc123&channels=[ch_Xyz789]`)})`,
    );
    await request;
    expect(posts[posts.length - 1]?.body).toEqual({
      provider: '360dialog',
      channelId: 'ch_Xyz789',
      clientId: 'cl_Abc123',
      // Issued to this tab when it opened the Hub (issue 15).
      state: expect.stringMatching(/^st_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/),
    });
    expect(posts[posts.length - 1]?.headers['idempotency-key']).toBe('360dialog:cl_Abc123:ch_Xyz789');
    // The popup handed the query to this page and closed: the onboarding was started from here.
    expect(posts[posts.length - 1]?.fromPopup).toBe(false);
    if (!hub.isClosed()) await hub.waitForEvent('close', WAIT);
    await page.locator('#progress-list .onboarding-view[data-status="ready"]').waitFor(WAIT);
    expect(stack.hub.keysIssued.map((k) => k.channelId)).toEqual(['ch_Xyz789']);
    await shot('10-360dialog-ready');
  });

  it('360dialog: a redirect URL this tab did not open the Hub for starts nothing (issue 15)', async () => {
    const before = posts.length;
    // Signed in (the key is in this tab's session), but no state: the page never opened the Hub for it.
    await page.goto(`${stack.appUrl}/signup?client=cl_Evil&channels=[ch_Evil]`);
    const outcome = page.locator('#d360-outcome');
    await outcome.waitFor(WAIT);
    expect(await outcome.textContent()).toContain('was not opened from this page');
    expect(posts.length).toBe(before);
    expect(stack.hub.keysIssued.map((k) => k.channelId)).toEqual(['ch_Xyz789']);
  });

  it('admin page: lists the onboardings with provider, sender, status and step; shows the steps of one', async () => {
    await page.goto(`${stack.appUrl}/admin/`);
    // Same tab: the key from the signup page's sign-in is still in session storage.
    await page.locator('#app').waitFor(WAIT);
    const rows = page.locator('#onboarding-body tr[data-onboarding-id]');
    await rows.nth(3).waitFor(WAIT);
    const table: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++)
      table.push((await rows.nth(i).locator('td').allTextContents()).slice(0, 4));
    expect(table).toEqual([
      ['360dialog', '360dialog-ch_Xyz789', 'ready', 'store_sender'],
      ['twilio', 'twilio-line', 'ready', 'store_sender'],
      ['meta', 'second-line', 'failed', 'register_phone'],
      ['meta', 'support-line', 'ready', 'store_sender'],
    ]);
    expect(await page.locator('#signup-link').getAttribute('href')).toBe('../signup/');
    // Each onboarding links to its workflow in the Temporal Web UI.
    for (let i = 0; i < (await rows.count()); i++) {
      const id = await rows.nth(i).getAttribute('data-onboarding-id');
      expect(await rows.nth(i).locator('a.wf-link').getAttribute('href')).toBe(
        `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`onboarding:${TENANT}:${id}`)}`,
      );
    }
    await rows.nth(2).locator('button').click();
    const detail = page.locator('#onboarding-detail .onboarding-view[data-status="failed"]');
    await detail.waitFor(WAIT);
    expect(await detail.locator('.onboarding-failure').textContent()).toContain('register_phone');
    await page
      .locator('#onboarding-panel')
      .screenshot({ path: path.join(ARTIFACTS, '11-admin-onboardings.png') });
    expect(problems).toEqual([]);
  });
});
