import { ApplicationFailure } from '@temporalio/common';
import type { SessionRepository, SessionStateWrite } from '../src/db/repositories/session.repository';
import type { GatewayKind } from '../src/domain/gateway-kind';
import type { SessionStatus } from '../src/domain/session-status';
import type { Logger } from '../src/logging/logger';
import { ProviderError } from '../src/providers/errors';
import type { GatewayRegistry } from '../src/providers/gateways/registry';
import type { SessionGateway } from '../src/providers/types';
import { atBoundary, toActivityFailure } from './to-failure';

export interface SessionActivityDeps {
  sessions: SessionRepository;
  gateways: GatewayRegistry;
  logger: Logger;
}

export interface GatewayObservation {
  missing: boolean;
  status: SessionStatus;
  qr: string | null;
  rawStatus: string;
}

type Ref = { tenantId: string; sessionId: string };

/**
 * The session workflow's side effects: gateway calls (through the registry) and the
 * `whatsapp_sessions` projection. The gateway token goes straight from the gateway's answer into
 * the secret box: it never enters workflow history, a log line or an activity result.
 */
export function createSessionActivities(all: { sessions: SessionActivityDeps }) {
  const deps = all.sessions;

  async function credentials(ref: Ref) {
    const creds = await deps.sessions.getGatewayCredentials(ref.tenantId, ref.sessionId);
    if (!creds)
      throw ApplicationFailure.nonRetryable(`session ${ref.sessionId} has no record`, 'SessionRecordMissing');
    return creds;
  }

  /**
   * Points the gateway's webhook at us (gateways where that is a separate call). A refusal
   * (auth, invalid, permanent) is logged and the session goes on: polling sees every change
   * anyway. Transient failures throw, so the create activity is retried (it is idempotent).
   */
  async function registerWebhook(gateway: SessionGateway, gatewaySessionId: string, ref: Ref): Promise<void> {
    if (!gateway.registerWebhook) return;
    const creds = await deps.sessions.getGatewayCredentials(ref.tenantId, ref.sessionId);
    try {
      await gateway.registerWebhook(gatewaySessionId, creds?.token ?? null);
    } catch (err) {
      if (err instanceof ProviderError && err.kind !== 'transient' && err.kind !== 'rate_limited') {
        deps.logger.warn(
          { tenantId: ref.tenantId, sessionId: ref.sessionId, kind: err.kind, error: err.message },
          'gateway refused the webhook registration; relying on polling',
        );
        return;
      }
      throw toActivityFailure(err);
    }
  }

  return {
    /** Idempotent: a retry after a lost answer finds the gateway session (and its stored token) and carries on. */
    async createGatewaySession(
      input: Ref & { name: string | null; gatewayKind: GatewayKind },
    ): Promise<{ alreadyExisted: boolean }> {
      const { sessions, gateways, logger } = deps;
      const { gatewaySessionId } = await sessions.ensure(input);
      const gateway = gateways.get(input.gatewayKind);
      const res = await atBoundary(() => gateway.createSession(gatewaySessionId));
      if (res.token) {
        await sessions.storeToken(input.tenantId, input.sessionId, res.token);
      } else if (res.alreadyExisted && input.gatewayKind === 'seed') {
        const stored = await sessions.getGatewayCredentials(input.tenantId, input.sessionId);
        if (!stored?.token) {
          const recovered = await atBoundary(() => gateway.recoverToken(gatewaySessionId));
          if (!recovered) {
            throw toActivityFailure(
              new ProviderError(
                'permanent',
                `the gateway already has session ${gatewaySessionId} and will not give us its token`,
                {
                  provider: 'gateway-seed',
                  code: 'session_exists',
                },
              ),
            );
          }
          await sessions.storeToken(input.tenantId, input.sessionId, recovered);
        }
      }
      await registerWebhook(gateway, gatewaySessionId, input);
      logger.info(
        {
          tenantId: input.tenantId,
          sessionId: input.sessionId,
          gatewaySessionId,
          alreadyExisted: res.alreadyExisted,
        },
        'gateway session created',
      );
      return { alreadyExisted: res.alreadyExisted };
    },

    async fetchGatewaySession(ref: Ref): Promise<GatewayObservation> {
      const creds = await credentials(ref);
      const snap = await atBoundary(() =>
        deps.gateways.get(creds.gatewayKind).getSession(creds.gatewaySessionId, creds.token),
      );
      if (!snap) return { missing: true, status: 'disconnected', qr: null, rawStatus: 'MISSING' };
      return { missing: false, status: snap.status, qr: snap.qr, rawStatus: snap.rawStatus };
    },

    /** Idempotent (the gateway's delete is); the token is forgotten only once the gateway let go. */
    async deleteGatewaySession(ref: Ref): Promise<void> {
      const creds = await credentials(ref);
      await atBoundary(() =>
        deps.gateways.get(creds.gatewayKind).deleteSession(creds.gatewaySessionId, creds.token),
      );
      await deps.sessions.storeToken(ref.tenantId, ref.sessionId, null);
    },

    async recordSessionState(write: SessionStateWrite): Promise<void> {
      await deps.sessions.recordState(write);
    },

    async removeSessionRecord(ref: Ref): Promise<void> {
      await deps.sessions.remove(ref.tenantId, ref.sessionId);
    },
  };
}
