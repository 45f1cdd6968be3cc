// Sessions screen: the list with live status badges, the selected session with its QR view
// (seed 000: shown while the status allows a QR and one is on offer, refreshed by polling), and
// the start / disconnect / restart / delete commands.
import { $, ApiError, act, api, badge, el, fmtTime, onSignOut, opt, showError, val } from './admin-core.js';
import { workflowIds, workflowLink } from './admin-links.js';

let selectedId = null;
let lastQr = null;

onSignOut(() => {
  selectedId = null;
  lastQr = null;
  $('session-detail').hidden = true;
});

export async function refreshSessions() {
  const page = await api('GET', '/v1/sessions?limit=100');
  const rows = page.items;
  const body = $('sessions-body');
  if (rows.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No sessions yet' })));
  } else {
    body.replaceChildren(...rows.map(sessionRow));
  }
  $('from-options').replaceChildren(...rows.map((s) => el('option', { value: s.sessionId })));
}

function sessionRow(s) {
  const manage = el('button', {
    type: 'button',
    className: 'btn btn-blue btn-small',
    text: 'Manage',
    onclick: () => select(s.sessionId),
  });
  return el(
    'tr',
    { 'data-session-id': s.sessionId, className: s.sessionId === selectedId ? 'selected' : '' },
    [
      el('td', {}, [
        el('strong', { text: s.sessionId }),
        s.name ? el('div', { className: 'muted', text: s.name }) : null,
      ]),
      el('td', {}, badge(s.label, s.color, s.status)),
      el('td', { text: fmtTime(s.connectedAt) }),
      el('td', {}, [manage, workflowLink(workflowIds.session(s.sessionId))]),
    ],
  );
}

function select(id) {
  selectedId = id;
  lastQr = null;
  $('session-detail').hidden = false;
  $('detail-id').textContent = id;
  $('detail-link').replaceChildren(workflowLink(workflowIds.session(id)) || '');
  for (const tr of document.querySelectorAll('#sessions-body tr'))
    tr.classList.toggle('selected', tr.getAttribute('data-session-id') === id);
  void refreshDetail().catch(showError);
}

export async function refreshDetail() {
  if (!selectedId) return;
  const id = selectedId;
  let s;
  try {
    s = await api('GET', `/v1/sessions/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      selectedId = null;
      $('session-detail').hidden = true;
      return;
    }
    throw err;
  }
  if (id !== selectedId) return;
  const b = $('detail-badge');
  b.className = `badge badge-${s.color}`;
  b.setAttribute('data-status', s.status);
  b.textContent = s.label;
  $('detail-attempt').textContent = [
    `attempt ${s.attempt}`,
    s.gatewayKind,
    s.connectedAt ? `connected since ${fmtTime(s.connectedAt)}` : null,
    `last activity ${fmtTime(s.lastActivityAt)}`,
  ]
    .filter(Boolean)
    .join(' · ');
  $('detail-error').hidden = !s.error;
  $('detail-error').textContent = s.error ? `${s.error.code}: ${s.error.message}` : '';
  const showQr = s.canShowQrCode && !!s.qr;
  $('qr-view').hidden = !showQr;
  $('qr-empty').hidden = showQr || s.status === 'connected';
  $('qr-empty-text').textContent = s.canShowQrCode
    ? 'Waiting for the gateway to generate a QR code…'
    : 'Please start the session (Restart) to generate a QR code';
  // Only a new code replaces the image (no flicker on every poll).
  if (showQr && s.qr !== lastQr) {
    lastQr = s.qr;
    $('qr-image').src = s.qr;
  }
  $('qr-session-name').textContent = `Session: ${s.name || s.sessionId}`;
  document.querySelector('[data-detail-action="disconnect"]').disabled = !s.isActive;
}

async function sessionCommand(action) {
  const id = selectedId;
  if (!id) return;
  const path = `/v1/sessions/${encodeURIComponent(id)}`;
  if (action === 'delete') await api('DELETE', path);
  else await api('POST', `${path}/${action}`);
  await refreshSessions();
  await refreshDetail();
}

export function wireSessions() {
  $('create-session-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const sessionId = val('new-session-id');
    void act(async () => {
      await api('POST', '/v1/sessions', { sessionId, name: opt(val('new-session-name')) });
      $('create-session-form').reset();
      await refreshSessions();
      select(sessionId);
    }, `Session ${sessionId} is starting`);
  });
  for (const b of document.querySelectorAll('[data-detail-action]')) {
    const action = b.getAttribute('data-detail-action');
    b.addEventListener('click', () => {
      // Delete asks twice: a second click within 4 s confirms.
      if (action === 'delete' && b.getAttribute('data-armed') !== 'true') {
        b.setAttribute('data-armed', 'true');
        b.textContent = 'Confirm delete';
        setTimeout(() => {
          b.removeAttribute('data-armed');
          b.textContent = 'Delete';
        }, 4000);
        return;
      }
      const id = selectedId;
      void act(() => sessionCommand(action), `Session ${id}: ${action} done`);
    });
  }
  $('qr-refresh').addEventListener('click', () => void act(refreshDetail));
}
