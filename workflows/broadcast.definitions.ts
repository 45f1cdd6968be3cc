import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BroadcastStatus } from '../src/domain/broadcast';
import type { Priority } from '../src/domain/message';

/** Updates and queries of the broadcast workflow (issue 18), shared with the API. */

export interface BroadcastSettings {
  /** Provider attempts before an unclassified error fails a recipient (retryable). */
  maxAttempts: number;
  /** Backoff of a recipient after a transient failure: doubles up to maxRetryMs. */
  initialRetryMs: number;
  maxRetryMs: number;
  /** How long provider outages may delay a recipient, from the start of sending. */
  validityMs: number;
  /** How long the tenant's callback hears of status changes after the last send. */
  statusTimeoutMs: number;
  /** Sweeps a failing callback delivery is tried before it is given up. */
  callbackMaxAttempts: number;
  /** Heartbeat timeout of a chunk's send activity (a dead worker's chunk is taken over after it). */
  heartbeatTimeoutMs: number;
}

export interface BroadcastWorkflowInput {
  tenantId: string;
  broadcastId: string;
  senderId: string;
  provider: string;
  priority: Priority;
  total: number;
  chunkCount: number;
  /** ISO time before which nothing is sent; null = at once. */
  notBefore: string | null;
  /** This broadcast's validity (`validitySeconds` × 1000); null = settings.validityMs. */
  validityMs: number | null;
  /** The tenant had a status callback when the broadcast was accepted. */
  notify: boolean;
  /** False when the provider never reports delivery (the seed gateway): no statuses to follow. */
  followStatuses: boolean;
  settings: BroadcastSettings;
  /** Continue-as-new while following statuses: sending is done, follow until this time. */
  following?: { until: string; status: 'completed' | 'cancelled' };
}

export interface BroadcastState {
  status: BroadcastStatus;
  /** Chunks fully sent so far (of chunkCount). */
  chunksDone: number;
  chunkCount: number;
}

export const getBroadcastStateQuery = defineQuery<BroadcastState>('getBroadcastState');
export const pauseBroadcastUpdate = defineUpdate<BroadcastState>('pauseBroadcast');
export const resumeBroadcastUpdate = defineUpdate<BroadcastState>('resumeBroadcast');
export const cancelBroadcastUpdate = defineUpdate<BroadcastState>('cancelBroadcast');
