import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SESSION_STATUSES, type SessionStatus } from '../domain/session-status';
import type { MessageStatus } from '../domain/message';
import type { HealthOutcome } from '../domain/session-health';
import { ProviderError, type ProviderErrorKind } from '../providers/errors';
import { isStorageUnavailable } from '../db/storage-errors';

/**
 * Prometheus metrics of one process. Each composition root (API, worker) and each test builds its
 * own Registry and hands `createMetrics(registry)` on through deps: no global registry, so two
 * apps in one test process never share or double-register a metric.
 */

export type SendOutcome = 'ok' | ProviderErrorKind | 'dependency_unavailable';
export type WebhookProvider = 'meta' | 'gateway' | '360dialog' | 'twilio';
export type WebhookOutcome = 'accepted' | 'rejected_signature' | 'invalid' | 'unknown' | 'error';

/** An official sender as the credential gauge shows it; `valid` null = no check has said yet. */
export interface SenderCredentialState {
  tenantId: string;
  senderId: string;
  provider: string;
  valid: boolean | null;
}

/** Values read from MongoDB when Prometheus scrapes (cached for `cacheMs`); absent = not exposed. */
export interface MetricsSources {
  /** Tenant-agnostic session counts by status. */
  sessionsByStatus?: () => Promise<Partial<Record<SessionStatus, number>>>;
  officialSenders?: () => Promise<SenderCredentialState[]>;
  /** How long a read stays fresh, so frequent or parallel scrapes cost one query (default 15 s). */
  cacheMs?: number;
  /** A failed read keeps the previous values on the scrape; this hears about it. */
  onError?: (source: string, err: unknown) => void;
  /** prom-client's process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
}

/** Send latency buckets (seconds): a Graph API call is ~0.1–1 s, a timeout is the send timeout. */
const SEND_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One read per `ttlMs` however many scrapes ask; concurrent callers share the in-flight read. */
function cached<T>(read: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let value: { at: number; v: T } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (value && Date.now() - value.at < ttlMs) return Promise.resolve(value.v);
    inFlight ??= read()
      .then((v) => {
        value = { at: Date.now(), v };
        return v;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}

export function createMetrics(registry: Registry, sources: MetricsSources = {}) {
  const registers = [registry];
  const cacheMs = sources.cacheMs ?? 15_000;
  if (sources.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const messageTransitions = new Counter({
    name: 'whatsapp_message_status_transitions_total',
    help: 'Message history status transitions written, by new status and provider',
    labelNames: ['status', 'provider'] as const,
    registers,
  });
  const sendAttempts = new Counter({
    name: 'whatsapp_send_attempts_total',
    help: 'Provider send calls by provider and outcome (ok or the ProviderError kind)',
    labelNames: ['provider', 'outcome'] as const,
    registers,
  });
  const sendDuration = new Histogram({
    name: 'whatsapp_send_duration_seconds',
    help: 'Duration of the provider send call, whatever its outcome',
    labelNames: ['provider'] as const,
    buckets: SEND_BUCKETS,
    registers,
  });
  const webhookRequests = new Counter({
    name: 'whatsapp_webhook_requests_total',
    help: 'Provider webhook requests by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers,
  });
  const accountAlerts = new Counter({
    name: 'whatsapp_account_alerts_total',
    help: 'Account alerts stored (first delivery only), by provider and Meta webhook field',
    labelNames: ['provider', 'type'] as const,
    registers,
  });
  const storageRejections = new Counter({
    name: 'whatsapp_storage_rejections_total',
    help: 'Writes the database refused for good (poison input set aside after a few attempts), by activity',
    labelNames: ['activity'] as const,
    registers,
  });
  const storageWaits = new Counter({
    name: 'whatsapp_storage_unavailable_total',
    help: 'Activity attempts that met our database unavailable and were retried (work delayed, never failed), by activity',
    labelNames: ['activity'] as const,
    registers,
  });
  const webhookDeadLetters = new Counter({
    name: 'dw_webhook_dead_letters_total',
    help: 'Webhook entries and inbound events set aside in the dead-letter collection, by provider and reason',
    labelNames: ['provider', 'reason'] as const,
    registers,
  });
  const healthChecks = new Counter({
    name: 'whatsapp_session_health_checks_total',
    help: 'Session health sweep check results by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });

  const readSessions = sources.sessionsByStatus && cached(sources.sessionsByStatus, cacheMs);
  new Gauge({
    name: 'whatsapp_sessions',
    help: 'WhatsApp Web sessions by recorded status (all tenants; read from MongoDB on scrape)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      if (!readSessions) return;
      try {
        const counts = await readSessions();
        for (const status of SESSION_STATUSES) this.set({ status }, counts[status] ?? 0);
      } catch (err) {
        sources.onError?.('sessions', err);
      }
    },
  });

  const readSenders = sources.officialSenders && cached(sources.officialSenders, cacheMs);
  new Gauge({
    name: 'whatsapp_sender_credential_valid',
    help: 'Official sender credential validity: 1 valid, 0 invalid, -1 unknown (not checked)',
    labelNames: ['tenant_id', 'sender_id', 'provider'] as const,
    registers,
    async collect() {
      if (!readSenders) return;
      try {
        const senders = await readSenders();
        // Reset so a removed sender disappears instead of keeping its last value.
        this.reset();
        for (const s of senders)
          this.set(
            { tenant_id: s.tenantId, sender_id: s.senderId, provider: s.provider },
            s.valid === null ? -1 : s.valid ? 1 : 0,
          );
      } catch (err) {
        sources.onError?.('senders', err);
      }
    },
  });

  return {
    registry,
    messageTransition(status: MessageStatus, provider: string): void {
      messageTransitions.inc({ status, provider });
    },
    webhookRequest(provider: WebhookProvider, outcome: WebhookOutcome): void {
      webhookRequests.inc({ provider, outcome });
    },
    accountAlert(provider: string, type: string): void {
      accountAlerts.inc({ provider, type });
    },
    storageRejected(activity: string): void {
      storageRejections.inc({ activity });
    },
    storageUnavailable(activity: string): void {
      storageWaits.inc({ activity });
    },
    webhookDeadLetter(provider: string, reason: string): void {
      webhookDeadLetters.inc({ provider, reason });
    },
    healthCheck(outcome: HealthOutcome): void {
      healthChecks.inc({ outcome });
    },
    /** Times and counts one provider call; the call's result or error passes through unchanged. */
    async timeSend<T>(provider: string, call: () => Promise<T>): Promise<T> {
      const stop = sendDuration.startTimer({ provider });
      let outcome: SendOutcome = 'ok';
      try {
        return await call();
      } catch (err) {
        // Our own database unreachable (reading credentials) is no provider outcome; anything else
        // but a ProviderError is retried by the activity's policy, like a transient error.
        outcome =
          err instanceof ProviderError
            ? err.kind
            : isStorageUnavailable(err)
              ? 'dependency_unavailable'
              : 'transient';
        throw err;
      } finally {
        stop();
        sendAttempts.inc({ provider, outcome });
      }
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
