// Side panels: the latest session health sweep. Statistics: admin-stats.js; onboardings:
// admin-onboarding.js.
import { $, ApiError, act, api, el, fmtTime, kv } from './admin-core.js';

const notYet = (err) => err instanceof ApiError && err.code === 'route_not_found';

export async function refreshHealth() {
  const box = $('health-body');
  let view;
  try {
    view = await api('GET', '/v1/health/sessions');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (notYet(err)) box.textContent = 'Not available yet';
    else box.textContent = `${err.code}: ${err.message}`;
    return;
  }
  if (view.sweepId === null) {
    box.textContent = 'No session health sweep has finished yet.';
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

export function wirePanels() {
  $('health-refresh').addEventListener('click', () => void act(refreshHealth));
}
