import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { recordPing } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumAttempts: 5 },
});

export interface PingInput {
  tenantId: string;
  pingId: string;
}

export interface PingResult {
  pingId: string;
  workflowId: string;
  recordedAt: string;
  writes: number;
}

/** Diagnostics: proves a worker is polling and can write to MongoDB. */
export async function pingWorkflow(input: PingInput): Promise<PingResult> {
  return recordPing({ ...input, workflowId: workflowInfo().workflowId });
}
