// Starting onboardings (POST /v1/onboardings) and following them (GET /v1/onboardings/:id) until
// they are ready or failed; the steps are rendered with the admin page's onboarding view.
import { $, api, auth, el } from '../admin/admin-core.js';
import { onboardingView, verificationForm } from '../admin/admin-onboarding.js';

const POLL_MS = 1000;

const newKey = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/** POSTs one onboarding (Idempotency-Key: a retry of the same attempt never starts a second one). */
export function startOnboarding(body, idempotencyKey = newKey()) {
  return api('POST', '/v1/onboardings', body, { 'Idempotency-Key': idempotencyKey });
}

function render(view) {
  const list = $('progress-list');
  let box = list.querySelector(`[data-progress-id="${CSS.escape(view.id)}"]`);
  if (!box) {
    box = el('div', { className: 'progress-item', 'data-progress-id': view.id }, el('div'));
    list.prepend(box);
  }
  const done =
    view.status === 'ready'
      ? el('p', { className: 'ok-text', text: `Sender ${view.senderId} is ready to send messages.` })
      : null;
  box.firstElementChild.replaceChildren(onboardingView(view), done || '');
  // The code input outlives the re-renders (what is typed stays) while the code is awaited.
  const form = box.querySelector('.verification-form');
  if (view.awaiting !== 'verification_code') form?.remove();
  else if (!form) box.append(verificationForm(view.id));
}

/** Shows the view and polls it until it settles, or the user signs out. */
export function follow(view) {
  $('progress-panel').hidden = false;
  render(view);
  const gen = auth.generation;
  const tick = async () => {
    if (gen !== auth.generation) return;
    let next = view;
    try {
      next = await api('GET', `/v1/onboardings/${encodeURIComponent(view.id)}`);
      render(next);
    } catch (err) {
      const box = $('progress-list').querySelector(`[data-progress-id="${CSS.escape(view.id)}"]`);
      if (box) box.setAttribute('data-poll-error', err.code || String(err));
    }
    if (next.status === 'running' && gen === auth.generation) setTimeout(() => void tick(), POLL_MS);
  };
  if (view.status === 'running') setTimeout(() => void tick(), POLL_MS);
}
