// Senders panel: the tenant's official numbers (GET /v1/senders), each with its credential health
// from the latest sweep (GET /v1/health/sessions, `credentials`), its send rate and the messages
// waiting for a token (GET /v1/senders/:id/rate), and the onboarding that added it.
import { $, ApiError, act, api, badge, el, fmtTime } from './admin-core.js';
import { workflowIds, workflowLink } from './admin-links.js';

const MAX = 100;
const CREDENTIAL_COLORS = {
  valid: 'success',
  expiring: 'warning',
  expired: 'danger',
  invalid: 'danger',
  failed: 'gray',
};

const missing = (err) => err instanceof ApiError && (err.code === 'route_not_found' || err.status === 404);

/** A read this app may not serve (a feature left out, a sender gone): null instead of an error. */
async function optional(path) {
  try {
    return await api('GET', path);
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}

function credentialCell(c) {
  if (!c) return el('td', { 'data-credentials': 'unknown', className: 'muted', text: 'not checked yet' });
  const parts = [
    badge(c.status, CREDENTIAL_COLORS[c.status] || 'gray', c.status),
    el('div', {
      className: 'muted',
      text: [c.expiresAt ? `expires ${fmtTime(c.expiresAt)}` : null, `checked ${fmtTime(c.checkedAt)}`]
        .filter(Boolean)
        .join(' · '),
    }),
    c.error ? el('div', { className: 'error-text', text: c.error }) : null,
  ];
  return el('td', { 'data-credentials': c.status }, parts);
}

function rateCell(r) {
  if (!r) return el('td', { className: 'muted', text: '—' });
  const w = r.waiting;
  return el('td', { 'data-rate': String(r.ratePerSecond) }, [
    el('div', {
      text: `${r.ratePerSecond}/s, burst ${r.burst} (${r.source === 'sender' ? 'own' : 'provider default'})`,
    }),
    el('div', {
      className: 'muted',
      'data-waiting': String(w.high + w.normal + w.low),
      text: `waiting: ${w.high} high · ${w.normal} normal · ${w.low} low`,
    }),
  ]);
}

export async function refreshSenders() {
  const box = $('senders-body');
  const [list, health] = await Promise.all([
    optional(`/v1/senders?limit=${MAX}`),
    optional('/v1/health/sessions'),
  ]);
  if (!list) {
    box.textContent = 'Not available on this API';
    return;
  }
  box.className = '';
  if (list.items.length === 0) {
    box.replaceChildren(el('p', { className: 'muted', text: 'No official senders yet.' }));
    return;
  }
  const creds = new Map(((health && health.credentials) || []).map((c) => [c.senderId, c]));
  const rates = await Promise.all(
    list.items.map((s) => optional(`/v1/senders/${encodeURIComponent(s.id)}/rate`)),
  );
  const head = ['Sender', 'Provider', 'Number', 'Credentials', 'Send rate', 'Onboarding', 'Added'].map((h) =>
    el('th', { text: h }),
  );
  const rows = list.items.map((s, i) =>
    el('tr', { 'data-sender-id': s.id }, [
      el('td', {}, el('strong', { text: s.id })),
      el('td', { text: s.provider }),
      el('td', { text: s.displayPhoneNumber }),
      credentialCell(creds.get(s.id)),
      rateCell(rates[i]),
      el(
        'td',
        {},
        s.onboardingId
          ? workflowLink(workflowIds.onboarding(s.onboardingId), s.onboardingId) || s.onboardingId
          : '—',
      ),
      el('td', { text: fmtTime(s.createdAt) }),
    ]),
  );
  box.replaceChildren(
    health && health.sweepId === null
      ? el('p', { className: 'hint', text: 'No health sweep has finished yet: credentials not checked.' })
      : '',
    el(
      'div',
      { className: 'table-wrap' },
      el('table', { className: 'table', id: 'senders-table' }, [
        el('thead', {}, el('tr', {}, head)),
        el('tbody', {}, rows),
      ]),
    ),
  );
}

export function wireSenders() {
  $('senders-refresh').addEventListener('click', () => void act(refreshSenders));
}
