import { isGrpcServiceError } from '@temporalio/client';

/**
 * gRPC status codes that mean "the Temporal frontend did not answer", not "it answered no":
 * UNAVAILABLE (14: no connection, connection refused or reset, the server going away) and
 * DEADLINE_EXCEEDED (4: no answer within the call's deadline).
 */
const UNAVAILABLE_CODES = new Set<number>([14, 4]);

/** How far a cause chain is followed (the client's ServiceError → the gRPC error is one step). */
const MAX_DEPTH = 5;

/**
 * Whether an error from a Temporal client call means Temporal could not be reached: the gRPC error
 * itself (`workflowService` calls) or the cause of the client's `ServiceError` ("Failed to start
 * Workflow"). Answers Temporal gave — not found, already started, a failed update — are not.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth <= MAX_DEPTH && e instanceof Error; depth++) {
    if (isGrpcServiceError(e)) return UNAVAILABLE_CODES.has(e.code);
    e = e.cause;
  }
  return false;
}
