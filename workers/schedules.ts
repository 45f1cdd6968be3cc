import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Config } from '../src/config/env';
import type { SessionHealthInput } from '../workflows/session-health.definitions';
import type { sessionHealthWorkflow } from '../workflows/session-health.workflow';

export const SESSION_HEALTH_SCHEDULE_ID = 'session-health';

/** Sessions per check activity, and the sweep's page limit (20 × 500 = 10,000 sessions per sweep). */
const BATCH_SIZE = 20;
const MAX_BATCHES = 500;
const PARALLEL_CHECKS = 5;

/** The sweep's input from config: one batch may take its gateway calls (a few at a time) plus restarts. */
export function sessionHealthInputFrom(config: Config): SessionHealthInput {
  const rounds = Math.ceil(BATCH_SIZE / PARALLEL_CHECKS);
  return {
    batchSize: BATCH_SIZE,
    maxBatches: MAX_BATCHES,
    qrExpiryMs: config.SESSION_QR_EXPIRY_MS,
    batchTimeoutMs: rounds * (2 * config.GATEWAY_TIMEOUT_MS + 45_000) + 30_000,
    autoRestart: config.SESSION_HEALTH_AUTO_RESTART,
    keepMs: 7 * 24 * 3_600_000,
  };
}

/**
 * Creates the session health schedule, or — when it exists (another worker, an earlier start) —
 * updates its interval, action and policies to this worker's config: every worker may call it at
 * start, any number of times. Overlap SKIP: a sweep still running when the next is due is not
 * doubled.
 */
export async function upsertSessionHealthSchedule(
  client: Client,
  opts: { taskQueue: string; intervalMs: number; input: SessionHealthInput; scheduleId?: string },
): Promise<'created' | 'updated'> {
  const scheduleId = opts.scheduleId ?? SESSION_HEALTH_SCHEDULE_ID;
  const spec = { intervals: [{ every: opts.intervalMs }] };
  const action: ScheduleOptionsStartWorkflowAction<typeof sessionHealthWorkflow> = {
    type: 'startWorkflow',
    workflowType: 'sessionHealthWorkflow',
    taskQueue: opts.taskQueue,
    args: [opts.input],
    workflowId: scheduleId,
    staticSummary: 'Session health sweep',
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action, policies }));
    return 'updated';
  }
}
