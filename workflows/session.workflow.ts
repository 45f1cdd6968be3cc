import { SessionEntity } from './session-entity';
import type { SessionView, SessionWorkflowInput } from './session.definitions';

/**
 * One WhatsApp Web session, for as long as it exists (see SessionEntity in session-entity.ts for
 * its phases, commands and the order of its activities and timers).
 */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionView> {
  return new SessionEntity(input).run();
}
