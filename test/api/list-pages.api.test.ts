import request from 'supertest';
import { createOnboardingCommands } from '../../src/api/onboardings/onboarding-commands';
import { senderModel } from '../../src/db/models/sender.model';
import { whatsappSessionModel } from '../../src/db/models/whatsapp-session.model';
import { createAccountAlertRepository } from '../../src/db/repositories/account-alert.repository';
import { createDeadLetterRepository } from '../../src/db/repositories/dead-letter.repository';
import { createOnboardingRepository } from '../../src/db/repositories/onboarding.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { createSignupStateRepository } from '../../src/db/repositories/signup-state.repository';
import type { Express } from 'express';
import { useStack } from '../fixtures/stack';
import { messagingFeature } from '../helpers/messaging';
import { TEST_ONBOARDING_SETTINGS } from '../helpers/onboarding';
import { FAST_TIMING, testSecretBox, WEBHOOK_SECRET } from '../helpers/sessions';

const A = 'tenant-lists-a';
const B = 'tenant-lists-b';
/** Five items per list, at these times: two share an instant, so their order is by id. */
const TIMES = ['01', '04', '02', '04', '03'].map((s) => new Date(`2025-03-01T12:00:${s}.000Z`));

type Seed = (tenant: string) => Promise<Array<{ id: string; at: Date }>>;

/**
 * Every list endpoint answers one shape (issue 17): `{items, nextCursor}`, newest first, ties by id,
 * `?limit=` and an opaque `?cursor=` that a bad value makes a 400 naming `query.cursor`. Each list
 * is seeded through its own repository on the real database, with times chosen to tie.
 */
