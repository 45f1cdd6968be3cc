// Onboarding panel: recent onboardings (provider, sender, status, current or failed step) and one
// onboarding's steps. The view renderer is shared with the signup page (/signup/signup-progress.js).
import { $, ApiError, act, api, badge, el, fmtTime, val } from './admin-core.js';
import { workflowIds, workflowLink } from './admin-links.js';

const STATUS_COLORS = { running: 'info', ready: 'success', failed: 'danger' };
const STEP_COLORS = {
  pending: 'gray',
  running: 'info',
  done: 'success',
  failed: 'danger',
  compensated: 'warning',
  skipped: 'gray',
};

export const onboardingBadge = (status) => badge(status, STATUS_COLORS[status] || 'gray', status);

/** The step to name in a list: the failed one, else the running one, else the last one done. */
export function currentStep(o) {
  const steps = o.steps || [];
  if (o.failure && o.failure.step) return o.failure.step;
  const running = steps.find((s) => s.status === 'running');
  if (running) return running.name;
  const done = steps.filter((s) => s.status === 'done');
  return done.length > 0 ? done[done.length - 1].name : steps[0] ? steps[0].name : '—';
}

const errorText = (e) =>
  e ? `${e.code}: ${e.message}${e.providerCode ? ` (provider code ${e.providerCode})` : ''}` : '';

/** One onboarding: status badge, the failure naming its step, and the steps with their status. */
export function onboardingView(o) {
  const rows = (o.steps || []).map((s) =>
    el('tr', { 'data-step': s.name, 'data-step-status': s.status }, [
      el('td', { text: s.name }),
      el('td', {}, badge(s.status, STEP_COLORS[s.status] || 'gray', s.status)),
      el('td', { text: s.attempts ?? '' }),
      el('td', { text: s.finishedAt ? fmtTime(s.finishedAt) : s.startedAt ? fmtTime(s.startedAt) : '' }),
      el('td', { className: 'error-text', text: errorText(s.error) }),
    ]),
  );
  const head = ['Step', 'Status', 'Attempts', 'When', 'Error'].map((h) => el('th', { text: h }));
  return el('div', { className: 'onboarding-view', 'data-onboarding-id': o.id, 'data-status': o.status }, [
    el('div', { className: 'row' }, [
      onboardingBadge(o.status),
      el('span', { className: 'muted', text: `${o.provider} · sender ${o.senderId || '—'} · ${o.id}` }),
    ]),
    o.failure
      ? el('p', {
          className: 'error-text onboarding-failure',
          text: `Failed at step "${o.failure.step}" (${o.failure.provider}): ${errorText(o.failure)}`,
        })
      : null,
    el(
      'div',
      { className: 'table-wrap' },
      el('table', { className: 'table steps' }, [el('thead', {}, el('tr', {}, head)), el('tbody', {}, rows)]),
    ),
  ]);
}

/** Twilio: the code the number received, while the view says it is awaited (POST …/verification). */
export function verificationForm(id) {
  const input = el('input', {
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '\\d{4,10}',
    required: true,
    placeholder: 'Verification code (SMS/voice)',
  });
  const send = (e) => {
    e.preventDefault();
    const body = { code: input.value.trim() };
    void act(async () => {
      await api('POST', `/v1/onboardings/${encodeURIComponent(id)}/verification`, body);
      input.value = '';
    }, 'Verification code sent');
  };
  return el(
    'form',
    { method: 'dialog', className: 'row verification-form', 'data-onboarding-id': id, onsubmit: send },
    [input, el('button', { type: 'submit', className: 'btn btn-blue btn-small', text: 'Submit code' })],
  );
}

const notYet = (err) => err instanceof ApiError && err.code === 'route_not_found';

async function showDetail(id) {
  const o = await api('GET', `/v1/onboardings/${encodeURIComponent(id)}`);
  const box = $('onboarding-detail');
  const form = o.awaiting === 'verification_code' ? verificationForm(o.id) : '';
  box.replaceChildren(
    el('h3', {}, [`Onboarding ${o.id} `, workflowLink(workflowIds.onboarding(o.id))]),
    onboardingView(o),
    form,
  );
  box.hidden = false;
}

/** Recent onboardings, newest first; "Not available yet" while the route does not exist. */
export async function refreshOnboardings() {
  const box = $('onboarding-body');
  let list;
  try {
    list = await api('GET', '/v1/onboardings?limit=20');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    box.textContent = notYet(err) ? 'Not available yet' : `${err.code}: ${err.message}`;
    $('onboarding-form').hidden = true;
    return;
  }
  $('onboarding-form').hidden = false;
  const items = list.items;
  box.className = '';
  if (items.length === 0) {
    box.replaceChildren(el('p', { className: 'muted', text: 'No onboardings yet.' }));
    return;
  }
  const head = ['Provider', 'Sender', 'Status', 'Step', 'Created', ''].map((h) => el('th', { text: h }));
  const rows = items.map((o) =>
    el('tr', { 'data-onboarding-id': o.id }, [
      el('td', { text: o.provider }),
      el('td', { text: o.senderId || '—' }),
      el('td', {}, onboardingBadge(o.status)),
      el('td', { className: o.status === 'failed' ? 'error-text' : '', text: currentStep(o) }),
      el('td', { text: fmtTime(o.createdAt) }),
      el('td', {}, [
        el('button', {
          type: 'button',
          className: 'btn btn-gray btn-small',
          text: 'Steps',
          onclick: () => void act(() => showDetail(o.id)),
        }),
        workflowLink(workflowIds.onboarding(o.id)),
      ]),
    ]),
  );
  box.replaceChildren(
    el(
      'div',
      { className: 'table-wrap' },
      el('table', { className: 'table' }, [el('thead', {}, el('tr', {}, head)), el('tbody', {}, rows)]),
    ),
  );
}

export function wireOnboarding() {
  $('onboarding-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(() => showDetail(val('onboarding-id')));
  });
}
