// One message in detail (GET /v1/messages/:id): its timeline queued → sent → delivered → read with
// the time of each step (or where it failed or was cancelled), the provider's error with a short
// explanation of the common codes, retry and cancel, and its workflow in the Temporal Web UI.
// Refreshed every 2 s until its status is final.
import { $, act, api, badge, el, fmtTime, onSignOut } from './admin-core.js';
import { explainError } from './admin-errors.js';
import { messageWorkflowId, workflowIds, workflowLink } from './admin-links.js';

const STEPS = [
  ['queued', 'createdAt'],
  ['sent', 'sentAt'],
  ['delivered', 'deliveredAt'],
  ['read', 'readAt'],
];
const FINAL = ['read', 'failed', 'cancelled'];
const listeners = [];

/**
 * The message on screen and whether it can still change on its own. `retriedFrom`: the failure a
 * retry from here answered; until the record moves on from it, the message is not final.
 */
let shown = null;

onSignOut(() => {
  shown = null;
  $('message-detail').hidden = true;
});

/** Called after a retry or cancel from here (the lists refresh). */
export const onMessageCommand = (fn) => listeners.push(fn);

export async function openMessage(id) {
  shown = { id, final: false, retriedFrom: null, view: null };
  const m = await api('GET', `/v1/messages/${encodeURIComponent(id)}`);
  if (!shown || shown.id !== id) return;
  render(m);
  $('message-detail').hidden = false;
  $('message-detail').scrollIntoView({ block: 'nearest' });
}

export async function refreshMessageDetail() {
  if (!shown || shown.final) return;
  const id = shown.id;
  const m = await api('GET', `/v1/messages/${encodeURIComponent(id)}`);
  if (shown && shown.id === id) render(m);
}

/** The steps reached, each with its time; a failure or cancellation ends the line where it happened. */
function timeline(m) {
  const items = [];
  for (const [step, field] of STEPS) {
    const at = m[field];
    if (step !== 'queued' && !at) continue;
    items.push({ step, at, className: 'done' });
  }
  // A failure a retry has answered stays on the line, after queued.
  if (m.status !== 'failed' && m.failedAt)
    items.splice(1, 0, {
      step: 'failed-retried',
      at: m.failedAt,
      className: 'retried',
      label: 'failed, retried',
    });
  if (m.status === 'failed') items.push({ step: 'failed', at: m.failedAt, className: 'failed' });
  else if (m.status === 'cancelled')
    items.push({ step: 'cancelled', at: m.cancelledAt, className: 'cancelled' });
  else
    for (const [step] of STEPS.slice(items.filter((s) => s.className === 'done').length))
      items.push({ step, at: null, className: 'pending', pending: true });
  return items.map((s) =>
    el('li', { className: `tl-${s.className}`, 'data-step': s.step, 'data-at': s.at || '' }, [
      el('span', { className: 'tl-step', text: s.label || s.step }),
      el('span', { className: 'tl-time muted', text: s.pending ? 'not yet' : fmtTime(s.at) }),
    ]),
  );
}

function render(m) {
  const retrying = shown.retriedFrom !== null && m.status === 'failed' && m.failedAt === shown.retriedFrom;
  if (!retrying) shown.retriedFrom = null;
  shown.view = m;
  shown.final = FINAL.includes(m.status) && !retrying;
  $('md-id').textContent = m.id;
  const links = [
    workflowLink(messageWorkflowId(m), m.broadcastId ? 'Broadcast workflow ↗' : 'Workflow ↗'),
    // A recipient that failed and moved on was retried: by a message workflow of its own.
    m.broadcastId && m.failedAt && m.status !== 'failed'
      ? workflowLink(workflowIds.message(m.id), 'Retry run ↗')
      : null,
  ];
  $('md-links').replaceChildren(...links.filter(Boolean));
  const colors = { failed: 'danger', cancelled: 'gray', queued: 'warning' };
  $('md-summary').replaceChildren(
    badge(m.status, colors[m.status] || 'success', m.status),
    el('span', {
      className: 'muted',
      text: ` ${m.from} → ${m.to} · ${m.type} · ${m.provider}${m.retryCount ? ` · retry count ${m.retryCount}` : ''}${
        m.broadcastId ? ` · broadcast ${m.broadcastId}` : ''
      }`,
    }),
  );
  $('md-timeline').replaceChildren(...timeline(m));
  const e = m.error;
  $('md-error').hidden = !e;
  if (e) {
    $('md-error-text').textContent = `${e.code ? `${e.code}: ` : ''}${e.message}`;
    const why = explainError(m.provider, e.code);
    $('md-error-explain').hidden = !why;
    $('md-error-explain').textContent = why || '';
  }
  const r = m.retrying;
  $('md-retrying').hidden = !r;
  $('md-retrying').textContent = r
    ? `Retrying after ${r.rounds} failed round(s) (${r.lastError.code || 'error'}: ${r.lastError.message}); next attempt ${fmtTime(r.nextAttemptAt)}. ${explainError(m.provider, r.lastError.code) || ''}`
    : '';
  const retry = $('md-retry');
  retry.disabled = !m.retryable;
  retry.title =
    m.status === 'failed' && !m.retryable ? 'The error is permanent: fix its cause and send again' : '';
  const cancel = $('md-cancel');
  cancel.disabled = m.status !== 'queued' || Boolean(m.broadcastId);
  cancel.title = m.broadcastId && m.status === 'queued' ? 'A broadcast recipient: cancel the broadcast' : '';
}

async function command(action) {
  if (!shown) return;
  const id = shown.id;
  const failedAt = shown.view ? shown.view.failedAt : null;
  await api('POST', `/v1/messages/${encodeURIComponent(id)}/${action}`);
  if (action === 'retry' && shown && shown.id === id) shown.retriedFrom = failedAt;
  if (shown && shown.id === id) shown.final = false;
  await refreshMessageDetail();
  for (const fn of listeners) await fn(id, action);
}

export function wireMessageDetail() {
  $('md-retry').addEventListener('click', () => void act(() => command('retry'), 'Retry accepted'));
  $('md-cancel').addEventListener('click', () => void act(() => command('cancel'), 'Message cancelled'));
  $('md-close').addEventListener('click', () => {
    shown = null;
    $('message-detail').hidden = true;
  });
}
