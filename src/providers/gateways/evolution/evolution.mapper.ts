import type { SessionStatus } from '../../../domain/session-status';
import type { EvolutionCreateResponse } from './evolution.types';

/**
 * gateways.md §7: `open` → connected; `connecting` → generating_qr once a QR is on offer, else
 * connecting; `close` and `refused` (QR limit reached) → disconnected. Unknown → disconnected, logged.
 */
export function mapEvolutionState(raw: string, hasQr: boolean): { status: SessionStatus; known: boolean } {
  switch (String(raw).toLowerCase()) {
    case 'open':
      return { status: 'connected', known: true };
    case 'connecting':
      return { status: hasQr ? 'generating_qr' : 'connecting', known: true };
    case 'close':
    case 'refused':
      return { status: 'disconnected', known: true };
    default:
      return { status: 'disconnected', known: false };
  }
}

/** Older v2 releases answered `hash: {apikey}`, current ones `hash: "<token>"`. */
export function instanceToken(res: EvolutionCreateResponse): string | null {
  if (typeof res.hash === 'string') return res.hash;
  return res.hash?.apikey ?? null;
}
