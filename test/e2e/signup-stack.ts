import { createOnboardingActivities } from '../../activities/onboarding.activities';
import { createOnboardingCommands } from '../../src/api/onboardings/onboarding-commands';
import { signupConfigFrom } from '../../src/api/routes/signup.routes';
import { loadConfig } from '../../src/config/env';
import { createOnboardingRepository } from '../../src/db/repositories/onboarding.repository';
import { createSignupStateRepository } from '../../src/db/repositories/signup-state.repository';
import { createSessionRepository } from '../../src/db/repositories/session.repository';
import { onboardingSettingsFrom } from '../../src/composition/onboarding-setup';
import { createProviderRegistry } from '../../src/providers/registry';
import { createSecretBox } from '../../src/security/secret-box';
import { Dialog360HubFake } from '../fakes/dialog360-hub.fake';
import { Dialog360Fake } from '../fakes/dialog360.fake';
import { MetaGraphFake } from '../fakes/meta-graph.fake';
import { TwilioSendersFake } from '../fakes/twilio-senders.fake';
import { APP_SECRET, messagingDeps } from '../helpers/messaging';
import { listenFirst } from '../helpers/listen';
import { FAST_TIMING, WEBHOOK_SECRET, testSecretBox } from '../helpers/sessions';
import { onInfra, type Infra } from '../fixtures/infra';

export const META_APP_ID = '1234567890';
export const META_ES_CONFIG_ID = '555000111222';
export const PARTNER_ID = 'testPartnerPA';
const PARTNER_API_KEY = 'partner-api-key-for-the-signup-e2e';
export const TWILIO_SID = `AC${'5'.repeat(32)}`;
const TWILIO_TOKEN = 'twilio-auth-token-signup-e2e';

/**
 * The stack the signup page talks to, built from configuration the way src/api/server.ts and
 * workers/main.ts build it, in the test process: the real app (signup page and its config, /v1 with
 * onboardings) on loopback and one worker hosting the onboarding saga, over the jest run's Temporal
 * and FerretDB. The providers are the loopback fakes: Meta Graph (oauth, subscribed_apps,
 * phone_numbers, register), the 360dialog Partner API and messaging API, Twilio's Senders API.
 */
export async function startSignupStack(tenantId: string) {
  return onInfra({ queue: 'signup-e2e', tenants: [tenantId] }, (infra) => signupStackOn(infra, tenantId));
}

async function signupStackOn(infra: Infra, tenantId: string) {
  const { db, temporal, taskQueue } = infra;
  const { logger } = infra.log;
  const server = await listenFirst();
  infra.defer(server.close);
  const appUrl = server.url;

  const meta = await new MetaGraphFake({
    tokens: {},
    appSecret: APP_SECRET,
    oauthApp: { appId: META_APP_ID, appSecret: APP_SECRET },
  }).start();
  const d360 = await new Dialog360Fake().start();
  const hub = await new Dialog360HubFake({
    partnerId: PARTNER_ID,
    partnerApiKey: PARTNER_API_KEY,
    onApiKey: (ch, key) =>
      d360.addApiKey(key, { phoneNumberId: `9${ch.id.replace(/\D/g, '')}00`, wabaId: ch.wabaId }),
  }).start();
  const twilio = await new TwilioSendersFake({
    accounts: { [TWILIO_SID]: TWILIO_TOKEN },
    pollsUntilDone: 1,
    outcome: 'online',
  }).start();
  infra.defer(async () => {
    await Promise.all([meta.stop(), hub.stop(), d360.stop(), twilio.stop()]);
  });

  const config = loadConfig({
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    // Webhook URLs given to providers; none is called back here (360dialog refuses a URL with a port).
    PUBLIC_BASE_URL: 'https://signup-e2e.example',
    META_APP_ID,
    META_APP_SECRET: APP_SECRET,
    META_ES_CONFIG_ID,
    META_GRAPH_BASE_URL: meta.baseUrl,
    META_GRAPH_API_VERSION: 'v23.0',
    META_TIMEOUT_MS: '3000',
    DIALOG360_PARTNER_ID: PARTNER_ID,
    DIALOG360_PARTNER_API_KEY: PARTNER_API_KEY,
    DIALOG360_PARTNER_BASE_URL: hub.baseUrl,
    DIALOG360_BASE_URL: d360.baseUrl,
    DIALOG360_TIMEOUT_MS: '3000',
    TWILIO_MESSAGING_BASE_URL: twilio.baseUrl,
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_TIMEOUT_MS: '3000',
    ONBOARDING_STEP_TIMEOUT_MS: '5000',
    ONBOARDING_STEP_MAX_ATTEMPTS: '3',
    ONBOARDING_RETRY_INITIAL_MS: '50',
    ONBOARDING_RETRY_MAX_MS: '200',
    ONBOARDING_TWILIO_POLL_MS: '100',
    ONBOARDING_TWILIO_ONLINE_TIMEOUT_MS: '10000',
  });
  const providers = createProviderRegistry(config);
  const box = createSecretBox(config.ENCRYPTION_KEYS);
  const onboardings = createOnboardingRepository(db.conn, box);
  const messaging = messagingDeps({
    conn: db.conn,
    temporal: temporal.client,
    taskQueue,
    metaBaseUrl: meta.baseUrl,
  });
  server.serve(
    infra.app({
      bodyLimit: '256kb',
      messaging: {
        commands: messaging.commands,
        messages: messaging.messages,
        senders: messaging.senders,
        metaAppSecret: APP_SECRET,
        callbacks: messaging.callbacks,
        // The admin page lists broadcasts and inbound messages too: serve them, as the API does.
        broadcasts: {
          commands: messaging.broadcastCommands,
          broadcasts: messaging.broadcasts,
          bodyLimit: '4mb',
        },
        inbound: { callbackMaxAttempts: 10, callbackRetryInitialMs: 50 },
      },
      conversations: messaging.conversations,
      onboardings: {
        commands: createOnboardingCommands({
          temporal: temporal.client,
          taskQueue,
          onboardings,
          senders: messaging.senders,
          box,
          signupStates: createSignupStateRepository(db.conn),
          settings: onboardingSettingsFrom(config),
          availability: providers.onboardingAvailability,
        }),
      },
      signup: signupConfigFrom(config),
      // The admin page's links to each onboarding's workflow (GET /v1/me).
      temporalUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
      // Only so that the admin page (which lists sessions) works in the same stack.
      sessions: {
        repository: createSessionRepository(db.conn, testSecretBox()),
        gatewayKind: 'seed',
        timing: FAST_TIMING,
        webhookSecret: WEBHOOK_SECRET,
      },
    }),
  );

  await infra.runWorker({
    ...messaging.activities,
    ...createOnboardingActivities({
      onboarding: {
        onboardings,
        senders: messaging.senders,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        logger,
        ...providers.onboardingClients(),
      },
    }),
  });
  const apiKey = infra.key(tenantId);

  return {
    appUrl,
    apiKey,
    meta,
    hub,
    d360,
    twilio,
    senders: messaging.senders,
    temporal: temporal.client,
    close: infra.close,
  };
}
