import type { DiagnosticPing, DiagnosticPingRepository } from '../src/db/repositories/diagnostic-ping.repository';

export interface DiagnosticsActivityDeps {
  pings: DiagnosticPingRepository;
}

export function createDiagnosticsActivities(deps: DiagnosticsActivityDeps) {
  return {
    async recordPing(input: { tenantId: string; pingId: string; workflowId: string }): Promise<DiagnosticPing> {
      return deps.pings.record(input);
    },
  };
}
