import { z } from 'zod';
import { providerSettings } from '../providers/registry';

/**
 * The only place that reads `process.env`. Each process parses it once at start; a missing or
 * wrong value stops the process with one line naming the variable and the rule.
 * `.env.example` documents every variable with its default.
 */

const durationMs = z.coerce.number().int().min(0);

/** `kid:base64key[,kid:base64key...]` — each key 32 bytes (AES-256). The first is active unless named. */
const keyring = z
  .string()
  .min(1)
  .transform((raw, ctx) => {
    const keys = new Map<string, Buffer>();
    for (const part of raw.split(',')) {
      const [id, b64, ...rest] = part.trim().split(':');
      const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
      if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || rest.length > 0 || key.length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a comma-separated list of <keyId>:<base64 of 32 bytes>',
        });
        return z.NEVER;
      }
      keys.set(id, key);
    }
    return keys;
  });

/**
 * The process's settings: its own below, then every provider's (src/providers/<vendor>/*.settings.ts,
 * composed by the provider registry), so a provider's environment variables live in its folder.
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'must look like 256kb')
    .default('256kb'),
  PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
  // HTTPS_ONLY=true: the deployment is served over HTTPS only (HSTS and upgrade-insecure-requests on every
  // page); false: only on requests that came over HTTPS (req.secure, which honours TRUST_PROXY).
  HTTPS_ONLY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  // Express `trust proxy`: false, true, a hop count, or comma-separated addresses/subnets of the proxies.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
    ),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** The Temporal Web UI operators use (links from the API and the admin page); unset = no links. */
  TEMPORAL_UI_URL: z.url().optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('whatsapp'),
  // Secured Temporal (issue 15): TLS, mTLS and Temporal Cloud API keys; see src/temporal/connection-options.ts.
  /** Unset: TLS when any TEMPORAL_TLS_* file, server name or API key is given. */
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Payload codec keys (AES-256-GCM, same form as ENCRYPTION_KEYS); unset = payloads in plain text (a warning). */
  TEMPORAL_PAYLOAD_KEYS: keyring.optional(),
  TEMPORAL_PAYLOAD_ACTIVE_KEY_ID: z.string().optional(),
  /** HMAC key of the `Recipient` search attribute (base64, >= 32 bytes); unset = the attribute is not set. */
  TEMPORAL_RECIPIENT_HASH_KEY: z
    .string()
    .transform((v) => Buffer.from(v, 'base64'))
    .refine((b) => b.length >= 32, 'must be the base64 of at least 32 bytes')
    .optional(),
  /** Operators' token for the Web UI's codec endpoint (/codec/*); unset = not served. */
  TEMPORAL_CODEC_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Origins of the Web UI allowed to call /codec/* from the browser (comma-separated). */
  TEMPORAL_CODEC_CORS_ORIGINS: z
    .string()
    .default('http://localhost:8233,http://127.0.0.1:8233')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017/durable_whatsapp'),
  MONGODB_MAX_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),

  // The API while its own database or Temporal does not answer (issue 13): 503 with Retry-After.
  API_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** Attempts of each Temporal call of the API while Temporal does not answer: 5 ≈ 2 s (the SDK's 10 ≈ 20 s). */
  API_TEMPORAL_RPC_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(5),

  // Admission control (issue 15): per API key, per API process (N replicas allow N times the rate).
  API_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(100),
  API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
  /** Stats, diagnostics, ?wait=sent, session creation and onboarding, each its own bucket per key. */
  API_RATE_LIMIT_COSTLY_PER_MINUTE: z.coerce.number().positive().default(30),
  API_RATE_LIMIT_COSTLY_BURST: z.coerce.number().int().min(1).default(10),
  TENANT_MAX_SESSIONS: z.coerce.number().int().min(1).default(50),
  TENANT_MAX_SENDERS: z.coerce.number().int().min(1).default(50),
  TENANT_MAX_QUEUED_MESSAGES: z.coerce.number().int().min(1).default(10_000),
  /**
   * How long the API reuses what it read of an API key, a sender and a tenant's callback setting
   * (issue 14: three database reads per accepted message). A key revoked, a sender removed or a
   * callback changed by another process takes effect within this; by this process, at once.
   * 0 = read every time.
   */
  API_READ_CACHE_MS: durationMs.max(60_000).default(5_000),
  /** How long GET /v1/stats reuses an answer for the same tenant and query; 0 = not cached. */
  STATS_CACHE_MS: durationMs.max(600_000).default(30_000),
  /** Operators and tests only: how long the diagnostics ping's activity stays in flight (never a caller's choice). */
  DIAGNOSTICS_PING_HOLD_MS: durationMs.max(60_000).default(0),

  ENCRYPTION_KEYS: keyring,
  ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),

  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  WORKER_SHUTDOWN_GRACE_MS: durationMs.default(30_000),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(1).default(40),
  /** Threads running workflow code (the main thread keeps activities and I/O). */
  WORKER_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(16).default(1),

  // WhatsApp Web sessions (issue 3); the gateway's settings: src/providers/gateways/gateway.settings.ts.
  SESSION_QR_EXPIRY_MS: durationMs.min(1_000).default(300_000),
  SESSION_POLL_INITIAL_MS: durationMs.min(50).default(1_000),
  SESSION_POLL_MAX_MS: durationMs.min(50).default(15_000),
  SESSION_CONNECTED_POLL_MS: durationMs.min(1_000).default(60_000),
  SESSION_CREATE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(6),
  // Session health sweep (issue 8): a Temporal Schedule the worker upserts at start.
  SESSION_HEALTH_INTERVAL_MS: durationMs.min(1_000).default(300_000),
  SESSION_HEALTH_AUTO_RESTART: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),

  // Messages (issue 4): sending, retries, following statuses (each provider's rate and API: its settings).
  MESSAGE_SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  MESSAGE_RETRY_INITIAL_MS: durationMs.min(10).default(1_000),
  MESSAGE_RETRY_MAX_MS: durationMs.min(10).default(60_000),
  MESSAGE_SEND_TIMEOUT_MS: durationMs.min(100).default(30_000),
  MESSAGE_STATUS_TIMEOUT_MS: durationMs.min(100).default(86_400_000),
  MESSAGE_VALIDITY_MS: durationMs.min(1_000).max(86_400_000).default(14_400_000),
  MESSAGE_SEND_HEARTBEAT_TIMEOUT_MS: durationMs.min(500).default(5_000),
  MESSAGE_MAX_RETRIES: z.coerce.number().int().min(0).max(100).default(3),
  MESSAGE_WAIT_SENT_MAX_MS: durationMs.min(100).max(60_000).default(10_000),
  // Broadcasts (issue 18): sends in flight per chunk, the request body's limit, a chunk's heartbeat timeout.
  BROADCAST_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000).default(64),
  // How long a recipient's `sent` waits in the journal so that its delivered, which usually comes
  // within a second or two, is written in the same update (0: written at once, a second write follows).
  BROADCAST_STATUS_FOLD_MS: durationMs.max(30_000).default(2_000),
  BROADCAST_BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/, 'must look like 4mb')
    .default('4mb'),
  BROADCAST_HEARTBEAT_TIMEOUT_MS: durationMs.min(1_000).default(10_000),
  /**
   * Key of the MAC on the message reference Meta and 360dialog echo in status webhooks (issue 15):
   * base64 of at least 32 bytes. Unset: derived from the active ENCRYPTION_KEYS key.
   */
  STATUS_REF_KEY: z
    .string()
    .transform((v) => Buffer.from(v, 'base64'))
    .refine((b) => b.length >= 32, 'must be the base64 of at least 32 bytes')
    .optional(),
  CALLBACK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(20),
  CALLBACK_RETRY_INITIAL_MS: durationMs.min(10).default(1_000),
  /** Wall clock for one callback delivery: connect, headers and body (issue 15). */
  CALLBACK_TIMEOUT_MS: durationMs.min(100).default(10_000),
  // Callback targets (issue 15): https to public addresses only, unless these development settings say otherwise.
  CALLBACK_ALLOW_HTTP: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  CALLBACK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Response bytes a delivery reads at most; the status decides, the rest is not read. */
  CALLBACK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
  /** Callbacks in flight per tenant in one worker; more wait briefly, then are retried later. */
  CALLBACK_MAX_CONCURRENT_PER_TENANT: z.coerce.number().int().min(1).max(100).default(4),
  // The 24-hour customer-service window (issue 7): free-form messages from official senders to a
  // user who has not written in 24 h are refused with 422 (a template is required).
  CUSTOMER_WINDOW_ENFORCE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  CUSTOMER_WINDOW_MARGIN_MS: durationMs.max(3_600_000).default(60_000),

  // Onboarding (issue 7): Meta Embedded Signup, 360dialog partner API, Twilio Senders API, as sagas
  // (each provider's own onboarding settings are in its settings).
  ONBOARDING_STEP_TIMEOUT_MS: durationMs.min(100).default(30_000),
  ONBOARDING_STEP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  ONBOARDING_RETRY_INITIAL_MS: durationMs.min(10).default(1_000),
  ONBOARDING_RETRY_MAX_MS: durationMs.min(10).default(30_000),

  // Prometheus metrics (issue 8): GET /metrics on the API, and on the worker's own port.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** 127.0.0.1 by default: an internal listener, open without a token (issue 15). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** true: /metrics without METRICS_TOKEN on any interface (a private network said so explicitly). */
  METRICS_PUBLIC: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  METRICS_CACHE_MS: durationMs.default(15_000),

  ...providerSettings,
});

