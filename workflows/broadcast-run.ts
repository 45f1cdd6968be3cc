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

type SendChunk = Activities['sendBroadcastChunk'];

/**
 * One run of the broadcast workflow (see broadcastWorkflow): wait for its time and any pause →
 * prepare the records → send chunk after chunk → apply late statuses → final status → follow with
 * callback sweeps. The order of its local activities, activities, timers, updates and
 * search-attribute upserts is what histories of running broadcasts hold: change it only behind a
 * workflow patch.
 */
export class BroadcastRun {
  private readonly state: BroadcastState;
  private readonly scheduled: boolean;
  private started = false;
  private cancelRequested = false;
  private sendingDone: boolean;

  constructor(private readonly input: BroadcastWorkflowInput) {
    this.scheduled = input.notBefore !== null && Date.parse(input.notBefore) > Date.now();
    this.state = {
      status: input.following?.status ?? (this.scheduled ? 'scheduled' : 'running'),
      chunksDone: input.following ? input.chunkCount : 0,
      chunkCount: input.chunkCount,
    };
    this.sendingDone = input.following !== undefined;
  }

  async run(): Promise<BroadcastState> {
    this.registerHandlers();
    if (!this.input.following) await this.send();
    if (!this.input.notify) return this.state;
    await this.follow();
    return this.state;
  }

  private registerHandlers(): void {
    const refuseUnless = (ok: (s: BroadcastStatus) => boolean) => () => {
      if (!ok(this.state.status)) throw new Error(`broadcast is ${this.state.status}`);
    };
    setHandler(getBroadcastStateQuery, () => this.state);
    setHandler(pauseBroadcastUpdate, () => this.answer('paused'), {
      validator: refuseUnless((s) => s === 'running' || s === 'scheduled'),
    });
    setHandler(resumeBroadcastUpdate, () => this.answer(this.started ? 'running' : 'scheduled'), {
      validator: refuseUnless((s) => s === 'paused'),
    });
    setHandler(
      cancelBroadcastUpdate,
      () => {
        this.cancelRequested = true;
        return this.answer('cancelled');
      },
      { validator: refuseUnless((s) => !isFinalBroadcastStatus(s) && !this.sendingDone) },
    );
  }

  private async answer(status: BroadcastStatus): Promise<BroadcastState> {
    await this.setStatus(status);
    return this.state;
  }

  private async setStatus(status: BroadcastStatus): Promise<void> {
    const { tenantId, broadcastId } = this.input;
    this.state.status = status;
    upsertSearchAttributes([{ key: BroadcastStatusKey, value: status }]);
    await db.recordBroadcastStatus({ tenantId, broadcastId, status, at: new Date().toISOString() });
  }

  private sweep() {
    const { tenantId, broadcastId, settings } = this.input;
    return work.notifyBroadcast({ tenantId, broadcastId, maxAttempts: settings.callbackMaxAttempts });
  }

  /** Waits for its time and any pause, sends every chunk unless cancelled, records the final status. */
  private async send(): Promise<void> {
    const { tenantId, broadcastId } = this.input;
    if (this.scheduled)
      await condition(() => this.cancelRequested, Date.parse(this.input.notBefore as string) - Date.now());
    await condition(() => this.state.status !== 'paused' || this.cancelRequested);
    const sweeping = this.sweepWhileSending();
    if (!this.cancelRequested) {
      await work.prepareBroadcast({ tenantId, broadcastId });
      this.started = true;
      if (this.state.status === 'scheduled' || this.state.status === 'running')
        await this.setStatus('running');
      await this.sendChunks();
    }
    this.sendingDone = true;
    // A status whose webhook overtook the write of its `sent` and was stored a moment too late for
    // its chunk to apply it: applied once more, after the webhooks in progress had time to finish.
    await sleep(2_000);
    await work.applyBroadcastStatusInbox({ tenantId, broadcastId });
    if (this.cancelRequested) {
      await work.cancelBroadcastRecipients({ tenantId, broadcastId });
      await this.setStatus('cancelled');
    } else await this.setStatus('completed');
    await sweeping;
  }

  /** Callbacks while sending: a sweep every couple of seconds. */
  private async sweepWhileSending(): Promise<void> {
    if (!this.input.notify) return;
    while (!this.sendingDone) {
      await sleep(SWEEP_MIN_MS);
      await this.sweep();
    }
  }

  private async sendChunks(): Promise<void> {
    const { input } = this;
    const { settings } = input;
    const validUntil = Date.now() + (input.validityMs ?? settings.validityMs);
    const sendChunk: SendChunk = proxyActivities<Activities>({
      // A chunk may wait out a provider outage up to the validity, heartbeating all along.
      startToCloseTimeout: validUntil - Date.now() + 3_600_000,
      heartbeatTimeout: settings.heartbeatTimeoutMs,
      retry: { initialInterval: '1s', maximumInterval: '10s' },
    }).sendBroadcastChunk;
    for (let chunk = 0; chunk < input.chunkCount;) {
      await condition(() => this.state.status !== 'paused' || this.cancelRequested);
      if (this.cancelRequested) break;
      const r = await sendChunk({
        tenantId: input.tenantId,
        broadcastId: input.broadcastId,
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
      this.state.chunksDone = ++chunk;
    }
  }

  /** Follow: report status changes until every recipient is final or the status timeout passes. */
  private async follow(): Promise<void> {
    const { input } = this;
    const until = input.following
      ? Date.parse(input.following.until)
      : Date.now() + (input.followStatuses ? input.settings.statusTimeoutMs : 0);
    for (let interval = SWEEP_MIN_MS; ;) {
      const r = await this.sweep();
      if (r.pending === 0 && (r.open === 0 || Date.now() >= until)) break;
      interval = r.notified > 0 ? SWEEP_MIN_MS : Math.min(interval * 2, SWEEP_MAX_MS);
      if (workflowInfo().continueAsNewSuggested)
        await continueAsNew<(i: BroadcastWorkflowInput) => Promise<BroadcastState>>({
          ...input,
          following: {
            until: new Date(until).toISOString(),
            status: this.state.status as 'completed' | 'cancelled',
          },
        });
      await sleep(Math.max(SWEEP_MIN_MS, Math.min(interval, until - Date.now())));
    }
  }
}
