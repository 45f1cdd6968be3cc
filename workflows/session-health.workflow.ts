import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  emptyCounts,
  type HealthCandidate,
  type HealthCounts,
  type SessionHealthSummary,
} from '../src/domain/session-health';
import type { SessionHealthInput } from './session-health.definitions';

const add = (a: HealthCounts, b: HealthCounts): HealthCounts => ({
  checked: a.checked + b.checked,
  healthy: a.healthy + b.healthy,
  drifted: a.drifted + b.drifted,
  failed: a.failed + b.failed,
});

/**
 * One sweep of the session health schedule: page through the sessions that should be connected
 * (or are stuck waiting for a scan), one bounded activity per page that checks each against its
 * gateway and acts on drift; then credential checks; then the summary is stored. A gateway that
 * is down fails its sessions' checks, not the sweep.
 */
export async function sessionHealthWorkflow(input: SessionHealthInput): Promise<SessionHealthSummary> {
  const { workflowId } = workflowInfo();
  const startedAt = new Date(Date.now()).toISOString();
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: input.batchTimeoutMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
  });

  let counts = emptyCounts();
  let after: string | null = null;
  for (let page = 0; page < input.maxBatches; page++) {
    const items: HealthCandidate[] = await acts.listHealthCandidates({
      after,
      limit: input.batchSize,
      qrExpiryMs: input.qrExpiryMs,
    });
    if (items.length === 0) break;
    counts = add(
      counts,
      await acts.checkSessionHealthBatch({
        sweepId: workflowId,
        startedAt,
        items,
        autoRestart: input.autoRestart,
      }),
    );
    if (items.length < input.batchSize) break;
    after = items[items.length - 1]!.key;
  }
  counts = add(counts, await acts.checkCredentialHealth({ sweepId: workflowId, startedAt }));

  const summary: SessionHealthSummary = {
    sweepId: workflowId,
    startedAt,
    finishedAt: new Date(Date.now()).toISOString(),
    ...counts,
  };
  await acts.finishHealthSweep({ summary, keepMs: input.keepMs });
  return summary;
}
