// New broadcast: a sender, a text with {{1}} placeholders or a template (name + language), and the
// recipients as CSV (pasted or from a file). "Check and preview" parses the CSV here, lists every
// row's problem and renders the first recipient's message; only a clean, current check enables
// "Send", and the check's Idempotency-Key goes with it (a double click cannot send twice).
import { $, act, api, el, idempotencyKey, opt, showOk, val } from './admin-core.js';
import { placeholdersIn, recipientsFromCsv, renderText } from './admin-csv.js';

const MAX_FILE_BYTES = 4 * 1024 * 1024;
const SHOWN_ERRORS = 50;

/** The last check: the request it would send, or null when the form changed since. */
let checked = null;
let onCreated = async () => {};

const kind = () => $('bc-kind').value;

function showKindFields() {
  for (const fs of document.querySelectorAll('#broadcast-form [data-bc-kind]'))
    fs.hidden = fs.getAttribute('data-bc-kind') !== kind();
}

function invalidate() {
  checked = null;
  $('bc-check').classList.add('stale');
  $('bc-send').disabled = true;
  $('bc-send').textContent = 'Send broadcast';
}

function contentOf() {
  if (kind() === 'template')
    return { type: 'template', template: { name: val('bc-tpl-name'), language: val('bc-tpl-language') } };
  return { type: 'text', text: { body: $('bc-text').value } };
}

function previewOf(content, first) {
  const to = el('div', { className: 'muted', text: `First message, to +${first.to}:` });
  if (content.type === 'text')
    return [
      to,
      el('div', {
        className: 'msg msg-outbound',
        text: renderText(content.text.body, first.parameters || []),
      }),
    ];
  const params = (first.parameters || []).map((p, i) => `{{${i + 1}}} = ${p}`).join(' · ');
  return [
    to,
    el('div', {
      className: 'msg msg-outbound',
      text: `Template ${content.template.name} (${content.template.language})${params ? ` · body ${params}` : ' · no parameters'}`,
    }),
  ];
}

/** Parses and renders; returns the request when there is nothing to fix. */
function check() {
  invalidate();
  const content = contentOf();
  const needs = content.type === 'text' ? placeholdersIn(content.text.body) : 0;
  const { recipients, errors, header } = recipientsFromCsv($('bc-csv').value, needs);
  const lineText = (e) => (e.line === null ? e.message : `Line ${e.line}: ${e.message}`);
  $('bc-summary').textContent = [
    `${recipients.length} recipient${recipients.length === 1 ? '' : 's'}`,
    errors.length ? `${errors.length} problem${errors.length === 1 ? '' : 's'} to fix` : 'no problems',
    header ? `header on line ${header} skipped` : null,
    needs ? `each row needs ${needs} parameter${needs === 1 ? '' : 's'}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  $('bc-summary').className = errors.length ? 'error-text' : '';
  $('bc-errors').replaceChildren(
    ...errors.slice(0, SHOWN_ERRORS).map((e) => el('li', { 'data-line': e.line ?? '', text: lineText(e) })),
    errors.length > SHOWN_ERRORS ? el('li', { text: `… and ${errors.length - SHOWN_ERRORS} more` }) : '',
  );
  $('bc-preview').replaceChildren(...(recipients[0] ? previewOf(content, recipients[0]) : []));
  $('bc-check').hidden = false;
  $('bc-check').classList.remove('stale');
  if (errors.length > 0 || recipients.length === 0) return null;
  const notBefore = val('bc-not-before');
  return {
    body: {
      from: val('bc-from'),
      name: opt(val('bc-name')),
      priority: $('bc-priority').value,
      notBefore: notBefore ? new Date(notBefore).toISOString() : undefined,
      type: content.type,
      [content.type]: content[content.type],
      recipients: recipients.map((r) =>
        r.parameters ? { to: r.to, parameters: r.parameters } : { to: r.to },
      ),
    },
    key: idempotencyKey(),
  };
}

async function send() {
  if (!checked) return;
  const { body, key } = checked;
  $('bc-send').disabled = true;
  let out;
  try {
    out = await api('POST', '/v1/broadcasts', body, { 'Idempotency-Key': key });
  } finally {
    $('bc-send').disabled = checked === null;
  }
  invalidate();
  showOk(`Broadcast ${out.id} accepted (${out.status}, ${out.total} recipients)`);
  await onCreated(out.id);
}

async function loadFile() {
  const file = $('bc-file').files[0];
  if (!file) return;
  if (file.size > MAX_FILE_BYTES) throw new Error(`${file.name} is over ${MAX_FILE_BYTES / 1024 / 1024} MB`);
  const text = await file.text();
  $('bc-csv').value = text;
  $('bc-file').value = '';
  invalidate();
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').length;
  $('bc-file-note').textContent =
    `${file.name}: ${lines} line${lines === 1 ? '' : 's'} loaded into the box above`;
  $('bc-file-note').hidden = false;
}

/** `created(id)`: what to do once a broadcast is accepted (open it, refresh the list). */
export function wireBroadcastForm(created) {
  onCreated = created;
  $('bc-kind').addEventListener('change', showKindFields);
  $('broadcast-form').addEventListener('input', invalidate);
  $('broadcast-form').addEventListener('change', invalidate);
  $('bc-file').addEventListener('change', () => void act(loadFile));
  $('broadcast-form').addEventListener('submit', (e) => {
    e.preventDefault();
    checked = check();
    $('bc-send').disabled = checked === null;
    if (checked) $('bc-send').textContent = `Send to ${checked.body.recipients.length} recipients`;
  });
  $('bc-send').addEventListener('click', () => void act(send));
  showKindFields();
}
