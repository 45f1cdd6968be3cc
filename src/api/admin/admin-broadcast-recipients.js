// A broadcast's recipients in its detail: GET /v1/messages?broadcastId= (newest first), 20 a page,
// optionally one status only; each row opens the message's detail (timeline, error, retry).
import { $, act, el, fmtTime } from './admin-core.js';
import { explainError } from './admin-errors.js';
import { openMessage } from './admin-message-detail.js';
import { statusBadge } from './admin-messages.js';

const PAGE = 20;

/** The page on screen: `cursors` are the pages before it (for "Previous"). */
const pager = { status: '', cursor: null, cursors: [], nextCursor: null };

/** Back to the first page of every status (another broadcast opened). */
export function resetRecipients() {
  Object.assign(pager, { status: '', cursor: null, cursors: [], nextCursor: null });
  $('bc-recipient-status').value = '';
}

export function recipientsPath(broadcastId) {
  const query = new URLSearchParams({ broadcastId, limit: String(PAGE) });
  if (pager.status) query.set('status', pager.status);
  if (pager.cursor) query.set('cursor', pager.cursor);
  return `/v1/messages?${query}`;
}

export function renderRecipients(page) {
  pager.nextCursor = page.nextCursor;
  const body = $('bc-recipients-body');
  if (page.items.length === 0)
    body.replaceChildren(
      el('tr', {}, el('td', { colspan: 6, className: 'muted', text: 'No recipients on this page yet' })),
    );
  else body.replaceChildren(...page.items.map(recipientRow));
  $('bc-prev').disabled = pager.cursors.length === 0;
  $('bc-next').disabled = !pager.nextCursor;
  $('bc-page').textContent = `page ${pager.cursors.length + 1}`;
}

function recipientRow(m) {
  const e = m.error;
  const why = e ? explainError(m.provider, e.code) : null;
  const last = m.readAt || m.deliveredAt || m.sentAt || m.failedAt || m.cancelledAt;
  return el('tr', { 'data-message-id': m.id }, [
    el('td', { text: m.recipientName ? `${m.recipientName} (${m.to})` : m.to }),
    el('td', {}, statusBadge(m.status)),
    el('td', { text: last ? fmtTime(last) : '—' }),
    el('td', {
      className: 'error-text',
      title: why || '',
      text: e ? `${e.code ? `${e.code}: ` : ''}${e.message}` : '',
    }),
    el('td', { text: String(m.retryCount) }),
    el(
      'td',
      {},
      el('button', {
        type: 'button',
        className: 'btn btn-gray btn-small',
        text: 'Details',
        onclick: () => void act(() => openMessage(m.id)),
      }),
    ),
  ]);
}

/** `reload()`: loads the open broadcast with the page the pager now names. */
export function wireRecipients(reload) {
  const go = (change) => {
    change();
    void act(reload);
  };
  $('bc-recipient-status').addEventListener('change', () =>
    go(() => Object.assign(pager, { status: $('bc-recipient-status').value, cursor: null, cursors: [] })),
  );
  $('bc-next').addEventListener('click', () => {
    if (!pager.nextCursor) return;
    go(() => {
      pager.cursors.push(pager.cursor);
      pager.cursor = pager.nextCursor;
    });
  });
  $('bc-prev').addEventListener('click', () => {
    if (pager.cursors.length === 0) return;
    go(() => (pager.cursor = pager.cursors.pop()));
  });
}
