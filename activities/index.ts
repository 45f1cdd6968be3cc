import { createDiagnosticsActivities, type DiagnosticsActivityDeps } from './diagnostics.activities';

/**
 * Every activity the worker hosts, built from injected dependencies (repositories, providers).
 * Workflows import this file as a type only: `proxyActivities<Activities>(...)`.
 */
export type ActivityDeps = DiagnosticsActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDiagnosticsActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
