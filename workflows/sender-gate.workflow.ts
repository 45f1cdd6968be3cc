import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Priority } from '../src/domain/message';
import {
  getGateStateQuery,
  permitRequestSignal,
  permitWithdrawSignal,
  sendPermitSignal,
  type GateRate,
  type PermitRequest,
} from './message.definitions';

export interface GateState {
  tokens: number;
  refilledAt: number;
  queues: Record<Priority, string[]>;
  granted: number;
  /** Acceptance time (ms) of each queued request that carried one: orders each queue. */
  acceptedAt?: Record<string, number>;
}

export interface SenderGateInput {
  rate: GateRate;
  state?: GateState;
}

const ORDER: Priority[] = ['high', 'normal', 'low'];

/**
 * One per sender (`sender-gate:<tenant>:<sender>`): a token bucket (rate, burst) in front of a
 * priority queue. Message workflows ask for a permit; each gets a
 * `sendPermit` signal when a token is free — high first, then normal,
 * then low, FIFO within a class. State lives in the workflow, so it survives worker restarts;
 * excess requests wait, none is dropped. Idle long enough for the bucket to be full again, it
 * ends (the next request starts it afresh); busy, it continues-as-new with its queue.
 * Requests are signals (signal-with-start from a local activity), not updates: the server caps
 * in-flight updates per workflow (RESOURCE_EXHAUSTED under load, measured), signals it does not.
 */
export async function senderGateWorkflow(input: SenderGateInput): Promise<void> {
  const { ratePerSec, burst } = input.rate;
  const s: GateState = input.state ?? {
    tokens: burst,
    refilledAt: Date.now(),
    queues: { high: [], normal: [], low: [] },
    granted: 0,
  };
  const queued = new Set(ORDER.flatMap((p) => s.queues[p]));

  const pending = () => queued.size > 0;
  const refill = () => {
    const now = Date.now();
    s.tokens = Math.min(burst, s.tokens + ((now - s.refilledAt) / 1000) * ratePerSec);
    s.refilledAt = now;
  };

  const acceptedAt = (s.acceptedAt ??= {});
  setHandler(permitRequestSignal, (r: PermitRequest) => {
    if (queued.has(r.workflowId)) return; // a retried request (local activity replayed) is one request
    queued.add(r.workflowId);
    const q = s.queues[r.priority];
    if (r.acceptedAt === undefined) return void q.push(r.workflowId);
    // FIFO by acceptance: requests reach the gate in whatever order their workflows ran, and a
    // message retrying after an outage goes before those accepted after it.
    acceptedAt[r.workflowId] = r.acceptedAt;
    const at = q.findIndex((id) => (acceptedAt[id] ?? -Infinity) > (r.acceptedAt as number));
    if (at < 0) q.push(r.workflowId);
    else q.splice(at, 0, r.workflowId);
  });
  setHandler(permitWithdrawSignal, ({ workflowId }) => {
    if (!queued.delete(workflowId)) return;
    delete acceptedAt[workflowId];
    for (const p of ORDER) s.queues[p] = s.queues[p].filter((id) => id !== workflowId);
  });
  setHandler(getGateStateQuery, () => ({
    tokens: s.tokens,
    queued: { high: s.queues.high.length, normal: s.queues.normal.length, low: s.queues.low.length },
    granted: s.granted,
  }));

  const inflight = new Set<Promise<void>>();
  const settle = async () => {
    await Promise.all([...inflight]);
    await condition(allHandlersFinished);
  };
  const idleMs = Math.max(1_000, Math.ceil((burst / ratePerSec) * 1000));

  for (;;) {
    if (!pending()) {
      const woke = await condition(pending, idleMs);
      if (!woke) {
        refill();
        if (s.tokens >= burst && !pending()) {
          await settle();
          if (!pending()) return;
        }
        continue;
      }
    }
    refill();
    while (s.tokens >= 1 && pending()) {
      const p = ORDER.find((q) => s.queues[q].length > 0) as Priority;
      const workflowId = s.queues[p].shift() as string;
      queued.delete(workflowId);
      delete acceptedAt[workflowId];
      s.tokens -= 1;
      s.granted += 1;
      // Not awaited one by one (grants go out together); a message cancelled meanwhile is closed
      // and its signal fails harmlessly. Awaited before the gate ends or continues-as-new.
      const grant: Promise<void> = getExternalWorkflowHandle(workflowId)
        .signal(sendPermitSignal)
        .catch(() => undefined)
        .finally(() => inflight.delete(grant));
      inflight.add(grant);
    }
    if (pending() && s.tokens < 1) await sleep(Math.ceil(((1 - s.tokens) / ratePerSec) * 1000));
    if (workflowInfo().continueAsNewSuggested) {
      await settle();
      await continueAsNew<typeof senderGateWorkflow>({ rate: input.rate, state: s });
    }
  }
}
