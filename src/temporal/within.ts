import { DomainError } from '../domain/errors';

/**
 * Waits for a workflow answer (a result, an update) at most `ms`. An answer that needs a worker
 * never comes while no worker polls, so the caller gets 503 `worker_unavailable` instead of a hang;
 * the request itself stays durable in Temporal and completes when a worker returns.
 */
export async function withinWorkerTimeout<T>(
  answer: Promise<T>,
  ms: number,
  message: string,
  details?: Record<string, unknown>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DomainError('unavailable', 'worker_unavailable', message, details)),
      ms,
    );
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
