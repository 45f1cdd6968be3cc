import { sleep } from '@temporalio/activity';
import type {
  DiagnosticPing,
  DiagnosticPingRepository,
} from '../src/db/repositories/diagnostic-ping.repository';

export interface DiagnosticsActivityDeps {
  pings: DiagnosticPingRepository;
}

export function createDiagnosticsActivities(deps: DiagnosticsActivityDeps) {
  return {
    /** `holdMs` keeps the activity in flight for a while: lets an operator (and a test) watch a graceful shutdown. */
    async recordPing(input: {
      tenantId: string;
      pingId: string;
      workflowId: string;
      holdMs?: number;
    }): Promise<DiagnosticPing> {
      if (input.holdMs) await sleep(input.holdMs);
      return deps.pings.record({
        tenantId: input.tenantId,
        pingId: input.pingId,
        workflowId: input.workflowId,
      });
    },
  };
}
