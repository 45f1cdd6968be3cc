import type { Client } from '@temporalio/client';
import { workflowIds } from '../../src/temporal/workflow-ids';

export const VERIFY_TOKEN = 'meta-verify-token-for-tests';

/**
 * How many status signals a message's workflow has received (a webhook's statuses of one message
 * come as one): proof that a refused webhook did nothing.
 */
export async function statusSignals(temporal: Client, tenantId: string, messageId: string): Promise<number> {
  const history = await temporal.workflow.getHandle(workflowIds.message(tenantId, messageId)).fetchHistory();
  return (history.events ?? []).filter(
    (e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'messageStatus' ||
      e.workflowExecutionSignaledEventAttributes?.signalName === 'messageStatuses',
  ).length;
}
