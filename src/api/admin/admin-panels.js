// Side panels: the latest session health sweep, and the statistics and onboarding panels, which
// say "Not available yet" until their routes (another issue) exist.
import { $, ApiError, act, api, el, fmtTime, kv, val } from './admin-core.js';

const notYet = (err) => err instanceof ApiError && err.code === 'route_not_found';

export async function refreshHealth() {
  const box = $('health-body');
  let view;
  try {
    view = await api('GET', '/v1/health/sessions');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (notYet(err)) box.textContent = 'Not available yet';
    else if (err.code === 'no_health_sweep') box.textContent = 'No session health sweep has finished yet.';
    else box.textContent = `${err.code}: ${err.message}`;
    return;
  }
  box.className = '';
  const head = ['Session', 'Outcome', 'Recorded', 'Gateway', 'Action', 'Error'].map((h) =>
    el('th', { text: h }),
  );
  const rows = (view.sessions || []).map((s) =>
    el('tr', {}, [
      el('td', { text: s.sessionId }),
      el('td', { text: s.outcome }),
      el('td', { text: s.recordedStatus }),
      el('td', { text: s.gatewayStatus || '—' }),
      el('td', { text: s.action }),
      el('td', { className: 'error-text', text: s.error ? s.error.message || JSON.stringify(s.error) : '' }),
    ]),
  );
  box.replaceChildren(
    kv({
      ...view,
      sessions: undefined,
      startedAt: fmtTime(view.startedAt),
      finishedAt: fmtTime(view.finishedAt),
    }),
    el(
      'div',
      { className: 'table-wrap' },
      el('table', { className: 'table' }, [el('thead', {}, el('tr', {}, head)), el('tbody', {}, rows)]),
    ),
  );
}

export async function probeStats() {
  const box = $('stats-body');
  try {
    const stats = await api('GET', '/v1/stats');
    box.className = '';
    box.replaceChildren(kv(stats), el('pre', { text: JSON.stringify(stats, null, 2) }));
  } catch (err) {
    box.textContent = notYet(err) ? 'Not available yet' : `${err.code || 'error'}: ${err.message}`;
  }
}

// A lookup of a made-up id tells whether the route exists (route_not_found) or not (any other answer).
export async function probeOnboarding() {
  const box = $('onboarding-body');
  try {
    await api('GET', '/v1/onboardings/admin-probe');
  } catch (err) {
    if (notYet(err)) {
      box.textContent = 'Not available yet';
      $('onboarding-form').hidden = true;
      return;
    }
  }
  box.textContent = 'Look up an onboarding by its id.';
  $('onboarding-form').hidden = false;
}

async function showOnboarding() {
  const o = await api('GET', `/v1/onboardings/${encodeURIComponent(val('onboarding-id'))}`);
  const box = $('onboarding-body');
  box.className = '';
  box.replaceChildren(kv(o), el('pre', { text: JSON.stringify(o, null, 2) }));
}

export function wirePanels() {
  $('health-refresh').addEventListener('click', () => void act(refreshHealth));
  $('onboarding-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(showOnboarding);
  });
}
