// Inbound panel: the latest inbound messages (GET /v1/inbound), each opening its conversation, and
// the senders (official numbers and sessions) offered in the conversation panel's and the broadcast
// form's sender fields.
import { $, ApiError, act, api, el, fmtTime } from './admin-core.js';
import { openConversation } from './admin-conversations.js';

const PAGE = 20;
const MAX = 100;

/** A list this API key's app may not serve (a feature left out): shown as empty. */
async function itemsOf(path) {
  try {
    return (await api('GET', path)).items;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'route_not_found') return [];
    throw err;
  }
}

export async function refreshInbound() {
  const items = await itemsOf(`/v1/inbound?limit=${PAGE}`);
  const body = $('inbound-body');
  if (items.length === 0) {
    body.replaceChildren(
      el('tr', {}, el('td', { colspan: 6, className: 'muted', text: 'No inbound messages yet' })),
    );
    return;
  }
  body.replaceChildren(...items.map(inboundRow));
}

function inboundRow(m) {
  return el('tr', { 'data-inbound-id': m.id }, [
    el('td', { text: fmtTime(m.receivedAt) }),
    el('td', { text: m.contactName ? `${m.contactName} (${m.contact})` : m.contact }),
    el('td', { text: m.senderId }),
    el('td', { text: m.type }),
    el('td', { text: m.text || '' }),
    el(
      'td',
      {},
      el('button', {
        type: 'button',
        className: 'btn btn-blue btn-small',
        text: 'Conversation',
        onclick: () => void act(() => openConversation(m.senderId, m.contact)),
      }),
    ),
  ]);
}

/** Official senders and sessions, offered in the conversation's and the broadcast's sender field. */
export async function refreshSenderOptions() {
  const [senders, sessions] = await Promise.all([
    itemsOf(`/v1/senders?limit=${MAX}`),
    itemsOf(`/v1/sessions?limit=${MAX}`),
  ]);
  $('conv-sender-options').replaceChildren(
    ...senders.map((s) => el('option', { value: s.id, label: `${s.provider} ${s.displayPhoneNumber}` })),
    ...sessions.map((s) => el('option', { value: s.sessionId, label: 'WhatsApp Web session' })),
  );
}