describe('list endpoints: one page shape', () => {
  const stack = useStack({ queue: 'list-pages', tenants: [A, B], worker: false });
  let app: Express;
  const keys: Record<string, string> = {};
  const seeded: Record<string, Array<{ id: string; at: Date }>> = {};

  beforeAll(async () => {
    const { db, temporal, taskQueue, deps } = stack;
    const sessions = createSessionRepository(db.conn, testSecretBox());
    const alerts = createAccountAlertRepository(db.conn);
    const onboardings = createOnboardingRepository(db.conn, testSecretBox());
    const deadLetters = createDeadLetterRepository(db.conn);
    app = stack.app({
      deadLetters,
      messaging: messagingFeature(deps, { alerts }),
      sessions: {
        repository: sessions,
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: WEBHOOK_SECRET,
      },
      onboardings: {
        commands: createOnboardingCommands({
          temporal: temporal.client,
          taskQueue,
          onboardings,
          senders: deps.senders,
          box: testSecretBox(),
          signupStates: createSignupStateRepository(db.conn),
          settings: TEST_ONBOARDING_SETTINGS,
          availability: { meta: true, '360dialog': true, twilio: true, twilioAccount: true },
        }),
      },
      conversations: deps.conversations,
    });
    for (const t of [A, B]) keys[t] = stack.key(t);

    const seeds: Record<string, Seed> = {
      '/v1/sessions': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const sessionId = `s${i}`;
            await sessions.ensure({ tenantId: tenant, sessionId, name: null, gatewayKind: 'seed' });
            await whatsappSessionModel(db.conn).updateOne(
              { _id: `${tenant}:${sessionId}` },
              { createdAt: at },
            );
            return { id: sessionId, at };
          }),
        ),
      '/v1/senders': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const phoneNumberId = `${tenant === A ? 71 : 72}0000000000${i}`;
            const s = await deps.senders.register(tenant, {
              senderId: `meta-${i}`,
              phoneNumberId,
              wabaId: '1000',
              displayPhoneNumber: `1555000000${i}`,
              accessToken: 'EAAG-list-pages-token-0123456789',
            });
            await senderModel(db.conn).updateOne({ _id: `${tenant}:${s.id}` }, { createdAt: at });
            return { id: s.id, at };
          }),
        ),
      '/v1/alerts': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const dedupeKey = `${'0'.repeat(31)}${i}`;
            await alerts.store(
              tenant,
              { provider: 'meta', senderId: null },
              {
                type: 'account_update',
                wabaId: '1000',
                event: 'ACCOUNT_RESTRICTION',
                phoneNumber: null,
                at: at.toISOString(),
                dedupeKey,
                details: { i },
              },
            );
            return { id: `alt_${dedupeKey}`, at };
          }),
        ),
      '/v1/onboardings': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const onboardingId = `onb_list${i}`;
            await onboardings.start({
              tenantId: tenant,
              onboardingId,
              provider: 'twilio',
              senderId: `twilio-${i}`,
              steps: ['create_sender'],
              request: { phoneNumber: `1555000001${i}` },
              sealed: {},
              idempotencyKey: null,
              requestHash: `h${i}`,
              workflowId: `onboarding:${tenant}:${onboardingId}`,
              createdAt: at,
            });
            return { id: onboardingId, at };
          }),
        ),
      '/v1/dead-letters': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const { id } = await deadLetters.record(
              'meta',
              tenant,
              { kind: 'entry', reason: 'invalid_entry', issues: [], providerIds: {}, entry: { i } },
              at,
            );
            return { id, at };
          }),
        ),
      '/v1/messages': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const messageId = `msg_listpages0${i}`;
            await deps.messages.recordQueued(
              {
                tenantId: tenant,
                messageId,
                senderId: 'meta-0',
                sessionId: null,
                senderUserId: null,
                provider: 'meta',
                priority: 'normal',
                recipientPhone: '4915100000001',
                recipientName: null,
                messageType: 'text',
                messageContent: `m${i}`,
                content: { type: 'text', text: { body: `m${i}` } },
                mediaData: null,
                metadata: null,
                idempotencyKey: null,
                requestHash: `h${i}`,
                workflowId: `message:${tenant}:${messageId}`,
                acceptedAt: at,
              },
              false,
            );
            return { id: messageId, at };
          }),
        ),
      '/v1/inbound': async (tenant) =>
        Promise.all(
          TIMES.map(async (at, i) => {
            const providerMessageId = `wamid.LIST${i}`;
            await deps.inbound.store(tenant, 'meta-0', {
              provider: 'meta',
              providerMessageId,
              recipientAccountId: '1000',
              from: '4915100000001',
              fromName: null,
              at: at.toISOString(),
              type: 'text',
              text: `in ${i}`,
              content: { body: `in ${i}` },
            });
            return { id: `meta:${providerMessageId}`, at };
          }),
        ),
    };
    // Tenant A has every list's items; tenant B has none.
    for (const [path, seed] of Object.entries(seeds)) seeded[path] = await seed(A);
  });

  const get = (path: string, tenant: string, query: Record<string, string | number> = {}) =>
    request(app).get(path).query(query).set('Authorization', `Bearer ${keys[tenant]}`);
  const idOf = (item: { id?: string; sessionId?: string }) => item.id ?? item.sessionId ?? '';
  /** Newest first; the same instant by id, descending (ids order as the documents' keys do). */
  const expected = (path: string) =>
    [...(seeded[path] ?? [])]
      .sort((x, y) => y.at.getTime() - x.at.getTime() || (x.id < y.id ? 1 : -1))
      .map((x) => x.id);

  const LISTS = [
    '/v1/sessions',
    '/v1/senders',
    '/v1/alerts',
    '/v1/onboardings',
    '/v1/dead-letters',
    '/v1/messages',
    '/v1/inbound',
  ];

  it.each(LISTS)('%s: {items, nextCursor}, newest first, paged by an opaque cursor', async (path) => {
    const whole = (await get(path, A).expect(200)).body;
    expect(Object.keys(whole).sort()).toEqual(['items', 'nextCursor']);
    expect(whole.items.map(idOf)).toEqual(expected(path));
    expect(whole.nextCursor).toBeNull();

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id?: string; sessionId?: string }[]; nextCursor: string | null } = (
        await get(path, A, { limit: 2, ...(cursor ? { cursor } : {}) }).expect(200)
      ).body;
      expect(Object.keys(page).sort()).toEqual(['items', 'nextCursor']);
      seen.push(...page.items.map(idOf));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(expected(path));
    // A page that ends exactly at the last item says so.
    expect((await get(path, A, { limit: 5 }).expect(200)).body.nextCursor).toBeNull();
  });

  it.each(LISTS)('%s: bad limit or cursor is a 400 naming the field and the rule', async (path) => {
    for (const [query, field, rule] of [
      [{ limit: 0 }, 'query.limit', 'too_small'],
      [{ limit: 101 }, 'query.limit', 'too_big'],
      [{ cursor: 'not a cursor' }, 'query.cursor', 'invalid_format'],
      // base64url of "not-a-cursor": the right alphabet, not one of ours.
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'query.cursor', 'invalid_format'],
    ] as const) {
      const res = await get(path, A, query).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toEqual([expect.objectContaining({ field, rule })]);
    }
  });

  it.each(LISTS)(
    "%s: another tenant's key, even with this tenant's cursor, gets its own empty page",
    async (path) => {
      const first = (await get(path, A, { limit: 2 }).expect(200)).body;
      expect(first.nextCursor).toEqual(expect.any(String));
      expect((await get(path, B).expect(200)).body).toEqual({ items: [], nextCursor: null });
      expect((await get(path, B, { cursor: first.nextCursor }).expect(200)).body).toEqual({
        items: [],
        nextCursor: null,
      });
    },
  );
});