export type Config = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line per bad variable. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // An empty value (`FOO=` in a file, `${FOO:-}` in compose) means "not set": the default applies.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(env)');
      const rule = env[name] === undefined ? 'is required' : issue.message;
      return `${name}: ${rule}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  const config = parsed.data;
  if (config.ENCRYPTION_ACTIVE_KEY_ID && !config.ENCRYPTION_KEYS.has(config.ENCRYPTION_ACTIVE_KEY_ID)) {
    throw new ConfigError(
      'Invalid configuration: ENCRYPTION_ACTIVE_KEY_ID: must name a key id present in ENCRYPTION_KEYS',
    );
  }
  if (
    config.TEMPORAL_PAYLOAD_ACTIVE_KEY_ID &&
    !config.TEMPORAL_PAYLOAD_KEYS?.has(config.TEMPORAL_PAYLOAD_ACTIVE_KEY_ID)
  ) {
    throw new ConfigError(
      'Invalid configuration: TEMPORAL_PAYLOAD_ACTIVE_KEY_ID: must name a key id present in TEMPORAL_PAYLOAD_KEYS',
    );
  }
  // A signup page that trusts a simulator's messages must never face real users.
  if (config.META_ES_SIMULATOR_URL && env.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration: META_ES_SIMULATOR_URL: the Embedded Signup simulator is for local development and is refused when NODE_ENV=production',
    );
  }
  return config;
}

/**
 * The gateway simulator's keys (src/simulator/main.ts), under the names the API and the worker use.
 * From the environment, never argv: a key may start with `-` or hold `=` and no option parser can
 * mistake it, and other users cannot read it in `ps`.
 */
export function loadGatewaySimulatorKeys(rawEnv: NodeJS.ProcessEnv = process.env) {
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema
    .pick({ GATEWAY_MASTER_KEY: true, GATEWAY_API_KEY: true, GATEWAY_WEBHOOK_SECRET: true })
    .required({ GATEWAY_MASTER_KEY: true })
    .safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    return `${name}: ${env[name] === undefined ? 'is required' : issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}

/**
 * The official-platform simulators' secrets (src/simulator/official/main.ts), under the names the
 * API and the worker use: the app secret that signs Meta's webhooks, the partner key, the Twilio
 * account. From the environment only, like the gateway simulator's keys; each simulator says
 * which it needs.
 */
export function loadOfficialSimulatorKeys(rawEnv: NodeJS.ProcessEnv = process.env) {
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema
    .pick({
      META_APP_ID: true,
      META_APP_SECRET: true,
      META_WEBHOOK_VERIFY_TOKEN: true,
      META_ES_CONFIG_ID: true,
      DIALOG360_PARTNER_ID: true,
      DIALOG360_PARTNER_API_KEY: true,
      TWILIO_ACCOUNT_SID: true,
      TWILIO_AUTH_TOKEN: true,
    })
    .safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
}

/** For a process entry point: parse or print the one line and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
