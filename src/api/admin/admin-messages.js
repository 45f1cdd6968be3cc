// Messages screen: the last sent message's live status, and recent messages with status, error,
// retry count, the retry / cancel commands, their detail (admin-message-detail.js) and workflow.
import { $, act, api, badge, el, fmtTime, onSignOut } from './admin-core.js';
import { openMessage } from './admin-message-detail.js';
import { messageWorkflowId, workflowLink } from './admin-links.js';

// Seed 000's message status colours (queued warning, sent success, failed danger, cancelled gray).
const MESSAGE_COLORS = {
  queued: 'warning',
  sent: 'success',
  delivered: 'success',
  read: 'success',
  failed: 'danger',
  cancelled: 'gray',
};
const FINAL = ['read', 'failed', 'cancelled'];

let tracked = null;

onSignOut(() => {
  tracked = null;
  $('sent-tracker').hidden = true;
});

export const statusBadge = (status) => badge(status, MESSAGE_COLORS[status] || 'gray', status);
const errorText = (e) => (e ? `${e.code ? `${e.code}: ` : ''}${e.message}` : '');

/** Follows one message's status on the page until it is final. */
export function track(m) {
  tracked = { id: m.id, final: false };
  $('sent-tracker').hidden = false;
  $('sent-id').textContent = m.id;
  renderTracked(m);
}

function renderTracked(m) {
  if (!tracked || m.id !== tracked.id) return;
  tracked.final = FINAL.includes(m.status);
  $('sent-status').replaceWith(Object.assign(statusBadge(m.status), { id: 'sent-status' }));
  $('sent-error').textContent = errorText(m.error);
}

export async function refreshTracked() {
  if (!tracked || tracked.final) return;
  renderTracked(await api('GET', `/v1/messages/${encodeURIComponent(tracked.id)}`));
}

export async function refreshMessages() {
  const page = await api('GET', '/v1/messages?limit=20');
  const items = page.items;
  const body = $('messages-body');
  if (items.length === 0) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 9, className: 'muted', text: 'No messages yet' })));
    return;
  }
  body.replaceChildren(...items.map(messageRow));
}

function messageRow(m) {
  const button = (text, color, action, done) =>
    el('button', {
      type: 'button',
      className: `btn ${color} btn-small`,
      text,
      onclick: () => act(() => messageCommand(m.id, action), done),
    });
  return el('tr', { 'data-message-id': m.id }, [
    el('td', {}, el('code', { text: m.id })),
    el('td', { text: `${m.from} → ${m.to}` }),
    el('td', { text: m.type }),
    el('td', {}, statusBadge(m.status)),
    el('td', { className: 'error-text', text: errorText(m.error) }),
    el('td', { text: m.retryCount }),
    el('td', { text: fmtTime(m.createdAt) }),
    el('td', {}, [
      el('button', {
        type: 'button',
        className: 'btn btn-gray btn-small',
        text: 'Details',
        onclick: () => act(() => openMessage(m.id)),
      }),
      m.status === 'failed' ? button('Retry', 'btn-blue', 'retry', `Retry of ${m.id} accepted`) : null,
      m.status === 'queued' ? button('Cancel', 'btn-gray', 'cancel', `${m.id} cancelled`) : null,
    ]),
    el('td', {}, workflowLink(messageWorkflowId(m))),
  ]);
}

async function messageCommand(id, action) {
  const out = await api('POST', `/v1/messages/${encodeURIComponent(id)}/${action}`);
  track({ id, status: out.status, error: null });
  await refreshMessages();
}
