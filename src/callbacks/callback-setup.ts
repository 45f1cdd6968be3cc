import type { Config } from '../config/env';
import { systemResolver, type CallbackTargetPolicy } from './callback-target';

/** CALLBACK_ALLOW_HTTP and CALLBACK_ALLOW_PRIVATE_NETWORKS: both false unless set (issue 15). */
export function callbackPolicyFrom(
  config: Pick<Config, 'CALLBACK_ALLOW_HTTP' | 'CALLBACK_ALLOW_PRIVATE_NETWORKS'>,
): CallbackTargetPolicy {
  return {
    allowHttp: config.CALLBACK_ALLOW_HTTP,
    allowPrivateNetworks: config.CALLBACK_ALLOW_PRIVATE_NETWORKS,
  };
}

/** The worker's delivery settings, with the system resolver. */
export function callbackDeliveryFrom(config: Config) {
  return {
    timeoutMs: config.CALLBACK_TIMEOUT_MS,
    policy: callbackPolicyFrom(config),
    resolve: systemResolver,
    maxResponseBytes: config.CALLBACK_MAX_RESPONSE_BYTES,
    maxConcurrentPerTenant: config.CALLBACK_MAX_CONCURRENT_PER_TENANT,
  };
}
