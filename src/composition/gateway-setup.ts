import type { Config } from '../config/env';
import type { Logger } from '../logging/logger';
import type { SessionTiming } from '../../workflows/session.definitions';
import { createGatewayRegistry, type GatewayRegistry } from '../providers/gateways/registry';
import type { GatewayWebhookTarget } from '../providers/gateways/shared/webhook-target';

/**
 * Our `POST /webhooks/gateway` under PUBLIC_BASE_URL, registered on the gateway with each session.
 * Without GATEWAY_WEBHOOK_SECRET the endpoint refuses everything, so nothing is registered (the
 * session workflow's polling still sees every change) and that is logged once.
 */
export function gatewayWebhookTargetFrom(config: Config, logger: Logger): GatewayWebhookTarget | undefined {
  if (!config.GATEWAY_WEBHOOK_SECRET) {
    logger.warn(
      'GATEWAY_WEBHOOK_SECRET is not set: gateway webhooks are not registered, sessions rely on polling',
    );
    return undefined;
  }
  const url = new URL('webhooks/gateway', config.PUBLIC_BASE_URL.replace(/\/+$/, '') + '/');
  return { url: url.toString(), secret: config.GATEWAY_WEBHOOK_SECRET };
}

/** The composition roots' one call for the gateway registry (worker) … */
export function buildGatewayRegistry(config: Config, logger: Logger): GatewayRegistry {
  return createGatewayRegistry(
    {
      kind: config.GATEWAY_KIND,
      baseUrl: config.GATEWAY_BASE_URL,
      masterKey: config.GATEWAY_MASTER_KEY,
      apiKey: config.GATEWAY_API_KEY,
      timeoutMs: config.GATEWAY_TIMEOUT_MS,
      webhook: gatewayWebhookTargetFrom(config, logger),
    },
    logger,
  );
}

/** … and for the session workflow's timings (API: passed as workflow input). */
export function sessionTimingFrom(config: Config): SessionTiming {
  return {
    qrExpiryMs: config.SESSION_QR_EXPIRY_MS,
    pollInitialMs: config.SESSION_POLL_INITIAL_MS,
    pollMaxMs: Math.max(config.SESSION_POLL_MAX_MS, config.SESSION_POLL_INITIAL_MS),
    connectedPollMs: config.SESSION_CONNECTED_POLL_MS,
    createMaxAttempts: config.SESSION_CREATE_MAX_ATTEMPTS,
    createInitialIntervalMs: 1_000,
    // Two gateway requests (status, then QR) plus the projection read.
    callTimeoutMs: config.GATEWAY_TIMEOUT_MS * 2 + 5_000,
  };
}
