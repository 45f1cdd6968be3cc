import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { createActivities } from '../../activities';
import { createOnboardingCommands } from '../../src/api/onboardings/onboarding-commands';
import { createDiagnosticPingRepository } from '../../src/db/repositories/diagnostic-ping.repository';
import { createOnboardingRepository } from '../../src/db/repositories/onboarding.repository';
import { createSignupStateRepository } from '../../src/db/repositories/signup-state.repository';
import { createSenderRepository } from '../../src/db/repositories/sender.repository';
import type { Logger } from '../../src/logging/logger';
import { createDialog360PartnerClient } from '../../src/providers/dialog360/dialog360-partner.client';
import { createMetaOnboardingClient } from '../../src/providers/meta/meta-onboarding.client';
import { createTwilioSendersClient } from '../../src/providers/twilio/twilio-senders.client';
import type { OnboardingSettings } from '../../workflows/onboarding.definitions';
import { AnswerFaultProxy } from '../fakes/answer-fault.proxy';
import { Dialog360Fake } from '../fakes/dialog360.fake';
import { Dialog360HubFake } from '../fakes/dialog360-hub.fake';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { TwilioSendersFake } from '../fakes/twilio-senders.fake';
import { buildTestApp } from './app';
import { testSecretBox, waitFor } from './sessions';
import { createTestWorker } from './temporal';

export const ES_APP = { appId: '987654321012345', appSecret: 'es-app-secret-0123456789abcdef' };
export const PARTNER = { partnerId: 'aBcD12PA', partnerApiKey: 'partner-api-key-0123456789' };
export const TWILIO_ACCOUNT = { accountSid: `AC${'a'.repeat(32)}`, authToken: 'b'.repeat(32) };
export const PUBLIC_BASE_URL = 'https://dw.example.com';

/** Fast retries for tests; a step gets 3 attempts. */
export const TEST_ONBOARDING_SETTINGS: OnboardingSettings = {
  stepTimeoutMs: 3_000,
  stepMaxAttempts: 3,
  retryInitialMs: 50,
  retryMaxMs: 200,
  codeValidityMs: 15_000,
  twilioOnlineTimeoutMs: 10_000,
  twilioPollMs: 50,
};

/**
 * The onboarding saga on the real stack: the API (createApp with /v1/onboardings), a worker with the
 * real activities and provider clients, and the providers' fakes — Meta Graph (Embedded Signup),
 * 360dialog's hub and messaging host, Twilio's Senders API.
 */
export async function startOnboardingStack(opts: {
  conn: Connection;
  temporal: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  logger: Logger;
  settings?: Partial<OnboardingSettings>;
  /** The Meta client's HTTP timeout (the exchange claim goes stale after it). */
  metaTimeoutMs?: number;
}) {
  const box = testSecretBox();
  const meta = await new MetaGraphFake({
    tokens: {},
    appAccessToken: `${ES_APP.appId}|${ES_APP.appSecret}`,
    oauthApp: ES_APP,
  }).start();
  // The Meta client calls through it: an answer can be held or lost after Meta acted on the request.
  const metaAnswers = await new AnswerFaultProxy(meta.baseUrl).start();
  const d360 = await new Dialog360Fake({ rejectWebhookPort: true }).start();
  const hub = await new Dialog360HubFake({
    ...PARTNER,
    onApiKey: (ch, key) =>
      d360.addApiKey(key, {
        phoneNumberId: ch.id.replace(/\D/g, '') || '1',
        displayPhoneNumber: ch.phoneNumber ?? '',
      }),
  }).start();
  const twilio = await new TwilioSendersFake({
    accounts: { [TWILIO_ACCOUNT.accountSid]: TWILIO_ACCOUNT.authToken },
  }).start();

  const onboardings = createOnboardingRepository(opts.conn, box);
  const senders = createSenderRepository(opts.conn, box);
  const signupStates = createSignupStateRepository(opts.conn);
  const metaTimeoutMs = opts.metaTimeoutMs ?? 2_000;
  const activities = createActivities({
    pings: createDiagnosticPingRepository(opts.conn),
    onboarding: {
      onboardings,
      senders,
      publicBaseUrl: PUBLIC_BASE_URL,
      logger: opts.logger,
      meta: {
        client: createMetaOnboardingClient({
          baseUrl: metaAnswers.baseUrl,
          apiVersion: 'v23.0',
          timeoutMs: metaTimeoutMs,
          ...ES_APP,
        }),
        callTimeoutMs: metaTimeoutMs,
      },
      dialog360: {
        client: createDialog360PartnerClient({
          partnerBaseUrl: hub.baseUrl,
          ...PARTNER,
          messagingBaseUrl: d360.baseUrl,
          timeoutMs: 2_000,
        }),
      },
      twilio: {
        client: createTwilioSendersClient({ baseUrl: twilio.baseUrl, timeoutMs: 2_000 }),
        account: TWILIO_ACCOUNT,
      },
    },
  });
  /** The API side with these settings (a test that needs e.g. a short code validity starts through it). */
  const commandsWith = (
    settings: Partial<OnboardingSettings> = {},
    availability = { meta: true, '360dialog': true, twilio: true, twilioAccount: true },
  ) =>
    createOnboardingCommands({
      temporal: opts.temporal,
      taskQueue: opts.taskQueue,
      onboardings,
      senders,
      box,
      signupStates,
      // As onboardingSettingsFrom: an exchange attempt outlasts the Meta client's HTTP timeout.
      settings: {
        ...TEST_ONBOARDING_SETTINGS,
        exchangeCallTimeoutMs: metaTimeoutMs,
        ...opts.settings,
        ...settings,
      },
      availability,
      twilioAccountSid: availability.twilioAccount ? TWILIO_ACCOUNT.accountSid : undefined,
    });
  const commands = commandsWith();
  const app = buildTestApp({
    conn: opts.conn,
    temporal: opts.temporal,
    taskQueue: opts.taskQueue,
    logger: opts.logger,
    overrides: { onboardings: { commands } },
  });
  const worker: Worker = await createTestWorker(opts.nativeConnection, opts.taskQueue, activities);
  const running = worker.run();

  /** Waits until the onboarding is ready or failed (as GET answers it) and returns that view. */
  const settled = (key: string, id: string) =>
    waitFor(
      async () =>
        (await request(app).get(`/v1/onboardings/${id}`).set('Authorization', `Bearer ${key}`)).body as {
          status: string;
          [k: string]: unknown;
        },
      (v) => v.status === 'ready' || v.status === 'failed',
      30_000,
      `onboarding ${id} to settle`,
    );

  return {
    box,
    meta,
    metaAnswers,
    metaTimeoutMs,
    d360,
    hub,
    twilio,
    onboardings,
    senders,
    commands,
    commandsWith,
    app,
    settled,
    async stop() {
      worker.shutdown();
      await running;
      await Promise.all([metaAnswers.stop(), meta.stop(), d360.stop(), hub.stop(), twilio.stop()]);
    },
  };
}

export type OnboardingStack = Awaited<ReturnType<typeof startOnboardingStack>>;

/** Every scalar of a workflow's history, payload bytes decoded, for "no secret in history" assertions. */
export function historyText(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (v !== null && v !== undefined) out.push(String(v));
  };
  walk(history);
  return out.join('\n');
}
