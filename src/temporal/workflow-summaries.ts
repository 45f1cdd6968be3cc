/**
 * Static summaries and details shown by the Temporal Web UI for the workflows we start (issue 8):
 * what a workflow is about at a glance. Never message content, metadata or secrets; phone numbers
 * keep only their first two and last four digits.
 */

/** `+49…5678`: enough to tell numbers apart in a list, not enough to dial. */
export function maskPhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 8) return '…';
  return `+${digits.slice(0, 2)}…${digits.slice(-4)}`;
}

export function messageSummary(m: {
  tenantId: string;
  messageId: string;
  senderId: string;
  provider: string;
  sessionId: string | null;
  priority: string;
  to: string;
  content: { type: string };
  retry: boolean;
}): { staticSummary: string; staticDetails: string } {
  return {
    staticSummary: `${m.content.type} to ${maskPhone(m.to)} from ${m.senderId} (${m.provider})${m.retry ? ' — retry' : ''}`,
    staticDetails: [
      `**Message** \`${m.messageId}\` of tenant \`${m.tenantId}\``,
      `Sender \`${m.senderId}\` via ${m.provider}${m.sessionId ? ` (session \`${m.sessionId}\`)` : ''}`,
      `Priority ${m.priority}`,
    ].join('\n\n'),
  };
}

export function inboundSummary(i: {
  tenantId: string;
  senderId: string;
  provider: string;
  type: string;
  from: string;
  providerMessageId: string;
}): { staticSummary: string; staticDetails: string } {
  const to = i.provider === 'meta' ? 'sender' : 'session';
  return {
    staticSummary: `Inbound ${i.type} from ${maskPhone(i.from)} to ${to} ${i.senderId} (${i.provider})`,
    staticDetails: `Tenant \`${i.tenantId}\`, provider message id \`${i.providerMessageId}\``,
  };
}

export function onboardingSummary(o: {
  tenantId: string;
  onboardingId: string;
  provider: string;
  senderId: string;
  steps: readonly string[];
}): { staticSummary: string; staticDetails: string } {
  return {
    staticSummary: `Onboarding of sender ${o.senderId} through ${o.provider}`,
    staticDetails: [
      `**Onboarding** \`${o.onboardingId}\` of tenant \`${o.tenantId}\``,
      `Steps: ${o.steps.join(' → ')}; on failure the completed ones are undone in reverse.`,
    ].join('\n\n'),
  };
}
