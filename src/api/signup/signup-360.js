// 360dialog Integrated Onboarding (reference/official-platform.md B): the Hub's permissions page,
// opened with our partner id and this page as redirect_url; 360dialog then calls
// `/signup?client=<client-id>&channels=[<channel-id>,…]` (optionally `revoked=[…]`). In the popup
// that redirect hands its query to the page that opened it and closes, as 360dialog's custom-IO
// guide does; opened any other way, the page handles the redirect itself.

export const REDIRECT_MESSAGE = 'DW_360DIALOG_REDIRECT';
// The state nonce the API issued when this tab opened the Hub (issue 15): POST /v1/onboardings
// needs it back, so a redirect URL crafted elsewhere starts nothing.
const STATE_STORAGE = 'dw-360dialog-state';

export function storedState() {
  return sessionStorage.getItem(STATE_STORAGE);
}

export function forgetState() {
  sessionStorage.removeItem(STATE_STORAGE);
}

/** `[a,b]` (360dialog's list form, not JSON) → ['a','b']. */
function idList(raw) {
  if (!raw) return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((s) => s.trim().replace(/^["']|["']$/g, ''))
    .filter((s) => /^[A-Za-z0-9_-]{1,100}$/.test(s));
}

/** `{client, channels, revoked}` of a redirect query, or null when the query is not one. */
export function parseRedirect(search) {
  const q = new URLSearchParams(search);
  if (!q.has('client') && !q.has('channels')) return null;
  return {
    client: q.get('client') || undefined,
    channels: idList(q.get('channels')),
    revoked: idList(q.get('revoked')),
  };
}

export function connectUrl(cfg) {
  const url = new URL(cfg.dialog360ConnectUrl);
  url.searchParams.set('redirect_url', `${location.origin}/signup/`);
  return url.toString();
}

/** In the 360dialog popup: post the query to a same-origin opener; true when handed over. */
export function handOverToOpener(search) {
  let opener = null;
  try {
    opener = window.opener && window.opener.location.origin === location.origin ? window.opener : null;
  } catch {
    opener = null; // a cross-origin opener: not ours
  }
  if (!opener) return false;
  opener.postMessage({ type: REDIRECT_MESSAGE, search }, location.origin);
  return true;
}

/** In the page: redirects handed over by our own popup (same origin only). */
export function onHandOver(fn) {
  window.addEventListener('message', (event) => {
    if (event.origin !== location.origin) return;
    const d = event.data;
    if (!d || typeof d !== 'object' || d.type !== REDIRECT_MESSAGE || typeof d.search !== 'string') return;
    const redirect = parseRedirect(d.search);
    if (redirect) fn(redirect);
  });
}

/**
 * Opens the Hub in a popup (this tab goes there if popups are blocked: the redirect still works),
 * after asking the API for a state (`issue()` → `{state}`), kept in this tab's session storage.
 * The popup opens at once, in the click's gesture, and goes to the Hub once the state is there.
 */
export async function openHub(cfg, issue) {
  const w = 600;
  const h = 900;
  const left = window.screenX + (window.outerWidth - w) / 2;
  const top = window.screenY + (window.outerHeight - h) / 2;
  const popup = window.open('', 'dw-360dialog', `width=${w},height=${h},left=${left},top=${top}`);
  try {
    const { state } = await issue();
    sessionStorage.setItem(STATE_STORAGE, state);
  } catch (err) {
    if (popup) popup.close();
    throw err;
  }
  if (popup) popup.location.href = connectUrl(cfg);
  else location.assign(connectUrl(cfg));
}
