import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createApiKeyRepository } from '../../src/db/repositories/api-key.repository';
import { createMetrics } from '../../src/observability/metrics';
import { workflowIds } from '../../src/temporal/workflow-ids';
import { captureLogger } from '../helpers/logger';
import { APP_SECRET, eventually, startMessagingApi, STATUS_REF_KEY } from '../helpers/messaging';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { mintStatusRef } from '../../src/security/status-ref';
import { sample } from '../helpers/prometheus';
import { statusSignals, VERIFY_TOKEN } from '../helpers/webhook-app';
import { useStack } from '../fixtures/stack';
import { metaSign } from '../fixtures/webhook-payloads';

const TENANT = 'wh-meta-a';
const OTHER = 'wh-meta-b';
const PHONE_ID = '106540352242922';
const WABA = '102290129340398';
const OTHER_WABA = '109999999999999';
const TOKEN = 'EAAG-webhooks-meta-token-0123456789';

/** Meta's byte form: non-ASCII escaped as \uXXXX (what Meta signs and sends). */
const metaEscape = (json: string) =>
  json.replace(/[^\0-~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** The same JSON value with every object's keys in reverse order (a re-serialised redelivery). */
const reverseKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reverseKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reverseKeys(x)]),
        )
      : v;
const sign = (raw: Buffer | string, secret = APP_SECRET) => metaSign(raw, secret);

