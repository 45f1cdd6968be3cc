import type { Logger } from '../../logging/logger';
import { createEvolutionGateway } from './evolution/evolution.adapter';
import { ProviderError } from '../errors';
import { createSeedGateway } from './seed/seed.adapter';
import type { GatewayKind, SessionGateway } from '../types';
import type { GatewayWebhookTarget } from './shared/webhook-target';
import { createWahaGateway } from './waha/waha.adapter';

export interface GatewayRegistryConfig {
  kind: GatewayKind;
  baseUrl: string;
  masterKey?: string;
  apiKey?: string;
  timeoutMs: number;
  /** Registered on the gateway with each session; absent = no registration (polling only). */
  webhook?: GatewayWebhookTarget;
}

export interface GatewayRegistry {
  /** The kind new sessions use (GATEWAY_KIND). */
  readonly defaultKind: GatewayKind;
  /** The adapter for a session's recorded kind; permanent ProviderError when that kind is not configured. */
  get(kind: GatewayKind): SessionGateway;
}

/** The one place that picks a SessionGateway implementation from configuration. */
export function createGatewayRegistry(config: GatewayRegistryConfig, logger: Logger): GatewayRegistry {
  const common = { baseUrl: config.baseUrl, timeoutMs: config.timeoutMs, logger, webhook: config.webhook };
  const build: Record<GatewayKind, () => SessionGateway> = {
    seed: () => createSeedGateway({ ...common, masterKey: config.masterKey }),
    waha: () => createWahaGateway({ ...common, apiKey: config.apiKey }),
    evolution: () => createEvolutionGateway({ ...common, apiKey: config.apiKey }),
  };
  const configured = build[config.kind]();
  return {
    defaultKind: config.kind,
    get(kind) {
      if (kind === config.kind) return configured;
      throw new ProviderError(
        'permanent',
        `gateway kind ${kind} is not configured (GATEWAY_KIND=${config.kind})`,
        {
          provider: 'gateway',
          code: 'gateway_kind_not_configured',
        },
      );
    },
  };
}
