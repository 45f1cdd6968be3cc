import {
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isFinalBroadcastStatus, type BroadcastStatus } from '../src/domain/broadcast';
import { BroadcastStatusKey } from '../src/temporal/search-attributes';
import {
  cancelBroadcastUpdate,
  getBroadcastStateQuery,
  pauseBroadcastUpdate,
  resumeBroadcastUpdate,
  type BroadcastState,
  type BroadcastWorkflowInput,
} from './broadcast.definitions';

// Status writes: local activities, retried for ever (our database down delays, never fails).
const db = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '5s' },
});
// Record writes and callback sweeps: retried for ever with backoff.
const work = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Callback sweeps while statuses keep coming, backing off to this when nothing changed. */
const SWEEP_MIN_MS = 2_000;
const SWEEP_MAX_MS = 60_000;

/**
 * One broadcast, one workflow (`broadcast:<tenant>:<id>`, issue 18). Its recipients are stored in
 * chunks by the API; the workflow writes their message records (one activity), then sends chunk
 * after chunk, each one activity that takes tokens from the sender's limiter (the one single
 * messages use), sends with retries and backoff, and writes outcomes in bulk. Statuses from the
 * webhooks go straight to the recipients' records: no signal, no event here. So a broadcast costs
 * about six history events per chunk of 1,000, not events per recipient.
 *
 * Pause, resume and cancel are updates (refused when the state forbids); a running chunk notices a
 * pause or cancel within a second, lets the sends in flight finish and stops. When the tenant has a
 * status callback, a sweep reports recipients' status changes to it while sending and after, for
 * statusTimeoutMs, backing off while nothing changes (continue-as-new when the history grows).
 */
export async function broadcastWorkflow(input: BroadcastWorkflowInput): Promise<BroadcastState> {
  const { tenantId, broadcastId, settings } = input;
  const scheduled = input.notBefore !== null && Date.parse(input.notBefore) > Date.now();
  const state: BroadcastState = {
    status: input.following?.status ?? (scheduled ? 'scheduled' : 'running'),
    chunksDone: input.following ? input.chunkCount : 0,
    chunkCount: input.chunkCount,
  };
  let started = false;
  let cancelRequested = false;
  let sendingDone = input.following !== undefined;

  const setStatus = async (status: BroadcastStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: BroadcastStatusKey, value: status }]);
    await db.recordBroadcastStatus({ tenantId, broadcastId, status, at: new Date().toISOString() });
  };
  const refuseUnless = (ok: (s: BroadcastStatus) => boolean) => () => {
    if (!ok(state.status)) throw new Error(`broadcast is ${state.status}`);
  };

  setHandler(getBroadcastStateQuery, () => state);
  setHandler(
    pauseBroadcastUpdate,
    async () => {
      await setStatus('paused');
      return state;
    },
    { validator: refuseUnless((s) => s === 'running' || s === 'scheduled') },
  );
  setHandler(
    resumeBroadcastUpdate,
    async () => {
      await setStatus(started ? 'running' : 'scheduled');
      return state;
    },
    { validator: refuseUnless((s) => s === 'paused') },
  );
  setHandler(
    cancelBroadcastUpdate,
    async () => {
      cancelRequested = true;
      await setStatus('cancelled');
      return state;
    },
    { validator: refuseUnless((s) => !isFinalBroadcastStatus(s) && !sendingDone) },
  );

  const sweep = () =>
    work.notifyBroadcast({ tenantId, broadcastId, maxAttempts: settings.callbackMaxAttempts });

  if (!input.following) {
    if (scheduled) await condition(() => cancelRequested, Date.parse(input.notBefore as string) - Date.now());
    await condition(() => state.status !== 'paused' || cancelRequested);
    // Callbacks while sending: a sweep every couple of seconds.
    const sweeping = (async () => {
      if (!input.notify) return;
      while (!sendingDone) {
        await sleep(SWEEP_MIN_MS);
        await sweep();
      }
    })();
    if (!cancelRequested) {
      await work.prepareBroadcast({ tenantId, broadcastId });
      started = true;
      if (state.status === 'scheduled' || state.status === 'running') await setStatus('running');
      const validUntil = Date.now() + (input.validityMs ?? settings.validityMs);
      const sendChunk = proxyActivities<Activities>({
        // A chunk may wait out a provider outage up to the validity, heartbeating all along.
        startToCloseTimeout: validUntil - Date.now() + 3_600_000,
        heartbeatTimeout: settings.heartbeatTimeoutMs,
        retry: { initialInterval: '1s', maximumInterval: '10s' },
      }).sendBroadcastChunk;
      for (let chunk = 0; chunk < input.chunkCount;) {
        await condition(() => state.status !== 'paused' || cancelRequested);
        if (cancelRequested) break;
        const r = await sendChunk({
          tenantId,
          broadcastId,
          senderId: input.senderId,
          provider: input.provider,
          priority: input.priority,
          chunk,
          validUntil,
          maxAttempts: settings.maxAttempts,
          initialRetryMs: settings.initialRetryMs,
          maxRetryMs: settings.maxRetryMs,
        });
        // Stopped by a pause or cancel: the loop waits for a resume, or ends.
        if (r.stopped) continue;
        state.chunksDone = ++chunk;
      }
    }
    sendingDone = true;
    // A status whose webhook overtook the write of its `sent` and was stored a moment too late for
    // its chunk to apply it: applied once more, after the webhooks in progress had time to finish.
    await sleep(2_000);
    await work.applyBroadcastStatusInbox({ tenantId, broadcastId });
    if (cancelRequested) {
      await work.cancelBroadcastRecipients({ tenantId, broadcastId });
      await setStatus('cancelled');
    } else await setStatus('completed');
    await sweeping;
  }

  if (!input.notify) return state;
  // Follow: report status changes until every recipient is final or the status timeout passes.
  const until = input.following
    ? Date.parse(input.following.until)
    : Date.now() + (input.followStatuses ? settings.statusTimeoutMs : 0);
  for (let interval = SWEEP_MIN_MS; ;) {
    const r = await sweep();
    if (r.pending === 0 && (r.open === 0 || Date.now() >= until)) break;
    interval = r.notified > 0 ? SWEEP_MIN_MS : Math.min(interval * 2, SWEEP_MAX_MS);
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<(i: BroadcastWorkflowInput) => Promise<BroadcastState>>({
        ...input,
        following: {
          until: new Date(until).toISOString(),
          status: state.status as 'completed' | 'cancelled',
        },
      });
    await sleep(Math.max(SWEEP_MIN_MS, Math.min(interval, until - Date.now())));
  }
  return state;
}