describe('Meta webhook: handshake, signatures, batches, account alerts', () => {
  const log = captureLogger();
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const stack = useStack({
    queue: 'whmeta',
    fakes: { meta: { tokens: { [PHONE_ID]: TOKEN } } },
    api: { webhooks: { metrics, metaVerifyToken: VERIFY_TOKEN } },
    logger: log.logger,
    tenants: [TENANT, OTHER],
    senders: {
      [TENANT]: [
        {
          senderId: 'meta-wh',
          phoneNumberId: PHONE_ID,
          wabaId: WABA,
          displayPhoneNumber: '+1 555 078 3881',
          accessToken: TOKEN,
          verifiedAt: new Date(),
        },
        {
          senderId: 'meta-wh-2',
          phoneNumberId: '106540352242923',
          wabaId: WABA,
          displayPhoneNumber: '+1 555 078 3882',
          accessToken: TOKEN,
          verifiedAt: new Date(),
        },
      ],
      [OTHER]: [
        {
          senderId: 'meta-other',
          phoneNumberId: '106540352249999',
          wabaId: OTHER_WABA,
          displayPhoneNumber: '+44 7700 900123',
          accessToken: 'EAAG-other-tenant-token-0123456789',
          verifiedAt: new Date(),
        },
      ],
    },
  });

  /** POSTs raw bytes over real HTTP, the signature under the header name given (case kept on the wire). */
  const postRaw = (raw: Buffer | string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(`${stack.api.url}/webhooks/meta`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      req.end(raw);
    });
  const postSigned = (payload: unknown) => {
    const raw = metaEscape(JSON.stringify(payload));
    return postRaw(raw, { 'X-Hub-Signature-256': sign(raw) });
  };
  const send = async (body: string) => {
    const res = await request(stack.api.app)
      .post('/v1/messages')
      .set('Authorization', `Bearer ${stack.key(TENANT)}`)
      .send({ from: 'meta-wh', to: '+1 650 555 1234', type: 'text', text: { body } })
      .expect(202);
    const id = res.body.id as string;
    await eventually(
      async () => (await stack.deps.messages.get(TENANT, id))?.status === 'sent',
      `${id} sent`,
    );
    return { id, wamid: stack.fakes.meta.sendsFor(id)[0]?.wamid as string };
  };
  const statusOf = async (id: string) => (await stack.deps.messages.get(TENANT, id))?.status;
  const envelope = (
    entries: { id?: string; time?: number; changes: { field: string; value: unknown }[] }[],
  ) => ({
    object: 'whatsapp_business_account',
    entry: entries.map((e) => ({
      id: e.id ?? WABA,
      ...(e.time ? { time: e.time } : {}),
      changes: e.changes,
    })),
  });
  const statusChange = (
    statuses: { wamid: string; status: string; cb?: string; errors?: unknown[] }[],
    phoneNumberId = PHONE_ID,
  ) => ({
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
      statuses: statuses.map((s) => ({
        id: s.wamid,
        status: s.status,
        timestamp: String(Math.floor(Date.now() / 1000)),
        recipient_id: '16505551234',
        ...(s.cb ? { biz_opaque_callback_data: s.cb } : {}),
        ...(s.errors ? { errors: s.errors } : {}),
      })),
    },
  });

  describe('GET /webhooks/meta (verification handshake)', () => {
    const verify = (q: Record<string, string>) => request(stack.api.app).get('/webhooks/meta').query(q);

    it('answers the raw hub.challenge as text/plain for subscribe + the right token, without a signature', async () => {
      const res = await verify({
        'hub.mode': 'subscribe',
        'hub.challenge': '1158201444',
        'hub.verify_token': VERIFY_TOKEN,
      }).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toBe('1158201444');
    });

    it('refuses a wrong token, a wrong mode or anything missing with 403 JSON', async () => {
      const good = { 'hub.mode': 'subscribe', 'hub.challenge': '42', 'hub.verify_token': VERIFY_TOKEN };
      const cases: Record<string, string>[] = [
        { ...good, 'hub.verify_token': 'wrong-token-for-tests' },
        { ...good, 'hub.verify_token': VERIFY_TOKEN.toUpperCase() },
        { ...good, 'hub.verify_token': `${VERIFY_TOKEN}x` },
        { ...good, 'hub.mode': 'unsubscribe' },
        { 'hub.mode': 'subscribe', 'hub.challenge': '42' },
        { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN },
        {},
      ];
      for (const q of cases) {
        const res = await verify(q);
        expect({ q, status: res.status }).toEqual({ q, status: 403 });
        expect(res.body.error.code).toBe('verification_failed');
      }
    });

    it('refuses every handshake when META_WEBHOOK_VERIFY_TOKEN is not set', async () => {
      const unconfigured = await startMessagingApi({
        conn: stack.db.conn,
        temporal: stack.temporal.client,
        taskQueue: stack.taskQueue,
        logger: log.logger,
        deps: stack.deps,
      });
      try {
        const res = await request(unconfigured.app)
          .get('/webhooks/meta')
          .query({ 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': '' })
          .expect(403);
        expect(res.body.error.code).toBe('verification_failed');
      } finally {
        await unconfigured.close();
      }
    });
  });

  describe('POST /webhooks/meta signatures (over the exact bytes)', () => {
    it('refuses missing, wrong, wrong-secret and one-byte-changed bodies with 401, and signals nothing', async () => {
      const { id, wamid } = await send('signature checks');
      const raw = metaEscape(
        JSON.stringify(
          envelope([{ changes: [statusChange([{ wamid, status: 'delivered', cb: `${TENANT}:${id}` }])] }]),
        ),
      );
      const changed = Buffer.from(raw);
      const at = raw.indexOf('delivered');
      changed[at] = 'D'.charCodeAt(0);
      const attempts: [Buffer | string, Record<string, string>][] = [
        [raw, {}],
        [raw, { 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}` }],
        [raw, { 'X-Hub-Signature-256': sign(raw, 'not-the-app-secret') }],
        [raw, { 'X-Hub-Signature-256': sign(raw).replace('sha256=', '') }],
        [raw, { 'X-Hub-Signature': `sha1=${createHmac('sha1', APP_SECRET).update(raw).digest('hex')}` }],
        [changed, { 'X-Hub-Signature-256': sign(raw) }],
        [`${raw}\n`, { 'X-Hub-Signature-256': sign(raw) }],
      ];
      for (const [body, headers] of attempts) {
        const res = await postRaw(body, headers);
        expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
        expect(JSON.parse(res.body).error.code).toBe('invalid_signature');
      }
      expect(await statusSignals(stack.temporal.client, TENANT, id)).toBe(0);
      expect(await statusOf(id)).toBe('sent');
      // The same bytes, rightly signed, under any header case: taken.
      for (const name of ['x-hub-signature-256', 'X-HUB-SIGNATURE-256'])
        expect((await postRaw(raw, { [name]: sign(raw) })).status).toBe(200);
      await eventually(async () => (await statusOf(id)) === 'delivered', 'delivered');
    });

    it('non-ASCII: \\u-escaped bytes (Meta) and raw UTF-8 bytes both verify, and the text arrives intact', async () => {
      const inbound = (wamid: string, text: string, name: string) =>
        envelope([
          {
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID },
                  contacts: [{ profile: { name }, wa_id: '4915112345678' }],
                  messages: [
                    {
                      from: '4915112345678',
                      id: wamid,
                      timestamp: '1750857384',
                      type: 'text',
                      text: { body: text },
                    },
                  ],
                },
              },
            ],
          },
        ]);
      const escaped = metaEscape(JSON.stringify(inbound('wamid.nonascii.escaped', 'Olá, café 😀', 'Zoë')));
      expect(escaped).toContain('\\ud83d\\ude00');
      const utf8 = Buffer.from(JSON.stringify(inbound('wamid.nonascii.utf8', 'Grüße 🚀', 'Jürgen')), 'utf8');
      expect((await postRaw(escaped, { 'X-Hub-Signature-256': sign(escaped) })).status).toBe(200);
      expect((await postRaw(utf8, { 'X-Hub-Signature-256': sign(utf8) })).status).toBe(200);
      // A signature over the re-serialised JSON (the classic bug) is not the signature of these bytes.
      expect((await postRaw(utf8, { 'X-Hub-Signature-256': sign(escaped) })).status).toBe(401);
      const stored = await eventually(async () => {
        const list = await stack.deps.inbound.list(TENANT);
        return list.length >= 2 ? list : null;
      }, 'inbound stored');
      expect(stored.map((m) => [m.providerMessageId, m.text, m.fromName]).sort()).toEqual([
        ['wamid.nonascii.escaped', 'Olá, café 😀', 'Zoë'],
        ['wamid.nonascii.utf8', 'Grüße 🚀', 'Jürgen'],
      ]);
    });
  });

  it('a batch (entries × changes × statuses) moves every message; duplicates and reordering change nothing', async () => {
    const a = await send('batch a');
    const b = await send('batch b');
    const c = await send('batch c');
    const cb = (m: { id: string }) => `${TENANT}:${m.id}`;
    const res = await postSigned(
      envelope([
        {
          changes: [
            statusChange([
              { wamid: a.wamid, status: 'read', cb: cb(a) },
              { wamid: a.wamid, status: 'delivered', cb: cb(a) },
              { wamid: a.wamid, status: 'sent', cb: cb(a) },
            ]),
            statusChange([{ wamid: b.wamid, status: 'delivered' }]),
          ],
        },
        {
          changes: [
            statusChange([
              { wamid: c.wamid, status: 'delivered', cb: cb(c) },
              { wamid: c.wamid, status: 'delivered', cb: cb(c) },
            ]),
          ],
        },
      ]),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: 6, deadLettered: 0 });
    await eventually(async () => (await statusOf(a.id)) === 'read', 'a read');
    await eventually(async () => (await statusOf(b.id)) === 'delivered', 'b delivered (found by wamid)');
    // b's tenant has no status callback: its run ends at delivered (issue 14).
    const runB = stack.temporal.client.workflow.getHandle(workflowIds.message(TENANT, b.id));
    expect(((await runB.result()) as { status: string }).status).toBe('delivered');
    await eventually(async () => (await statusOf(c.id)) === 'delivered', 'c delivered');
    const readA = await stack.deps.messages.get(TENANT, a.id);
    expect(readA?.deliveredAt).toEqual(readA?.readAt);

    // Redelivered and late: read first for c, then a stale delivered; a failure after read for a.
    const again = await postSigned(
      envelope([
        {
          changes: [
            statusChange([
              { wamid: c.wamid, status: 'read', cb: cb(c) },
              { wamid: c.wamid, status: 'delivered', cb: cb(c) },
              { wamid: b.wamid, status: 'delivered' },
            ]),
          ],
        },
      ]),
    );
    expect(again.status).toBe(200);
    await eventually(async () => (await statusOf(c.id)) === 'read', 'c read');
    const before = await stack.deps.messages.get(TENANT, b.id);
    await postSigned(
      envelope([
        {
          changes: [
            statusChange([{ wamid: a.wamid, status: 'failed', cb: cb(a), errors: [{ code: 131026 }] }]),
          ],
        },
      ]),
    );
    // b's workflow applied one delivered and ended there: the duplicate that came later went to
    // the record, forward-only, and changed nothing.
    expect(await statusSignals(stack.temporal.client, TENANT, b.id)).toBe(1);
    expect(await stack.deps.messages.get(TENANT, b.id)).toEqual(before);
    const finalA = await stack.deps.messages.get(TENANT, a.id);
    expect(finalA?.status).toBe('read');
    expect(finalA?.errorCode ?? null).toBeNull();
    expect(await stack.deps.messages.get(TENANT, c.id)).toMatchObject({
      status: 'read',
      deliveredAt: expect.any(Date),
    });
  });

  it('a burst of statuses for one message (one webhook) costs its workflow one signal and one workflow task', async () => {
    const m = await send('burst of statuses');
    const cb = `${TENANT}:${m.id}`;
    const res = await postSigned(
      envelope([
        {
          changes: [
            statusChange([
              { wamid: m.wamid, status: 'sent', cb },
              { wamid: m.wamid, status: 'delivered', cb },
              { wamid: m.wamid, status: 'read', cb },
            ]),
          ],
        },
      ]),
    );
    expect(res.status).toBe(200);
    const handle = stack.temporal.client.workflow.getHandle(workflowIds.message(TENANT, m.id));
    expect(await handle.result()).toMatchObject({ status: 'read' });
    const events = (await handle.fetchHistory()).events ?? [];
    const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
    expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(1);
    expect(events[signalled]?.workflowExecutionSignaledEventAttributes?.signalName).toBe('messageStatuses');
    expect(events.slice(signalled).filter((e) => e.workflowTaskScheduledEventAttributes)).toHaveLength(1);
    expect(await stack.deps.messages.get(TENANT, m.id)).toMatchObject({ status: 'read' });
  });

  it('a status applies only with our MAC’d reference naming the owner of its number; others are dead-lettered (issue 15)', async () => {
    const m = await send('ref check');
    const ours = stack.fakes.meta.sendsFor(m.id)[0]?.body.biz_opaque_callback_data as string;
    expect(ours).toMatch(new RegExp(`^${TENANT}:${m.id}:[A-Za-z0-9_-]{22}$`));
    const forged = `${TENANT}:${m.id}:${'A'.repeat(22)}`;
    const otherTenants = mintStatusRef(STATUS_REF_KEY, OTHER, m.id);
    const res = await postSigned(
      envelope([
        {
          changes: [
            // A MAC we did not mint, on the owner's number.
            statusChange([{ wamid: m.wamid, status: 'delivered', cb: forged }]),
            // A valid reference naming another tenant than the number's owner.
            statusChange([{ wamid: m.wamid, status: 'read', cb: otherTenants }]),
            // A pre-MAC reference naming another tenant.
            statusChange([{ wamid: m.wamid, status: 'read', cb: `${OTHER}:${m.id}` }]),
            // Our genuine reference, from another tenant's number and from a number nobody owns.
            statusChange([{ wamid: m.wamid, status: 'read', cb: ours }], '106540352249999'),
            statusChange([{ wamid: m.wamid, status: 'read', cb: ours }], '106540352240000'),
            // No reference at all, from another tenant's number: the wamid mapping stays confined.
            statusChange([{ wamid: m.wamid, status: 'read' }], '106540352249999'),
          ],
        },
      ]),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: 1, deadLettered: 5 });
    const letters = createDeadLetterRepository(stack.db.conn);
    const codes = async (tenant: string) =>
      (await letters.list(tenant, { limit: 100 })).items
        .filter((d) => d.reason === 'foreign_status' && d.providerIds.wamid === m.wamid)
        .map((d) => d.issues[0]?.code)
        .sort();
    expect(await codes(TENANT)).toEqual(['foreign_tenant', 'foreign_tenant', 'invalid_mac']);
    expect(await codes(OTHER)).toEqual(['foreign_tenant']);
    expect(
      (await letters.listUnowned())
        .filter((d) => d.providerIds.wamid === m.wamid)
        .map((d) => d.issues[0]?.code),
    ).toEqual(['unknown_number']);
    // Nothing reached the message: no signal, still sent.
    expect(await statusSignals(stack.temporal.client, TENANT, m.id)).toBe(0);
    expect(await statusOf(m.id)).toBe('sent');
    // The genuine reference from the owner's number applies, and a pre-MAC one naming the owner too.
    expect(
      (
        await postSigned(
          envelope([{ changes: [statusChange([{ wamid: m.wamid, status: 'delivered', cb: ours }])] }]),
        )
      ).status,
    ).toBe(200);
    await eventually(async () => (await statusOf(m.id)) === 'delivered', 'delivered by our reference');
    await postSigned(
      envelope([{ changes: [statusChange([{ wamid: m.wamid, status: 'read', cb: `${TENANT}:${m.id}` }])] }]),
    );
    await eventually(
      async () => (await statusOf(m.id)) === 'read',
      'read by a pre-MAC reference of the owner',
    );
  });

  describe('account alerts', () => {
    const listAlerts = (key: string, q: Record<string, string | number> = {}) =>
      request(stack.api.app).get('/v1/alerts').query(q).set('Authorization', `Bearer ${key}`);
    const quality = {
      field: 'phone_number_quality_update',
      value: { display_phone_number: '15550783882', event: 'FLAGGED', current_limit: 'TIER_1K' },
    };
    const template = {
      field: 'message_template_status_update',
      value: {
        event: 'REJECTED',
        message_template_id: 594425479261596,
        message_template_name: 'order_update',
        message_template_language: 'en_US',
        reason: 'INCORRECT_CATEGORY',
      },
    };
    const restriction = {
      field: 'account_update',
      value: {
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: [
          { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1750943820 },
        ],
      },
    };

    it('stores each alert once for the WABA’s tenant, names the sender by number, counts it', async () => {
      const payload = envelope([
        { time: 1750857000, changes: [template] },
        { time: 1750857100, changes: [restriction] },
        { time: 1750857150, changes: [quality] },
      ]);
      expect((await postSigned(payload)).status).toBe(200);
      // Redelivered, re-serialised with other key order and Meta's escaping: the same alerts.
      const reordered = reverseKeys(payload);
      expect((await postSigned(reordered)).status).toBe(200);
      expect((await postSigned(payload)).status).toBe(200);
      const res = await listAlerts(stack.key(TENANT)).expect(200);
      expect(res.body.items.map((a: { type: string }) => a.type)).toEqual([
        'phone_number_quality_update',
        'account_update',
        'message_template_status_update',
      ]);
      expect(res.body.items[0]).toEqual({
        id: expect.stringMatching(/^alt_[0-9a-f]{32}$/),
        type: 'phone_number_quality_update',
        event: 'FLAGGED',
        provider: 'meta',
        wabaId: WABA,
        senderId: 'meta-wh-2',
        phoneNumber: '15550783882',
        details: quality.value,
        occurredAt: new Date(1750857150_000).toISOString(),
        receivedAt: expect.any(String),
      });
      expect(res.body.items[2]).toMatchObject({ event: 'REJECTED', senderId: null, details: template.value });
      const text = await metrics.registry.metrics();
      expect(
        sample(text, 'whatsapp_account_alerts_total', {
          provider: 'meta',
          type: 'phone_number_quality_update',
        }),
      ).toBe(1);
      expect(
        sample(text, 'whatsapp_account_alerts_total', { provider: 'meta', type: 'account_update' }),
      ).toBe(1);
    });

    it('?type and ?limit filter; bad values are 400 naming the field and rule', async () => {
      const byType = await listAlerts(stack.key(TENANT), { type: 'account_update' }).expect(200);
      expect(byType.body.items.map((a: { event: string }) => a.event)).toEqual(['ACCOUNT_RESTRICTION']);
      const one = await listAlerts(stack.key(TENANT), { limit: 1 }).expect(200);
      expect(one.body.items).toHaveLength(1);
      for (const [q, field, rule] of [
        [{ limit: 0 }, 'query.limit', 'too_small'],
        [{ limit: 101 }, 'query.limit', 'too_big'],
        [{ limit: 'x' }, 'query.limit', 'invalid_type'],
        [{ type: 'messages' }, 'query.type', 'invalid_value'],
      ] as const) {
        const res = await listAlerts(stack.key(TENANT), q).expect(400);
        expect(res.body.error.details).toEqual([expect.objectContaining({ field, rule })]);
      }
      await request(stack.api.app).get('/v1/alerts').expect(401);
    });

    it('an unknown WABA is logged and answered 200; another tenant sees only its own alerts', async () => {
      const unknown = envelope([{ id: '100000000000404', time: 1750857200, changes: [restriction] }]);
      expect((await postSigned(unknown)).status).toBe(200);
      expect(
        log
          .lines()
          .some((l) => l.includes('account alert for an unknown WABA') && l.includes('100000000000404')),
      ).toBe(true);
      expect((await listAlerts(stack.key(OTHER)).expect(200)).body.items).toEqual([]);
      const theirs = envelope([
        {
          id: OTHER_WABA,
          time: 1750857300,
          changes: [{ field: 'account_update', value: { event: 'DISABLED_UPDATE' } }],
        },
      ]);
      expect((await postSigned(theirs)).status).toBe(200);
      const b = (await listAlerts(stack.key(OTHER)).expect(200)).body.items;
      expect(b.map((a: { event: string; wabaId: string }) => [a.event, a.wabaId])).toEqual([
        ['DISABLED_UPDATE', OTHER_WABA],
      ]);
      const a = (await listAlerts(stack.key(TENANT)).expect(200)).body.items;
      expect(a).toHaveLength(3);
      expect(JSON.stringify(a)).not.toContain(OTHER_WABA);
    });

    it('a sender whose ownership was never verified gets no alert of the WABA it names (issue 15)', async () => {
      const SQUATTER = 'wh-meta-c';
      const keyC = (await createApiKeyRepository(stack.db.conn).create(SQUATTER)).token;
      // Stored without verification (as POST /v1/senders stored any claim before the ownership check).
      await stack.deps.senders.register(SQUATTER, {
        senderId: 'meta-squat',
        phoneNumberId: '106540352240001',
        wabaId: WABA,
        displayPhoneNumber: '+1 555 078 3899',
        accessToken: 'EAAG-squatter-token-0123456789',
      });
      const alert = envelope([
        { time: 1750857400, changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] },
      ]);
      expect((await postSigned(alert)).status).toBe(200);
      const a = (await listAlerts(stack.key(TENANT)).expect(200)).body.items;
      expect(a.map((x: { event: string }) => x.event)).toContain('VERIFIED_ACCOUNT');
      expect((await listAlerts(keyC).expect(200)).body.items).toEqual([]);
    });

    it('template quality and category changes are alerts beside the status updates, exact as Meta sends them', async () => {
      const qualityChange = {
        field: 'message_template_quality_update',
        value: {
          previous_quality_score: 'GREEN',
          new_quality_score: 'RED',
          message_template_id: 806312974732579,
          message_template_name: 'order_update',
          message_template_language: 'en_US',
        },
      };
      const categoryChange = {
        field: 'template_category_update',
        value: {
          message_template_id: 806312974732579,
          message_template_name: 'order_update',
          message_template_language: 'en_US',
          previous_category: 'UTILITY',
          new_category: 'MARKETING',
        },
      };
      const payload = envelope([
        { time: 1750857500, changes: [qualityChange] },
        { time: 1750857600, changes: [categoryChange] },
      ]);
      expect((await postSigned(payload)).status).toBe(200);
      expect((await postSigned(reverseKeys(payload))).status).toBe(200);
      const quality = await listAlerts(stack.key(TENANT), { type: 'message_template_quality_update' }).expect(
        200,
      );
      expect(quality.body.items).toEqual([
        {
          id: expect.stringMatching(/^alt_[0-9a-f]{32}$/),
          type: 'message_template_quality_update',
          event: 'RED',
          provider: 'meta',
          wabaId: WABA,
          senderId: null,
          phoneNumber: null,
          details: qualityChange.value,
          occurredAt: new Date(1750857500_000).toISOString(),
          receivedAt: expect.any(String),
        },
      ]);
      const category = await listAlerts(stack.key(TENANT), { type: 'template_category_update' }).expect(200);
      expect(category.body.items).toEqual([
        expect.objectContaining({
          type: 'template_category_update',
          event: 'MARKETING',
          details: categoryChange.value,
          occurredAt: new Date(1750857600_000).toISOString(),
        }),
      ]);
      const text = await metrics.registry.metrics();
      expect(
        sample(text, 'whatsapp_account_alerts_total', {
          provider: 'meta',
          type: 'message_template_quality_update',
        }),
      ).toBe(1);
    });
  });

  describe('reactions, edits and revokes', () => {
    const messagesChange = (msgs: Record<string, unknown>[]) =>
      envelope([
        {
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_ID },
                contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
                messages: msgs,
              },
            },
          ],
        },
      ]);
    const storedAs = (wamid: string) =>
      eventually(
        async () =>
          (await stack.deps.inbound.list(TENANT)).find((m) => m.providerMessageId === wamid) ?? null,
        `${wamid} stored`,
      );

    it('are stored linked to the message they refer to: ours by its id, the contact’s by its wamid', async () => {
      const ours = await send('react to me');
      const original = 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUE0RjNBMjUxQTVBQ0Q1NzA5NgA=';
      const msgs = [
        {
          from: '16505551234',
          id: original,
          timestamp: '1750857700',
          type: 'text',
          text: { body: 'See you at 5' },
        },
        {
          from: '16505551234',
          id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTdCNTg5RjY1MEMyRjlGMjRGNgA=',
          timestamp: '1750857710',
          type: 'reaction',
          reaction: { message_id: ours.wamid, emoji: '\u{1F44D}' },
        },
        {
          from: '16505551234',
          id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJFRDdCOEIxRkMzNTU0QjRBMQA=',
          timestamp: '1750857720',
          type: 'edit',
          edit: { original_message_id: original, message: { type: 'text', text: { body: 'See you at 6' } } },
        },
        {
          from: '16505551234',
          id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQjYwRkY1QjM5RDc3NjQyN0JCOQA=',
          timestamp: '1750857730',
          type: 'revoke',
          revoke: { original_message_id: original },
        },
        {
          from: '16505551234',
          id: 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQzExMTExMTExMTExMTExMTExMQA=',
          timestamp: '1750857740',
          type: 'reaction',
          reaction: { message_id: 'wamid.not-one-of-ours' },
        },
      ];
      expect((await postSigned(messagesChange(msgs))).status).toBe(200);
      const [text, reaction, edit, revoke, unknown] = await Promise.all(
        msgs.map((m) => storedAs(m.id as string)),
      );
      // An upserted null may come back absent (FerretDB).
      expect(text?.refersTo ?? null).toBeNull();
      expect(reaction).toMatchObject({
        type: 'reaction',
        refersTo: { kind: 'reaction', providerMessageId: ours.wamid, messageId: ours.id },
      });
      expect(edit).toMatchObject({
        type: 'edit',
        text: 'See you at 6',
        refersTo: { kind: 'edit', providerMessageId: original },
      });
      expect(edit?.refersTo).not.toHaveProperty('messageId');
      expect(revoke).toMatchObject({
        type: 'revoke',
        refersTo: { kind: 'revoke', providerMessageId: original },
      });
      expect(unknown?.refersTo).toEqual({ kind: 'reaction', providerMessageId: 'wamid.not-one-of-ours' });
    });
  });
});
