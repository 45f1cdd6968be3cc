import { signCallback } from '../../activities/callbacks.activities';
import { startWebhookReceiver } from '../fakes/webhook-receiver.fake';
import { openAdminBrowser } from './admin-browser';
import { startRunningStack, until, type RunningStack } from './running-stack';

const WAIT = { timeout: 30_000 };
const CUSTOMER = '+4915112345678';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Issue 17's newcomer path in headless Chromium against `npm run stack` itself, with every
 * simulator and no account: an API key from `npm run apikey`, a callback URL, a Meta number
 * onboarded on the signup page through the Meta simulator's Embedded Signup dialog (simulator
 * mode), a template sent from the admin page and followed sent → delivered → read as the
 * simulator's signed webhooks arrive, the customer's reply at the callback URL and in the admin
 * page's inbound list and conversation; then a Twilio number through the same dialog. Screenshots
 * in test-artifacts/newcomer-stack/.
 */
describe('the newcomer path on the running stack, in a real browser', () => {
  let stack: RunningStack;
  let browser: Awaited<ReturnType<typeof openAdminBrowser>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let apiKey = '';
  let secret = '';
  let messageId = '';

  const v1 = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  /** The callbacks received so far, each checked against its signature. */
  const callbacks = () =>
    receiver.received
      .filter((w) => w.method === 'POST')
      .map((w) => {
        const ts = Number(w.headers['x-timestamp']);
        expect(w.headers['x-signature']).toBe(signCallback(secret, ts, w.raw));
        return JSON.parse(w.raw) as Json;
      });

  beforeAll(async () => {
    stack = await startRunningStack();
    receiver = await startWebhookReceiver();
    browser = await openAdminBrowser('newcomer-stack');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    if (stack) {
      const how = await stack.stop();
      stack.cleanup();
      expect(how).toEqual({ code: 0, signal: null });
    }
  }, 120_000);

  it('gets an API key from npm run apikey and registers a callback URL', async () => {
    apiKey = await stack.createApiKey('newcomer');
    expect(apiKey).toMatch(/^dwk_/);
    const set = await v1('PUT', '/v1/callbacks', { url: `${receiver.url}/hooks` });
    expect(set.status).toBe(200);
    secret = String(set.body.secret);
    expect(secret.length).toBeGreaterThan(16);
  }, 90_000);

  it('signup page, simulator mode: the dialog cancelled, then a Meta number onboarded to ready', async () => {
    const { page, shot } = browser;
    const res = await page.goto(`${stack.apiUrl}/signup/`);
    expect(res?.status()).toBe(200);
    const csp = (await res?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain(`script-src 'self' https://connect.facebook.net ${stack.metaUrl};`);
    await page.locator('#sim-mode').waitFor(WAIT);
    expect(await page.locator('#sim-origin').textContent()).toBe(stack.metaUrl);
    await page.fill('#api-key', apiKey);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#app').waitFor(WAIT);
    for (const p of ['meta', 'twilio'])
      expect(await page.locator(`[data-provider="${p}"]`).isEnabled()).toBe(true);
    await shot('01-signup-simulator-mode');

    await page.click('[data-provider="meta"]');
    await page.locator('#es-start:enabled').waitFor(WAIT);
    expect(await page.locator('#es-start').textContent()).toBe('Continue with Facebook (simulator)');
    await page.fill('#es-pin', '123456');
    await page.fill('#es-sender-id', 'shop');

    // The user leaves the dialog: the page names the step, nothing is started.
    let popup = page.waitForEvent('popup', WAIT);
    await page.click('#es-start');
    let dialog = await popup;
    await dialog.locator('#cancel').click();
    await page.locator('#es-outcome[data-outcome="cancel"]').waitFor(WAIT);
    expect(await page.locator('#es-outcome').textContent()).toBe(
      'Signup cancelled at step PHONE_NUMBER_SETUP',
    );

    // Again, and through: the dialog shows the business, the WABA and the number it creates.
    popup = page.waitForEvent('popup', WAIT);
    await page.click('#es-start');
    dialog = await popup;
    await dialog.locator('#continue').waitFor(WAIT);
    expect(new URL(dialog.url()).origin).toBe(stack.metaUrl);
    const shown = await dialog.evaluate('({ ...document.body.dataset })');
    const { wabaId, phoneNumberId } = shown as Record<string, string>;
    expect(await dialog.locator('#summary').textContent()).toContain(phoneNumberId);
    await shot('02-es-dialog', dialog);
    const closed = dialog.waitForEvent('close', WAIT);
    await dialog.locator('#continue').click();
    await closed;

    await page.locator('#es-got-code[data-done="true"]').waitFor(WAIT);
    await page.locator('#es-got-ids[data-done="true"]').waitFor(WAIT);
    const view = page.locator('#progress-list .onboarding-view[data-status="ready"]');
    await view.waitFor(WAIT);
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
    await page.locator('#progress-list .ok-text', { hasText: 'Sender shop is ready' }).waitFor(WAIT);
    await shot('03-signup-meta-ready');

    // The simulator has the number registered and the app subscribed; the API has the sender.
    const sim = (await (await fetch(`${stack.metaUrl}/_sim`)).json()) as Json;
    expect(sim.numbers).toContainEqual(
      expect.objectContaining({ wabaId, phoneNumberId, registered: true, appSubscribed: true }),
    );
    expect((await v1('GET', '/v1/senders')).body.items).toContainEqual(
      expect.objectContaining({ id: 'shop', provider: 'meta', phoneNumberId, wabaId }),
    );
    expect(browser.problems).toEqual([]);
  }, 90_000);

  it('admin page: a template from that sender goes sent → delivered → read on its timeline', async () => {
    const { page, shot } = browser;
    // Same tab: the key from the signup page's sign-in is still in session storage.
    await page.goto(`${stack.apiUrl}/admin/`);
    await page.locator('#app').waitFor(WAIT);
    await page.click('#senders-refresh');
    await page.locator('#senders-table tr[data-sender-id="shop"]').waitFor(WAIT);

    await page.fill('#send-from', 'shop');
    await page.fill('#send-to', CUSTOMER);
    await page.selectOption('#send-type', 'template');
    await page.fill('#tpl-name', 'hello_world');
    await page.fill('#tpl-language', 'en_US');
    await page.click('#send-form button[type=submit]');
    await page.locator('#sent-status[data-status="sent"]').waitFor(WAIT);
    messageId = (await page.locator('#sent-id').textContent()) ?? '';
    expect(messageId).toMatch(/^msg_/);

    await page
      .locator(`#messages-body tr[data-message-id="${messageId}"] button`, { hasText: 'Details' })
      .click();
    const detail = page.locator('#message-detail');
    await detail.locator('#md-id', { hasText: messageId }).waitFor(WAIT);
    // The simulator's signed status webhooks arrive over a few seconds; the open timeline follows.
    for (const step of ['queued', 'sent', 'delivered', 'read'])
      await detail.locator(`#md-timeline li[data-step="${step}"].tl-done`).waitFor(WAIT);
    await page
      .locator(`#messages-body tr[data-message-id="${messageId}"] .badge[data-status="read"]`)
      .waitFor(WAIT);
    await shot('04-admin-template-read');

    // The callback URL was told each step, signed.
    const statuses = await until(
      () => {
        const s = callbacks()
          .filter((c) => c.event === 'message.status' && c.messageId === messageId)
          .map((c) => c.status as string);
        return ['sent', 'delivered', 'read'].every((x) => s.includes(x)) && s;
      },
      'the sent, delivered and read callbacks',
      30_000,
    );
    expect(statuses).toEqual(expect.arrayContaining(['sent', 'delivered', 'read']));
    expect(browser.problems).toEqual([]);
  }, 90_000);

  it("the customer's reply reaches the callback URL and the admin page's inbound list and conversation", async () => {
    const { page, shot } = browser;
    const wrote = await fetch(`${stack.metaUrl}/_sim/inbound`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: CUSTOMER, text: 'Yes please!', name: 'Lena' }),
    });
    expect(wrote.status).toBe(200);

    const inbound = await until(
      () => callbacks().find((c) => c.event === 'message.inbound' && c.text === 'Yes please!'),
      'the inbound callback',
      30_000,
    );
    expect(inbound).toMatchObject({
      senderId: 'shop',
      provider: 'meta',
      from: CUSTOMER.slice(1),
      type: 'text',
    });

    const row = page.locator('#inbound-body tr', { hasText: 'Yes please!' });
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain(`Lena (${CUSTOMER.slice(1)})`);
    await row.locator('button', { hasText: 'Conversation' }).click();
    // The reply opened the 24-hour window: free-form text may follow, from the reply box.
    await page.locator('#conv-window[data-window="open"]').waitFor(WAIT);
    const thread = page.locator('#conv-thread');
    await thread.locator('li[data-direction="inbound"] .msg-text', { hasText: 'Yes please!' }).waitFor(WAIT);
    await thread.locator(`li[data-direction="outbound"]`).first().waitFor(WAIT);
    await page.fill('#reply-body', 'On its way!');
    await page.click('#reply-send');
    const reply = thread.locator('li[data-direction="outbound"]', { hasText: 'On its way!' });
    await reply.locator('.badge[data-status="read"]').waitFor(WAIT);
    await shot('05-admin-conversation');
    expect(browser.problems).toEqual([]);
  }, 90_000);

  it('signup page: a Twilio number through the same dialog (only the WABA shared), onboarded to ready', async () => {
    const { page, shot } = browser;
    await page.goto(`${stack.apiUrl}/signup/`);
    await page.locator('#app').waitFor(WAIT);
    await page.click('[data-provider="twilio"]');
    await page.locator('#es-start:enabled').waitFor(WAIT);
    await page.fill('#es-phone', '+15557654321');
    await page.fill('#es-sender-id', 'shoptw');
    const popup = page.waitForEvent('popup', WAIT);
    await page.click('#es-start');
    const dialog = await popup;
    await dialog.locator('#continue').waitFor(WAIT);
    // Twilio registers the number itself: the dialog shares a WABA and shows no number.
    expect(await dialog.locator('#summary').textContent()).not.toContain('Phone number');
    await dialog.locator('#continue').click();
    await page.locator('#progress-list .onboarding-view[data-status="ready"]').waitFor({ timeout: 60_000 });
    await page.locator('#progress-list .ok-text', { hasText: 'Sender shoptw is ready' }).waitFor(WAIT);
    await shot('06-signup-twilio-ready');
    expect((await v1('GET', '/v1/senders')).body.items).toContainEqual(
      expect.objectContaining({ id: 'shoptw', provider: 'twilio' }),
    );
    expect(browser.problems).toEqual([]);
  }, 90_000);
});
