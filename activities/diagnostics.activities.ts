import { sleep } from '@temporalio/activity';
import type {
  DiagnosticPing,
  DiagnosticPingRepository,
} from '../src/db/repositories/diagnostic-ping.repository';

export interface DiagnosticsActivityDeps {
  pings: DiagnosticPingRepository;
  /**
   * DIAGNOSTICS_PING_HOLD_MS: keeps each ping's activity in flight this long, so an operator (and a
   * test) can watch a graceful shutdown. The worker's setting, never the caller's: a caller-chosen
   * hold let any tenant pin the shared worker's activity slots (issue 15). Absent = 0.
   */
  pingHoldMs?: number;
}

export function createDiagnosticsActivities(deps: DiagnosticsActivityDeps) {
  return {
    async recordPing(input: {
      tenantId: string;
      pingId: string;
      workflowId: string;
    }): Promise<DiagnosticPing> {
      if (deps.pingHoldMs) await sleep(deps.pingHoldMs);
      return deps.pings.record({
        tenantId: input.tenantId,
        pingId: input.pingId,
        workflowId: input.workflowId,
      });
    },
  };
}
