import type { Page } from 'playwright-core';
import { gatewaySessionName } from '../../src/providers/gateways/shared/session-name';
import { openAdminBrowser } from './admin-browser';
import { startAdminStack } from './admin-stack';

const TENANT = 'tenant-admin';
const WAIT = { timeout: 20_000 };

/**
 * The admin page in a real browser (Debian's Chromium driven by playwright-core) against the real
 * stack: sign in → create a session → QR visible → simulated scan → badge connected → send a text
 * → its status reaches `sent` on the page. The seed gateway (and so the simulator) reports no
 * delivery acks, so `sent` is the furthest status a WhatsApp Web message can reach here.
 */
describe('admin page in a real browser', () => {
  let stack: Awaited<ReturnType<typeof startAdminStack>>;
  let browser: Awaited<ReturnType<typeof openAdminBrowser>>;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    stack = await startAdminStack(TENANT);
    browser = await openAdminBrowser('admin-e2e');
    ({ page, problems } = browser);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close([`session:${TENANT}:shop`, `session:${TENANT}:desk`]);
  });

  const shot = (name: string) => browser.shot(name);

  it('signs in, connects a session by QR and sends a text that reaches sent', async () => {
    const res = await page.goto(`${stack.appUrl}/admin`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${stack.appUrl}/admin/`);
    const csp = (await res?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");

    // A wrong key is refused with the API's error body shown to the user.
    await page.fill('#api-key', 'wa_not-a-real-key');
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#notice.error').waitFor(WAIT);
    expect(await page.locator('#app').isHidden()).toBe(true);

    await page.fill('#api-key', stack.apiKey);
    await shot('01-sign-in');
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#app').waitFor(WAIT);
    expect(page.url()).not.toContain(stack.apiKey);
    expect(await page.evaluate("sessionStorage.getItem('wa-admin-api-key')")).toBe(stack.apiKey);
    // Statistics panel: nothing sent yet in the last 7 days.
    await page.locator('#stats-totals td[data-count="total"]', { hasText: /^0$/ }).waitFor(WAIT);
    expect(await page.locator('#stats-failures tbody').textContent()).toBe('No failures');

    // Create a session: its QR image appears, with the seed's four instructions.
    await page.fill('#new-session-id', 'shop');
    await page.fill('#new-session-name', 'Main Session');
    await page.click('#create-session-form button[type=submit]');
    const qr = page.locator('#qr-image');
    await qr.waitFor({ state: 'visible', ...WAIT });
    // Page-side code as a string: the test project has no DOM typings.
    await page.waitForFunction(
      `(() => {
        const img = document.getElementById('qr-image');
        return img.src.startsWith('data:image/png;base64,') && img.complete && img.naturalWidth > 0;
      })()`,
      undefined,
      WAIT,
    );
    expect(await page.locator('#qr-view ol li').allTextContents()).toEqual([
      'Open WhatsApp on your phone',
      'Go to Settings → Linked Devices',
      'Tap "Link a Device"',
      'Scan this QR code',
    ]);
    const waiting = page.locator('#sessions-body tr[data-session-id="shop"] .badge');
    await waiting.waitFor(WAIT);
    expect(await waiting.getAttribute('class')).toMatch(/badge-(info|warning)/);
    await shot('02-qr-waiting-for-scan');

    // A second create of the same id: the 409 error body is shown.
    await page.fill('#new-session-id', 'shop');
    await page.click('#create-session-form button[type=submit]');
    await page.locator('#notice.error', { hasText: 'session_exists' }).waitFor(WAIT);

    // Simulated scan on the gateway: the badge turns green "Connected" and the QR goes away.
    const scan = await fetch(
      `${stack.simUrl}/simulator/sessions/${gatewaySessionName(TENANT, 'shop')}/scan`,
      {
        method: 'POST',
      },
    );
    expect(scan.status).toBe(200);
    const connected = page.locator(
      '#sessions-body tr[data-session-id="shop"] .badge[data-status="connected"]',
    );
    await connected.waitFor(WAIT);
    expect(await connected.textContent()).toBe('Connected');
    expect(
      await page.evaluate(
        `getComputedStyle(document.querySelector('#sessions-body tr[data-session-id="shop"] .badge')).color`,
      ),
    ).toBe('rgb(22, 163, 74)');
    await page.locator('#detail-badge[data-status="connected"]').waitFor(WAIT);
    await qr.waitFor({ state: 'hidden', ...WAIT });
    await shot('03-session-connected');

    // A health sweep finds it healthy; the health panel shows the sweep's outcome.
    const summary = await stack.sweep();
    expect(summary).toMatchObject({ checked: 1, healthy: 1 });
    await page.click('#health-refresh');
    await page.locator('#health-body tr', { hasText: 'shop' }).filter({ hasText: 'healthy' }).waitFor(WAIT);

    // Send a text from the session and watch its status on the page.
    await page.fill('#send-from', 'shop');
    await page.fill('#send-to', '+966 50 123 4567');
    await page.selectOption('#send-type', 'text');
    await page.fill('#text-body', 'Hello from the admin page');
    await page.click('#send-form button[type=submit]');
    await page.locator('#sent-status[data-status="sent"]').waitFor(WAIT);
    const id = (await page.locator('#sent-id').textContent()) ?? '';
    expect(id).toMatch(/^msg_/);
    const row = page.locator(`#messages-body tr[data-message-id="${id}"]`);
    await row.locator('.badge[data-status="sent"]').waitFor(WAIT);
    expect(await row.textContent()).toContain('966501234567');
    await shot('04-message-sent');

    // The statistics panel counts it: choosing "Today" reloads the figures at once.
    await page.selectOption('#stats-period', 'today');
    await page.locator('#stats-totals td[data-count="sent"]', { hasText: /^1$/ }).waitFor(WAIT);
    const cells = async (css: string) => (await page.locator(css).allTextContents()).join(' ');
    expect(await cells('#stats-totals td')).toBe('1 0 1 0 0 0 0');
    expect(await cells('#stats-providers tr[data-provider="whatsapp_web"] td')).toBe(
      'whatsapp_web 1 1 0 0 0 0.0% —',
    );
    expect(await page.locator('#stats-rates').textContent()).toBe('Delivery rate 0.0% · Read rate —');
    await shot('04b-stats');

    // The simulator received exactly that message over the session.
    expect(stack.sim.state.messages).toHaveLength(1);
    expect(stack.sim.state.messages[0]?.body).toMatchObject({
      to: '966501234567',
      type: 'text',
      text: { body: 'Hello from the admin page' },
    });

    // A type the WhatsApp Web gateway cannot send: the API's 422 is shown, nothing is sent.
    await page.selectOption('#send-type', 'location');
    await page.fill('#loc-lat', '24.7136');
    await page.fill('#loc-lng', '46.6753');
    await page.click('#send-form button[type=submit]');
    await page.locator('#notice.error', { hasText: 'unsupported_message_type' }).waitFor(WAIT);

    // Invalid input: the API's validation error and its field details are shown.
    await page.selectOption('#send-type', 'image');
    await page.fill('#media-link', 'http://insecure.example/a.png');
    await page.click('#send-form button[type=submit]');
    const invalid = page.locator('#notice.error', { hasText: 'validation_failed' });
    await invalid.waitFor(WAIT);
    expect(await invalid.locator('li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('image.link')]),
    );

    // Disconnect from the page: the badge turns gray "Disconnected".
    await page.click('[data-detail-action="disconnect"]');
    const off = page.locator('#sessions-body tr[data-session-id="shop"] .badge[data-status="disconnected"]');
    await off.waitFor(WAIT);
    expect(await off.getAttribute('class')).toContain('badge-gray');
    await shot('05-disconnected');
    expect(problems).toEqual([]);
  }, 120_000);

  it('lists inbound messages, shows a conversation and replies; the reply box follows the 24-hour window', async () => {
    // A second session, connected by a simulated scan.
    await page.fill('#new-session-id', 'desk');
    await page.fill('#new-session-name', '');
    await page.click('#create-session-form button[type=submit]');
    await page.locator('#qr-image').waitFor({ state: 'visible', ...WAIT });
    const scan = await fetch(
      `${stack.simUrl}/simulator/sessions/${gatewaySessionName(TENANT, 'desk')}/scan`,
      { method: 'POST' },
    );
    expect(scan.status).toBe(200);
    await page
      .locator('#sessions-body tr[data-session-id="desk"] .badge[data-status="connected"]')
      .waitFor(WAIT);

    // Someone writes to it: the message shows in the inbound list.
    const customer = '966501112233';
    const wrote = await fetch(
      `${stack.simUrl}/simulator/sessions/${gatewaySessionName(TENANT, 'desk')}/inbound`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          from: customer,
          text: 'Is my order ready?',
          dialect: 'legacy',
          name: 'Layla',
        }),
      },
    );
    expect(wrote.status).toBe(200);
    const row = page.locator('#inbound-body tr', { hasText: 'Is my order ready?' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain(`Layla (${customer})`);
    expect(await row.textContent()).toContain('desk');

    // Its conversation: a session has no window, the reply box is open; the reply goes out.
    await row.locator('button', { hasText: 'Conversation' }).click();
    await page.locator('#conv-window[data-window="none"]').waitFor(WAIT);
    const inbound = page.locator('#conv-thread li[data-direction="inbound"]');
    expect(await inbound.locator('.msg-text').textContent()).toBe('Is my order ready?');
    expect(await page.locator('#reply-send').isDisabled()).toBe(false);
    await shot('06-conversation');
    await page.fill('#reply-body', 'Yes, it ships today');
    await page.click('#reply-send');
    const reply = page.locator('#conv-thread li[data-direction="outbound"]').first();
    await reply.locator('.badge[data-status="sent"]').waitFor(WAIT);
    expect(await reply.locator('.msg-text').textContent()).toBe('Yes, it ships today');
    // Newest first: the reply above the message it answers.
    expect(await page.locator('#conv-thread li').first().getAttribute('data-direction')).toBe('outbound');
    expect(stack.sim.state.messages.at(-1)?.body).toMatchObject({
      to: customer,
      type: 'text',
      text: { body: 'Yes, it ships today' },
    });

    // An official sender the customer has never written to: the window is closed, the box with it.
    await stack.senders.register(TENANT, {
      senderId: 'meta-desk',
      phoneNumberId: '400000000000091',
      wabaId: '1091',
      displayPhoneNumber: '15550000091',
      accessToken: 'EAAG-admin-e2e-token-0123456789',
    });
    await page.fill('#conv-sender', 'meta-desk');
    await page.fill('#conv-contact', '+966 50 111 2233');
    await page.click('#conversation-form button[type=submit]');
    const closed = page.locator('#conv-window[data-window="closed"]');
    await closed.waitFor(WAIT);
    expect(await closed.textContent()).toContain('has not written to meta-desk');
    expect(await page.locator('#reply-body').isDisabled()).toBe(true);
    expect(await page.locator('#reply-send').isDisabled()).toBe(true);
    expect(await page.locator('#reply-closed').isVisible()).toBe(true);
    await shot('07-window-closed');
    // Templates still go: the send form, filled in for this conversation.
    await page.click('#reply-template');
    expect(await page.inputValue('#send-from')).toBe('meta-desk');
    expect(await page.inputValue('#send-to')).toBe(customer);
    expect(await page.inputValue('#send-type')).toBe('template');
    expect(await page.locator('#tpl-name').isVisible()).toBe(true);

    // The customer writes to that number (as the inbound activity records it): the box opens.
    await stack.windows.touch(TENANT, 'meta-desk', customer, new Date());
    await page.locator('#conv-window[data-window="open"]').waitFor(WAIT);
    expect(await page.locator('#reply-send').isDisabled()).toBe(false);
    expect(await page.locator('#reply-closed').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);
});
