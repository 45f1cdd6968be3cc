import { metaFault } from '../../src/simulator/official/meta/meta-error-codes';
import { gatewaySessionName } from '../../src/providers/gateways/shared/session-name';
import { openAdminBrowser } from './admin-browser';
import { startAdminStack, TEMPORAL_UI } from './admin-stack';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TENANT = 'tenant-admin-ops';
const WAIT = { timeout: 20_000 };
const DAY_S = 86_400;

/**
 * The admin page's operations panels in a real browser against the real stack: official senders
 * (credential health from a sweep, send rate, waiting messages), a message's timeline with the
 * times GET /v1/messages/:id gives, the provider's error explained, retry and cancel, links to the
 * Temporal Web UI; broadcasts from pasted or uploaded CSV with per-row errors and a preview,
 * followed to completion, paused, cancelled, and a 409 when the state changed meanwhile.
 */
describe('admin page: senders, message timeline and broadcasts in a real browser', () => {
  let stack: Awaited<ReturnType<typeof startAdminStack>>;
  let browser: Awaited<ReturnType<typeof openAdminBrowser>>;
  const started: string[] = [];

  beforeAll(async () => {
    stack = await startAdminStack(TENANT);
    browser = await openAdminBrowser('admin-operations-e2e');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close(started);
  });

  const v1 = (method: string, path: string, body?: unknown) => stack.v1(method, path, body);
  const workflowHref = (workflowId: string) =>
    `${TEMPORAL_UI.url}/namespaces/${TEMPORAL_UI.namespace}/workflows/${encodeURIComponent(workflowId)}`;

  it('signs in and parses CSV in the page as the broadcast form does', async () => {
    const { page } = browser;
    await page.goto(`${stack.appUrl}/admin/`);
    await page.fill('#api-key', stack.apiKey);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#app').waitFor(WAIT);
    expect(await page.locator('#who-key').textContent()).toContain(`(tenant ${TENANT})`);

    // The module itself, in the browser: quotes, escaped quotes, line breaks in a field, CRLF, BOM,
    // padded rows, a header, and what is refused.
    const parsed = await page.evaluate(`import('./admin-csv.js').then((m) => ({
      records: m.parseCsv('\\uFEFFa, b ,"c, d"\\r\\n"say ""hi""","line\\nbreak"\\n\\n').records,
      open: m.parseCsv('1,"never closed').unterminatedAt,
      ok: m.recipientsFromCsv('phone,first\\n+966 50 000 0001,Layla,,\\n(966) 500-000-002,Omar', 1),
      bad: m.recipientsFromCsv('0501,x\\n966500000003,,y\\n966500000003,z\\n9665000000003', 1).errors,
      render: m.renderText('Hi {{1}}, {{2}} and {{3}}', ['A', 'B']),
    }))`);
    expect(parsed).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', 'c, d'] },
        { line: 2, fields: ['say "hi"', 'line\nbreak'] },
      ],
      open: 1,
      ok: {
        recipients: [
          { to: '966500000001', parameters: ['Layla'], line: 2 },
          { to: '966500000002', parameters: ['Omar'], line: 3 },
        ],
        errors: [],
        header: 1,
      },
      bad: [
        { line: 1, message: '"0501" is not a phone number in international format (8-15 digits)' },
        { line: 2, message: 'parameter 1 is empty' },
        { line: 4, message: '0 parameters, the message uses {{1}}' },
      ],
      render: 'Hi A, B and {{3}}',
    });
    expect(browser.problems).toEqual([]);
  });

  it('shows official senders with credential health and send rate, and a message timeline with its workflow', async () => {
    const { page, shot } = browser;
    const soon = Math.floor(Date.now() / 1000) + 3 * DAY_S;
    await stack.metaSender('meta-shop', '400000000000101', soon);
    await stack.metaSender('meta-slow', '400000000000102', 0);
    // meta-slow's own rate: one message at once, the next one waits (about 1000 s) for a token.
    expect((await v1('PUT', '/v1/senders/meta-slow/rate', { ratePerSecond: 0.001, burst: 1 })).status).toBe(
      200,
    );
    await stack.sweep();
    const health = (await v1('GET', '/v1/health/sessions')).body;
    const credentialOf = (id: string) => (health.credentials as Json[]).find((c) => c.senderId === id);
    expect(credentialOf('meta-shop')).toMatchObject({ status: 'expiring' });
    expect(credentialOf('meta-slow')).toMatchObject({ status: 'valid', expiresAt: null });

    // Senders panel: the sweep's verdict per number, its rate and where it comes from.
    await page.click('#senders-refresh');
    const shop = page.locator('#senders-table tr[data-sender-id="meta-shop"]');
    await shop.locator('td[data-credentials="expiring"] .badge', { hasText: 'expiring' }).waitFor(WAIT);
    expect(await shop.locator('td[data-credentials]').textContent()).toContain(
      `expires ${await page.evaluate(`new Date(${soon * 1000}).toLocaleString()`)}`,
    );
    expect(await shop.locator('td[data-rate]').textContent()).toBe(
      '1000/s, burst 1000 (provider default)waiting: 0 high · 0 normal · 0 low',
    );
    const slow = page.locator('#senders-table tr[data-sender-id="meta-slow"]');
    expect(await slow.locator('td[data-credentials="valid"] .badge').textContent()).toBe('valid');
    expect(await slow.locator('td[data-rate] div').first().textContent()).toBe('0.001/s, burst 1 (own)');
    await shot('01-senders');

    // A text from meta-shop, sent from the page, opened in detail: queued and sent with their times.
    await page.fill('#send-from', 'meta-shop');
    await page.fill('#send-to', '+966 50 700 0001');
    await page.selectOption('#send-type', 'text');
    await page.fill('#text-body', 'Your order shipped');
    await page.click('#send-form button[type=submit]');
    await page.locator('#sent-status[data-status="sent"]').waitFor(WAIT);
    const id = (await page.locator('#sent-id').textContent()) ?? '';
    started.push(`message:${TENANT}:${id}`);
    await page.locator(`#messages-body tr[data-message-id="${id}"] button`, { hasText: 'Details' }).click();
    const detail = page.locator('#message-detail');
    await detail.locator('#md-id', { hasText: id }).waitFor(WAIT);
    const step = (s: string) => detail.locator(`#md-timeline li[data-step="${s}"]`);
    await step('sent').and(page.locator('.tl-done')).waitFor(WAIT);
    expect(await step('delivered').locator('.tl-time').textContent()).toBe('not yet');

    // Its workflow in the Temporal Web UI: the link names the message's workflow, which exists.
    const link = detail.locator('#md-links a.wf-link');
    expect(await link.getAttribute('href')).toBe(workflowHref(`message:${TENANT}:${id}`));
    expect(await link.getAttribute('target')).toBe('_blank');
    const described = await stack.temporal.workflow.getHandle(`message:${TENANT}:${id}`).describe();
    expect(described.type).toBe('messageWorkflow');
    expect(
      await page.locator(`#messages-body tr[data-message-id="${id}"] a.wf-link`).getAttribute('href'),
    ).toBe(workflowHref(`message:${TENANT}:${id}`));

    // Meta reports delivered, then read (signed webhooks): the open timeline follows on its own.
    const [sendToMeta] = stack.meta.sendsFor(id);
    const wamid = sendToMeta?.wamid as string;
    const callbackData = String(sendToMeta?.body.biz_opaque_callback_data);
    for (const status of ['delivered', 'read'] as const) {
      expect(
        await stack.meta.emitStatuses(
          [{ wamid, status, callbackData, to: '966507000001' }],
          '400000000000101',
        ),
      ).toBe(200);
      await step(status).and(page.locator('.tl-done')).waitFor(WAIT);
    }
    const m = (await v1('GET', `/v1/messages/${id}`)).body;
    for (const [s, field] of [
      ['queued', 'createdAt'],
      ['sent', 'sentAt'],
      ['delivered', 'deliveredAt'],
      ['read', 'readAt'],
    ] as const) {
      expect(await step(s).getAttribute('data-at')).toBe(m[field]);
      expect(await step(s).locator('.tl-time').textContent()).toBe(
        await page.evaluate(`new Date(${JSON.stringify(m[field])}).toLocaleString()`),
      );
    }
    expect(await page.locator('#md-retry').isDisabled()).toBe(true);
    expect(await page.locator('#md-cancel').isDisabled()).toBe(true);
    await shot('02-message-timeline-read');

    // Meta refuses the next send with 131026: the error, its code and what it means.
    stack.meta.failNext(metaFault({ code: 131026 }));
    await page.fill('#send-to', '+966 50 700 0002');
    await page.fill('#text-body', 'Not on WhatsApp');
    await page.click('#send-form button[type=submit]');
    await page.locator('#sent-status[data-status="failed"]').waitFor(WAIT);
    const failedId = (await page.locator('#sent-id').textContent()) ?? '';
    started.push(`message:${TENANT}:${failedId}`);
    await page
      .locator(`#messages-body tr[data-message-id="${failedId}"] button`, { hasText: 'Details' })
      .click();
    await detail.locator('#md-id', { hasText: failedId }).waitFor(WAIT);
    await step('failed').waitFor(WAIT);
    const failed = (await v1('GET', `/v1/messages/${failedId}`)).body;
    expect(failed.error.code).toBe('131026');
    expect(await step('failed').getAttribute('data-at')).toBe(failed.failedAt);
    expect(await page.locator('#md-error-text').textContent()).toBe(`131026: ${failed.error.message}`);
    expect(await page.locator('#md-error-explain').textContent()).toContain('not on WhatsApp');
    // Permanent: retry is disabled and says why.
    expect(await page.locator('#md-retry').isDisabled()).toBe(true);
    expect(await page.locator('#md-retry').getAttribute('title')).toContain('permanent');
    await shot('03-message-failed-131026');

    // Meta down for longer than a message's validity: it fails `expired`, retryable; Retry sends it.
    stack.meta.down();
    const expiring = await v1('POST', '/v1/messages', {
      from: 'meta-shop',
      to: '966507000003',
      type: 'text',
      text: { body: 'Try again later' },
      validitySeconds: 1,
    });
    expect(expiring.status).toBe(202);
    const expiredId = expiring.body.id as string;
    started.push(`message:${TENANT}:${expiredId}`);
    await page
      .locator(`#messages-body tr[data-message-id="${expiredId}"] .badge[data-status="failed"]`)
      .waitFor(WAIT);
    stack.meta.up();
    await page
      .locator(`#messages-body tr[data-message-id="${expiredId}"] button`, { hasText: 'Details' })
      .click();
    await detail.locator('#md-id', { hasText: expiredId }).waitFor(WAIT);
    expect(await page.locator('#md-error-text').textContent()).toMatch(/^expired: Not sent within/);
    expect(await page.locator('#md-error-explain').isHidden()).toBe(true);
    await page.locator('#md-retry:not([disabled])').click();
    await page.locator('#notice.ok', { hasText: 'Retry accepted' }).waitFor(WAIT);
    await step('sent').and(page.locator('.tl-done')).waitFor(WAIT);
    expect(await page.locator('#md-summary').textContent()).toContain('retry count 1');
    // The failure the retry answered stays on the line, at its time.
    expect(await step('failed-retried').textContent()).toContain('failed, retried');
    expect((await v1('GET', `/v1/messages/${expiredId}`)).body).toMatchObject({
      status: 'sent',
      retryCount: 1,
    });

    // meta-slow: the first message takes its only token, the second waits: cancelled from its detail.
    const first = await v1('POST', '/v1/messages?wait=sent', {
      from: 'meta-slow',
      to: '966507000004',
      type: 'text',
      text: { body: 'first' },
    });
    expect(first.body.status).toBe('sent');
    const second = await v1('POST', '/v1/messages', {
      from: 'meta-slow',
      to: '966507000005',
      type: 'text',
      text: { body: 'second' },
    });
    const waitingId = second.body.id as string;
    started.push(`message:${TENANT}:${first.body.id}`, `message:${TENANT}:${waitingId}`);
    await page.click('#senders-refresh');
    await slow.locator('[data-waiting="1"]', { hasText: '0 high · 1 normal · 0 low' }).waitFor(WAIT);
    await page
      .locator(`#messages-body tr[data-message-id="${waitingId}"] button`, { hasText: 'Details' })
      .click();
    await detail.locator('#md-id', { hasText: waitingId }).waitFor(WAIT);
    expect(await page.locator('#md-retry').isDisabled()).toBe(true);
    await page.locator('#md-cancel:not([disabled])').click();
    await step('cancelled').waitFor(WAIT);
    const cancelled = (await v1('GET', `/v1/messages/${waitingId}`)).body;
    expect(cancelled.status).toBe('cancelled');
    expect(await step('cancelled').getAttribute('data-at')).toBe(cancelled.cancelledAt);
    expect(await page.locator('#md-cancel').isDisabled()).toBe(true);
    await shot('04-message-cancelled');
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('creates a broadcast from pasted CSV with per-row errors and a preview, and follows it to completion', async () => {
    const { page, shot } = browser;
    // A WhatsApp Web session to send from (the simulator scans its QR).
    await page.fill('#new-session-id', 'shop');
    await page.click('#create-session-form button[type=submit]');
    await page.locator('#qr-image').waitFor({ state: 'visible', ...WAIT });
    started.push(`session:${TENANT}:shop`);
    const scan = await fetch(
      `${stack.simUrl}/simulator/sessions/${gatewaySessionName(TENANT, 'shop')}/scan`,
      {
        method: 'POST',
      },
    );
    expect(scan.status).toBe(200);
    await page
      .locator('#sessions-body tr[data-session-id="shop"] .badge[data-status="connected"]')
      .waitFor(WAIT);
    expect(
      await page.locator('#sessions-body tr[data-session-id="shop"] a.wf-link').getAttribute('href'),
    ).toBe(workflowHref(`session:${TENANT}:shop`));

    await page.fill('#bc-from', 'shop');
    await page.fill('#bc-name', 'Spring sale');
    await page.selectOption('#bc-kind', 'text');
    await page.fill('#bc-text', 'Hello {{1}}, your code is {{2}}');
    await page.fill(
      '#bc-csv',
      [
        'phone,name,code',
        '+966 50 000 0001,Layla,A1',
        '966500000002,Omar',
        '12ab,Sara,C3',
        '966500000001,Dup,D4',
      ].join('\n'),
    );
    await page.click('#broadcast-form button[type=submit]');
    await page.locator('#bc-check:not(.stale)').waitFor(WAIT);
    expect(await page.locator('#bc-summary').textContent()).toBe(
      '1 recipient · 3 problems to fix · header on line 1 skipped · each row needs 2 parameters',
    );
    expect(await page.locator('#bc-errors li').allTextContents()).toEqual([
      'Line 3: 1 parameter, the message uses {{1}} to {{2}}',
      'Line 4: "12ab" is not a phone number in international format (8-15 digits)',
      'Line 5: 966500000001 is also on line 2: each number once per broadcast',
    ]);
    expect(await page.locator('#bc-send').isDisabled()).toBe(true);
    await shot('05-broadcast-csv-errors');

    const rows = [
      ['+966 50 000 0001', 'Layla', 'A1'],
      ['966500000002', 'Omar', 'B2'],
      ['966500000003', 'Sara', 'C3'],
      ['966500000004', '"Noor, Jr."', 'D4'],
      ['966500000005', 'Ali', 'E5'],
    ];
    await page.fill('#bc-csv', rows.map((r) => r.join(',')).join('\r\n'));
    // The form changed: the old check no longer counts.
    await page.locator('#bc-check.stale').waitFor(WAIT);
    await page.click('#broadcast-form button[type=submit]');
    await page.locator('#bc-check:not(.stale)').waitFor(WAIT);
    expect(await page.locator('#bc-summary').textContent()).toBe(
      '5 recipients · no problems · each row needs 2 parameters',
    );
    expect(await page.locator('#bc-preview').textContent()).toBe(
      'First message, to +966500000001:Hello Layla, your code is A1',
    );
    expect(await page.locator('#bc-send').textContent()).toBe('Send to 5 recipients');
    await shot('06-broadcast-preview');
    await page.click('#bc-send');

    // The new broadcast opens: followed every 2 s until it completes, with its counts.
    const detail = page.locator('#broadcast-detail');
    await detail.locator('#bc-detail-badge[data-status="completed"]').waitFor(WAIT);
    const title = (await page.locator('#bc-detail-title').textContent()) ?? '';
    const bcId = /\((bc_[^)]+)\)/.exec(title)?.[1] as string;
    started.push(`broadcast:${TENANT}:${bcId}`);
    expect(title).toBe(`Spring sale (${bcId})`);
    const count = (c: string) => page.locator(`#bc-counts td[data-count="${c}"]`);
    await count('sent')
      .and(page.locator('td', { hasText: /^5$/ }))
      .waitFor(WAIT);
    expect(await page.locator('#bc-counts td').allTextContents()).toEqual(['0', '5', '0', '0', '0', '0']);
    expect(await page.locator('#bc-progress').getAttribute('data-percent')).toBe('100');
    expect(await page.locator('#bc-progress-text').textContent()).toBe('5 of 5 done (100%)');
    for (const action of ['pause', 'resume', 'cancel'])
      expect(await page.locator(`[data-bc-action="${action}"]`).isDisabled()).toBe(true);
    expect(await page.locator('#bc-detail-link a').getAttribute('href')).toBe(
      workflowHref(`broadcast:${TENANT}:${bcId}`),
    );
    await page.locator('#bc-recipients-body tr .badge[data-status="sent"]').nth(4).waitFor(WAIT);
    expect(await page.locator('#bc-recipients-body tr').count()).toBe(5);
    await page
      .locator(`#broadcasts-body tr[data-broadcast-id="${bcId}"] .badge`, { hasText: 'completed' })
      .waitFor(WAIT);
    await shot('07-broadcast-completed');

    // Each recipient got its own values, as the preview showed for the first.
    const bodies = stack.sim.state.messages.map((m) => (m.body as { text?: { body?: string } }).text?.body);
    expect(bodies).toEqual(
      expect.arrayContaining([
        'Hello Layla, your code is A1',
        'Hello Noor, Jr., your code is D4',
        'Hello Ali, your code is E5',
      ]),
    );
    // A recipient's detail links to the broadcast's workflow.
    await page
      .locator('#bc-recipients-body tr', { hasText: '966500000004' })
      .locator('button', { hasText: 'Details' })
      .click();
    await page.locator('#md-summary', { hasText: `broadcast ${bcId}` }).waitFor(WAIT);
    expect(await page.locator('#md-links a').getAttribute('href')).toBe(
      workflowHref(`broadcast:${TENANT}:${bcId}`),
    );
    expect(await page.locator('#md-links a').textContent()).toBe('Broadcast workflow ↗');
    expect(browser.problems).toEqual([]);
  }, 120_000);

  it('pauses and cancels broadcasts, pages their recipients, and shows the 409 of a state that changed', async () => {
    const { page, shot } = browser;
    const openedId = async () => {
      const title = (await page.locator('#bc-detail-title').textContent()) ?? '';
      const id = /(bc_[A-Za-z0-9_-]+)/.exec(title)?.[1] as string;
      started.push(`broadcast:${TENANT}:${id}`);
      return id;
    };
    const badge = (status: string) => page.locator(`#bc-detail-badge[data-status="${status}"]`);
    const enabled = async () =>
      Object.fromEntries(
        await Promise.all(
          ['pause', 'resume', 'cancel'].map(async (a) => [
            a,
            !(await page.locator(`[data-bc-action="${a}"]`).isDisabled()),
          ]),
        ),
      );

    // Scheduled for tomorrow, from an uploaded CSV file.
    await page.fill('#bc-name', 'Tomorrow');
    await page.fill('#bc-text', 'See you {{1}}');
    await page.setInputFiles('#bc-file', {
      name: 'tomorrow.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('phone,name\n966500000011,Huda\n966500000012,Sami\n966500000013,Rana\n'),
    });
    // Not waitForFunction: its string predicate is re-evaluated by eval, which the page's CSP refuses.
    await page.locator('#bc-file-note', { hasText: 'tomorrow.csv: 4 lines loaded' }).waitFor(WAIT);
    expect(await page.inputValue('#bc-csv')).toContain('966500000013,Rana');
    // datetime-local is the browser's local time: computed there.
    await page.fill(
      '#bc-not-before',
      (await page.evaluate(`(() => {
        const d = new Date(Date.now() + 86400000);
        const p = (n) => String(n).padStart(2, '0');
        return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes());
      })()`)) as string,
    );
    await page.click('#broadcast-form button[type=submit]');
    await page.locator('#bc-send:not([disabled])', { hasText: 'Send to 3 recipients' }).waitFor(WAIT);
    await page.click('#bc-send');
    await badge('scheduled').waitFor(WAIT);
    const scheduledId = await openedId();
    expect(await enabled()).toEqual({ pause: true, resume: false, cancel: true });
    expect(await page.locator('#bc-detail-meta').textContent()).toContain('not before');

    await page.click('[data-bc-action="pause"]');
    await badge('paused').waitFor(WAIT);
    expect(await enabled()).toEqual({ pause: false, resume: true, cancel: true });
    // Cancelled elsewhere meanwhile (a paused broadcast is not refreshed on its own): Resume → 409.
    expect((await v1('POST', `/v1/broadcasts/${scheduledId}/cancel`)).body.status).toBe('cancelled');
    expect(await badge('paused').count()).toBe(1);
    await page.click('[data-bc-action="resume"]');
    // The page shows the API's answer: the same request, out of band, gets the same 409.
    const again = await v1('POST', `/v1/broadcasts/${scheduledId}/resume`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`Broadcast ${scheduledId} is cancelled: it cannot be resumed`);
    await page
      .locator('#notice.error strong', { hasText: `${again.body.error.code}: ${again.body.error.message}` })
      .waitFor(WAIT);
    await badge('cancelled').waitFor(WAIT);
    expect(await enabled()).toEqual({ pause: false, resume: false, cancel: false });
    await shot('08-broadcast-409');

    // Running at a crawl (the session's own rate), 25 recipients: paused mid-way, then cancelled.
    expect((await v1('PUT', '/v1/senders/shop/rate', { ratePerSecond: 0.5, burst: 1 })).status).toBe(200);
    await page.fill('#bc-name', 'Slow');
    await page.fill('#bc-not-before', '');
    await page.fill(
      '#bc-csv',
      Array.from({ length: 25 }, (_, i) => `9665000001${String(i).padStart(2, '0')},n${i}`).join('\n'),
    );
    await page.click('#broadcast-form button[type=submit]');
    await page.locator('#bc-send:not([disabled])', { hasText: 'Send to 25 recipients' }).waitFor(WAIT);
    await page.click('#bc-send');
    await badge('running').waitFor(WAIT);
    const slowId = await openedId();
    expect(await enabled()).toEqual({ pause: true, resume: false, cancel: true });
    await page.locator('#bc-counts td[data-count="sent"]').filter({ hasNotText: /^0$/ }).waitFor(WAIT);
    await page.click('[data-bc-action="pause"]');
    await badge('paused').waitFor(WAIT);
    const paused = (await v1('GET', `/v1/broadcasts/${slowId}`)).body;
    expect(paused.status).toBe('paused');
    expect(paused.progress.done).toBeLessThan(25);
    await shot('09-broadcast-paused');

    await page.click('[data-bc-action="cancel"]');
    await badge('cancelled').waitFor(WAIT);
    await page.locator('#bc-counts td[data-count="queued"]', { hasText: /^0$/ }).waitFor(WAIT);
    const done = (await v1('GET', `/v1/broadcasts/${slowId}`)).body;
    expect(await page.locator('#bc-counts td').allTextContents()).toEqual(
      ['queued', 'sent', 'delivered', 'read', 'failed', 'cancelled'].map((c) => String(done.counts[c])),
    );
    expect(done.counts.sent + done.counts.cancelled).toBe(25);
    expect(done.counts.cancelled).toBeGreaterThan(0);

    // Recipients page by page (20 a page), newest first as GET /v1/messages lists them.
    await page.locator('#bc-recipients-body tr').nth(19).waitFor(WAIT);
    expect(await page.locator('#bc-recipients-body tr').count()).toBe(20);
    expect(await page.locator('#bc-page').textContent()).toBe('page 1');
    expect(await page.locator('#bc-prev').isDisabled()).toBe(true);
    await page.click('#bc-next');
    await page.locator('#bc-page', { hasText: 'page 2' }).waitFor(WAIT);
    expect(await page.locator('#bc-recipients-body tr').count()).toBe(5);
    expect(await page.locator('#bc-next').isDisabled()).toBe(true);
    await page.selectOption('#bc-recipient-status', 'cancelled');
    await page.locator('#bc-page', { hasText: 'page 1' }).waitFor(WAIT);
    await page
      .locator('#bc-recipients-body tr .badge[data-status="cancelled"]')
      .nth(Math.min(done.counts.cancelled, 20) - 1)
      .waitFor(WAIT);
    expect(await page.locator('#bc-recipients-body tr .badge:not([data-status="cancelled"])').count()).toBe(
      0,
    );
    await shot('10-broadcast-cancelled');
    expect(browser.problems).toEqual([]);
  }, 150_000);
});
