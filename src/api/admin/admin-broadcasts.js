// Broadcasts panel: recent broadcasts, and one broadcast's progress (bar, counts by status, rate,
// ETA), its pause / resume / cancel (each enabled only when the status allows it; a 409 from a
// state that changed meanwhile is shown), its recipients page by page (admin-broadcast-recipients.js)
// and its workflow. The open broadcast is refreshed every 2 s while it is scheduled or running, and
// for a minute after it finishes (late delivery and read statuses); paused, it changes only by a
// command. The form that creates one: admin-broadcast-form.js.
import { $, ApiError, act, api, badge, el, fmtTime, onSignOut } from './admin-core.js';
import { wireBroadcastForm } from './admin-broadcast-form.js';
import {
  recipientsPath,
  renderRecipients,
  resetRecipients,
  wireRecipients,
} from './admin-broadcast-recipients.js';
import { onMessageCommand } from './admin-message-detail.js';
import { workflowIds, workflowLink } from './admin-links.js';

const STATUS_COLORS = {
  scheduled: 'info',
  running: 'warning',
  paused: 'gray',
  completed: 'success',
  cancelled: 'gray',
};
const COUNTS = ['queued', 'sent', 'delivered', 'read', 'failed', 'cancelled'];
/** Which commands each status allows (as the workflow's update validators decide). */
const ALLOWED = {
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['scheduled', 'running', 'paused'],
};
const SETTLE_MS = 60_000;

/** The open broadcast: its id and last view. */
let shown = null;

onSignOut(() => {
  shown = null;
  $('broadcast-detail').hidden = true;
});

const broadcastBadge = (s) => badge(s, STATUS_COLORS[s] || 'gray', s);

const emptyRow = (text) => el('tr', {}, el('td', { colspan: 7, className: 'muted', text }));

export async function refreshBroadcasts() {
  const body = $('broadcasts-body');
  let page;
  try {
    page = await api('GET', '/v1/broadcasts?limit=20');
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'route_not_found')) throw err;
    body.replaceChildren(emptyRow('Broadcasts are not available on this API'));
    return;
  }
  if (page.items.length === 0) {
    body.replaceChildren(emptyRow('No broadcasts yet'));
    return;
  }
  body.replaceChildren(
    ...page.items.map((b) =>
      el('tr', { 'data-broadcast-id': b.id, className: shown && shown.id === b.id ? 'selected' : '' }, [
        el('td', {}, [
          el('strong', { text: b.name || b.id }),
          b.name ? el('div', { className: 'muted', text: b.id }) : null,
        ]),
        el('td', { text: b.from }),
        el('td', { text: b.type }),
        el('td', {}, broadcastBadge(b.status)),
        el('td', { text: String(b.total) }),
        el('td', { text: fmtTime(b.createdAt) }),
        el('td', {}, [
          el('button', {
            type: 'button',
            className: 'btn btn-blue btn-small',
            text: 'Open',
            onclick: () => void act(() => openBroadcast(b.id)),
          }),
          workflowLink(workflowIds.broadcast(b.id)),
        ]),
      ]),
    ),
  );
}

export async function openBroadcast(id) {
  shown = { id, view: null };
  resetRecipients();
  await loadDetail(shown);
  for (const tr of document.querySelectorAll('#broadcasts-body tr'))
    tr.classList.toggle('selected', tr.getAttribute('data-broadcast-id') === id);
  $('broadcast-detail').hidden = false;
}

/** The 2 s loop: only while the broadcast can change on its own. */
export async function refreshBroadcastDetail() {
  if (!shown || !shown.view || !changing(shown.view)) return;
  await loadDetail(shown);
}

function changing(b) {
  if (b.status === 'scheduled' || b.status === 'running') return true;
  return Boolean(b.finishedAt) && Date.now() - Date.parse(b.finishedAt) < SETTLE_MS;
}

async function loadDetail(s) {
  const [b, page] = await Promise.all([
    api('GET', `/v1/broadcasts/${encodeURIComponent(s.id)}`),
    api('GET', recipientsPath(s.id)),
  ]);
  if (s !== shown) return;
  s.view = b;
  renderDetail(b);
  renderRecipients(page);
}

function renderDetail(b) {
  $('bc-detail-title').textContent = b.name ? `${b.name} (${b.id})` : b.id;
  const link = workflowLink(b.workflowId, 'Workflow ↗');
  $('bc-detail-link').replaceChildren(link || '');
  const badgeEl = $('bc-detail-badge');
  badgeEl.className = `badge badge-${STATUS_COLORS[b.status] || 'gray'}`;
  badgeEl.setAttribute('data-status', b.status);
  badgeEl.textContent = b.status;
  $('bc-detail-meta').textContent = [
    `${b.type} from ${b.from} (${b.provider})`,
    `priority ${b.priority}`,
    `created ${fmtTime(b.createdAt)}`,
    b.notBefore ? `not before ${fmtTime(b.notBefore)}` : null,
    b.startedAt ? `started ${fmtTime(b.startedAt)}` : null,
    b.pausedAt ? `paused ${fmtTime(b.pausedAt)}` : null,
    b.finishedAt ? `finished ${fmtTime(b.finishedAt)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const p = b.progress;
  const bar = $('bc-progress');
  bar.setAttribute('aria-valuenow', String(p.percent));
  bar.setAttribute('data-percent', String(p.percent));
  $('bc-progress-bar').style.width = `${p.percent}%`;
  $('bc-progress-text').textContent = `${p.done} of ${p.total} done (${p.percent}%)`;
  $('bc-counts-row').replaceChildren(
    ...COUNTS.map((c) => el('td', { 'data-count': c, text: String(b.counts[c]) })),
  );
  $('bc-rate').textContent =
    b.status === 'running'
      ? `${b.ratePerSec === null ? '—' : `${b.ratePerSec.toFixed(1)} messages/s`}${b.eta ? ` · done around ${fmtTime(b.eta)}` : ''}`
      : '';
  for (const button of document.querySelectorAll('[data-bc-action]')) {
    const action = button.getAttribute('data-bc-action');
    button.disabled = !ALLOWED[action].includes(b.status);
  }
}

async function command(action) {
  const s = shown;
  if (!s) return;
  try {
    const out = await api('POST', `/v1/broadcasts/${encodeURIComponent(s.id)}/${action}`);
    return `Broadcast ${s.id}: ${out.status}`;
  } finally {
    // Also after a 409: the page shows the state that refused the command.
    await loadDetail(s);
    await refreshBroadcasts();
  }
}

export function wireBroadcasts() {
  wireBroadcastForm(async (id) => {
    await refreshBroadcasts();
    await openBroadcast(id);
  });
  // A recipient retried from its detail: its row here follows.
  onMessageCommand(() => (shown ? loadDetail(shown) : undefined));
  for (const button of document.querySelectorAll('[data-bc-action]')) {
    const action = button.getAttribute('data-bc-action');
    let okText = '';
    button.addEventListener(
      'click',
      () =>
        void act(
          async () => {
            okText = await command(action);
          },
          () => okText,
        ),
    );
  }
  $('bc-refresh').addEventListener('click', () => void act(() => (shown ? loadDetail(shown) : undefined)));
  wireRecipients(() => (shown ? loadDetail(shown) : undefined));
  $('bc-close').addEventListener('click', () => {
    shown = null;
    $('broadcast-detail').hidden = true;
  });
}
