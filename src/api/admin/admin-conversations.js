// Conversation panel: one sender's thread with one contact (GET /v1/conversations/…), both
// directions, newest first, with a reply box that sends a text through POST /v1/messages. While an
// official sender's 24-hour customer-service window is closed the box is disabled and says why; a
// template can still go, from the send form (filled in by "Send a template…").
import { $, act, api, el, fmtTime, idempotencyKey, onSignOut, showOk, val } from './admin-core.js';
import { statusBadge, track } from './admin-messages.js';
import { messageWorkflowId, workflowLink } from './admin-links.js';

const PAGE = 20;
const MAX = 100;

/** The conversation on screen: `limit` grows by a page with each "Show older". */
let shown = null;

onSignOut(() => {
  shown = null;
  $('conversation').hidden = true;
});

const conversationPath = (c) =>
  `/v1/conversations/${encodeURIComponent(c.senderId)}/${encodeURIComponent(c.contact)}?limit=${c.limit}`;

/** Shows a conversation once the API has answered for it (a sender it does not know stays closed). */
export async function openConversation(senderId, contact) {
  shown = null;
  $('conversation').hidden = true;
  $('conv-sender').value = senderId;
  $('conv-contact').value = contact;
  const c = { senderId, contact, limit: PAGE };
  const page = await api('GET', conversationPath(c));
  // The contact as the API normalised it: the reply goes to that number.
  shown = { ...c, contact: page.contact };
  $('reply-body').value = '';
  render(shown, page);
  $('conversation').hidden = false;
}

export async function refreshConversation() {
  if (!shown) return;
  const c = shown;
  const page = await api('GET', conversationPath(c));
  if (c === shown) render(c, page);
}

function render(c, page) {
  $('conv-title').textContent = `${page.senderId} ↔ ${page.contact}`;
  renderWindow(page);
  const thread = $('conv-thread');
  if (page.items.length === 0)
    thread.replaceChildren(el('li', { className: 'muted', text: 'No messages yet' }));
  else thread.replaceChildren(...page.items.map(threadItem));
  $('conv-older').hidden = !page.nextCursor || c.limit >= MAX;
}

function renderWindow(page) {
  const w = page.window;
  const closed = w !== null && !w.open;
  const note = $('conv-window');
  note.setAttribute('data-window', w === null ? 'none' : w.open ? 'open' : 'closed');
  note.className = closed ? 'window-note error-text' : 'window-note muted';
  if (w === null) note.textContent = 'WhatsApp Web session: no customer-service window applies.';
  else if (w.open) note.textContent = `Customer-service window open until ${fmtTime(w.closesAt)}.`;
  else if (w.lastInboundAt)
    note.textContent = `The 24-hour customer-service window closed at ${fmtTime(w.closesAt)} (last message from ${page.contact}: ${fmtTime(w.lastInboundAt)}).`;
  else
    note.textContent = `${page.contact} has not written to ${page.senderId}: no customer-service window is open.`;
  $('reply-body').disabled = closed;
  $('reply-send').disabled = closed;
  $('reply-closed').hidden = !closed;
}

/** The text of a message: an inbound message's own, else the content's body, caption or name. */
function textOf(m) {
  if (m.direction === 'inbound') return m.text || `[${m.type}]`;
  const c = m.content && m.content[m.type];
  return (c && (c.body || c.caption || c.name)) || `[${m.type}]`;
}

function threadItem(m) {
  const out = m.direction === 'outbound';
  const who = out ? m.from : m.contactName || m.contact;
  return el('li', { className: `msg msg-${m.direction}`, 'data-direction': m.direction, 'data-id': m.id }, [
    el('div', { className: 'msg-meta muted' }, [
      el('span', { text: `${who} · ${fmtTime(m.at)} ` }),
      out ? statusBadge(m.status) : null,
      out ? workflowLink(messageWorkflowId(m)) : null,
    ]),
    el('div', { className: 'msg-text', text: textOf(m) }),
    out && m.error ? el('div', { className: 'error-text', text: m.error.message }) : null,
  ]);
}

async function reply() {
  if (!shown) return;
  const body = {
    from: shown.senderId,
    to: shown.contact,
    type: 'text',
    text: { body: $('reply-body').value },
  };
  const out = await api('POST', '/v1/messages', body, { 'Idempotency-Key': idempotencyKey() });
  $('reply-body').value = '';
  track({ id: out.id, status: out.status, error: null });
  showOk(`Reply ${out.id} accepted (${out.status})`);
  await refreshConversation();
}

/** Outside the window only a template goes: the send form, filled in for this conversation. */
function templateInstead() {
  if (!shown) return;
  $('send-from').value = shown.senderId;
  $('send-to').value = shown.contact;
  $('send-type').value = 'template';
  $('send-type').dispatchEvent(new Event('change'));
  $('send-panel').scrollIntoView();
  $('tpl-name').focus();
}

export function wireConversations() {
  $('conversation-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(() => openConversation(val('conv-sender'), val('conv-contact')));
  });
  $('reply-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(reply);
  });
  $('reply-template').addEventListener('click', templateInstead);
  $('conv-older').addEventListener('click', () => {
    if (!shown) return;
    shown.limit = Math.min(MAX, shown.limit + PAGE);
    void act(refreshConversation);
  });
}
