/**
 * Official-sender credential checks of the session health sweep (issue 8).
 *
 * valid    — Meta says the token is valid and it does not expire within the warning window;
 * expiring — valid, but `expires_at` falls within the window (7 days by default): renew it;
 * expired  — `expires_at` has passed (Meta may still answer is_valid true for a moment);
 * invalid  — Meta says the token is not valid (revoked, malformed, wrong app);
 * failed   — the check itself failed (Meta unreachable, 5xx): nothing is known this sweep.
 */
export const CREDENTIAL_STATUSES = ['valid', 'expiring', 'expired', 'invalid', 'failed'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

export const EXPIRY_WARNING_MS = 7 * 24 * 60 * 60 * 1000;

export interface CredentialHealthOutcome {
  tenantId: string;
  senderId: string;
  provider: string;
  status: CredentialStatus;
  /** When the token expires (ISO); null when it never does or nothing is known. */
  expiresAt: string | null;
  error: string | null;
  checkedAt: string;
}

/** What Meta's debug_token said about a token; `expiresAt` in epoch seconds, 0 = never. */
export function classifyToken(
  info: { isValid: boolean; expiresAt: number; expired?: boolean },
  now: Date,
  warnMs = EXPIRY_WARNING_MS,
): CredentialStatus {
  if (info.expired) return 'expired';
  const expiresMs = info.expiresAt * 1000;
  if (info.expiresAt > 0 && expiresMs <= now.getTime()) return 'expired';
  if (!info.isValid) return 'invalid';
  if (info.expiresAt > 0 && expiresMs - now.getTime() <= warnMs) return 'expiring';
  return 'valid';
}

/** The credential gauge's value: usable (1), not usable (0), unknown (null → -1). */
export function credentialUsable(status: CredentialStatus | null | undefined): boolean | null {
  if (status === 'valid' || status === 'expiring') return true;
  if (status === 'expired' || status === 'invalid') return false;
  return null;
}

/** For the sweep's counts: a flagged credential counts as drift, like a dropped session. */
export function credentialOutcome(status: CredentialStatus): 'healthy' | 'drifted' | 'failed' {
  if (status === 'valid') return 'healthy';
  if (status === 'failed') return 'failed';
  return 'drifted';
}
