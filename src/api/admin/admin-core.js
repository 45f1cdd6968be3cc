// Shared plumbing of the admin page: the API client, DOM helpers, notices and polling loops.
// The API key lives in sessionStorage and travels only in the Authorization header.

const KEY_STORAGE = 'wa-admin-api-key';

export const $ = (id) => document.getElementById(id);

/** The `{error:{code,message,details}}` body of a failed API call. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || `http_${status}`;
    this.details = e.details;
  }
}

/** The signed-in key and a generation counter that ends every polling loop when it changes. */
export const auth = { apiKey: sessionStorage.getItem(KEY_STORAGE), generation: 0 };

const signOutHooks = [];
export const onSignOut = (fn) => signOutHooks.push(fn);

export function rememberKey(key) {
  auth.apiKey = key;
  auth.generation += 1;
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function signOut(err) {
  auth.generation += 1;
  auth.apiKey = null;
  sessionStorage.removeItem(KEY_STORAGE);
  for (const hook of signOutHooks) hook();
  if (err) showError(err);
}

export async function api(method, path, body, headers) {
  const res = await fetch(path, {
    method,
    headers: Object.assign(
      { Authorization: `Bearer ${auth.apiKey}`, Accept: 'application/json' },
      body === undefined ? {} : { 'Content-Type': 'application/json' },
      headers || {},
    ),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    if (res.status === 401) signOut(err);
    throw err;
  }
  return json;
}

/** Builds an element; text always goes through textContent, so API data is never parsed as HTML. */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'className') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children || [])) if (c) node.append(c);
  return node;
}

export const badge = (text, color, status) =>
  el('span', { className: `badge badge-${color}`, 'data-status': status, text });

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

export const val = (id) => $(id).value.trim();

// One key per click: a double submit or a resent request cannot send twice.
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}
export const opt = (v) => (v === '' ? undefined : v);

/** Scalar fields of an object as a definition list. */
export function kv(obj) {
  const dl = el('dl', { className: 'kv' });
  for (const [k, v] of Object.entries(obj))
    if (v !== undefined && (v === null || typeof v !== 'object'))
      dl.append(el('dt', { text: k }), el('dd', { text: v ?? '—' }));
  return dl;
}

function notice(kind, title, details) {
  const box = $('notice');
  box.replaceChildren(el('strong', { text: title }));
  box.className = `notice ${kind}`;
  if (Array.isArray(details) && details.length > 0) {
    const line = (d) =>
      d && typeof d === 'object' && 'field' in d ? `${d.field}: ${d.message}` : JSON.stringify(d);
    box.append(
      el(
        'ul',
        {},
        details.map((d) => el('li', { text: line(d) })),
      ),
    );
  } else if (details && typeof details === 'object') {
    box.append(el('pre', { text: JSON.stringify(details, null, 2) }));
  }
  box.hidden = false;
}

export const showOk = (text) => notice('ok', text);
export const hideNotice = () => ($('notice').hidden = true);

export function showError(err) {
  if (err instanceof ApiError) notice('error', `${err.code}: ${err.message}`, err.details);
  else notice('error', `Request failed: ${err && err.message ? err.message : String(err)}`);
}

/** Runs a user action; its error (the API's error body) is shown to the user. */
export async function act(fn, okText) {
  try {
    await fn();
    if (okText) showOk(typeof okText === 'function' ? okText() : okText);
  } catch (err) {
    showError(err);
  }
}

/** Polls `fn` every `everyMs` (one call at a time) until the user signs out. */
export function loop(fn, everyMs) {
  const gen = auth.generation;
  const run = async () => {
    if (gen !== auth.generation) return;
    try {
      await fn();
    } catch (err) {
      if (gen === auth.generation) showError(err);
    }
    if (gen === auth.generation) setTimeout(run, everyMs);
  };
  void run();
}
