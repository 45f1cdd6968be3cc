// Send screen: one form for every message type; builds `{from, to, type, <type>: {...}}` for
// POST /v1/messages and leaves all validation to the API (its field errors are shown).
import { $, act, api, idempotencyKey, opt, showOk, val } from './admin-core.js';
import { refreshMessages, track } from './admin-messages.js';

const lines = (id) =>
  val(id)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function contentOf(type) {
  switch (type) {
    case 'text':
      return { body: $('text-body').value };
    case 'image':
    case 'video':
      return { link: val('media-link'), caption: opt(val('media-caption')) };
    case 'audio':
      return { link: val('media-link') };
    case 'document':
      return {
        link: val('media-link'),
        caption: opt(val('media-caption')),
        filename: opt(val('media-filename')),
      };
    case 'location':
      return {
        latitude: val('loc-lat'),
        longitude: val('loc-lng'),
        name: opt(val('loc-name')),
        address: opt(val('loc-address')),
      };
    case 'template': {
      const params = lines('tpl-params');
      return {
        name: val('tpl-name'),
        language: val('tpl-language'),
        components:
          params.length > 0
            ? [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }]
            : undefined,
      };
    }
    case 'interactive_buttons':
      return {
        body: val('int-body'),
        footer: opt(val('int-footer')),
        buttons: lines('btn-lines').map((l) => {
          const [id = '', title] = l.split('|').map((p) => p.trim());
          return { id, title: title || id };
        }),
      };
    case 'interactive_list':
      return {
        body: val('int-body'),
        footer: opt(val('int-footer')),
        button: val('list-button'),
        sections: [
          {
            title: opt(val('list-section')),
            rows: lines('list-rows').map((l) => {
              const [id = '', title, description] = l.split('|').map((p) => p.trim());
              return { id, title: title || id, description: opt(description || '') };
            }),
          },
        ],
      };
    default:
      return {};
  }
}

function showTypeFields() {
  const type = $('send-type').value;
  for (const fs of document.querySelectorAll('#send-form fieldset'))
    fs.hidden = !fs.getAttribute('data-type').split(' ').includes(type);
  for (const l of document.querySelectorAll('#send-form [data-only]'))
    l.hidden = !l.getAttribute('data-only').split(' ').includes(type);
}

async function send() {
  const type = $('send-type').value;
  const body = { from: val('send-from'), to: val('send-to'), type, [type]: contentOf(type) };
  const out = await api('POST', '/v1/messages', body, { 'Idempotency-Key': idempotencyKey() });
  track({ id: out.id, status: out.status, error: null });
  showOk(`Message ${out.id} accepted (${out.status})`);
  await refreshMessages();
}

export function wireSend() {
  $('send-type').addEventListener('change', showTypeFields);
  $('send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(send);
  });
  showTypeFields();
}
