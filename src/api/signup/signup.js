// The signup page's entry module: sign in with an API key (the admin page's client and key storage),
// read /signup/config.json, let the user pick Meta, 360dialog or Twilio, run that provider's flow
// and start the onboarding; then follow its steps. Plain browser modules, no build step.
import {
  $,
  ApiError,
  act,
  api,
  auth,
  hideNotice,
  onSignOut,
  rememberKey,
  signOut,
} from '../admin/admin-core.js';
import { SignupStopped, loadSdk, runEmbeddedSignup } from './signup-es.js';
import {
  connectUrl,
  forgetState,
  handOverToOpener,
  onHandOver,
  openHub,
  parseRedirect,
  storedState,
} from './signup-360.js';
import { follow, startOnboarding } from './signup-progress.js';

const state = { config: null, provider: null, pending360: null, running: false };
const opt = (v) => (v && v.trim() !== '' ? v.trim() : undefined);

function outcome(id, kind, text) {
  const p = $(id);
  p.className = `es-outcome es-${kind}`;
  p.setAttribute('data-outcome', kind);
  p.textContent = text;
  p.hidden = false;
}

// --- provider choice -----------------------------------------------------------------------------

const simulated = () => Boolean(state.config && state.config.esSimulatorOrigin);

/** A development server's Embedded Signup simulator (META_ES_SIMULATOR_URL): said on the page. */
function renderSimulatorMode() {
  if (!simulated()) return;
  $('sim-origin').textContent = state.config.esSimulatorOrigin;
  $('sim-mode').hidden = false;
  $('es-start').textContent = 'Continue with Facebook (simulator)';
  document.body.setAttribute('data-es-simulator', 'true');
}

function renderProviders() {
  const offered = state.config ? state.config.providers : [];
  for (const b of document.querySelectorAll('[data-provider]')) {
    const on = offered.includes(b.dataset.provider);
    b.disabled = !on;
    b.querySelector('.provider-off').hidden = on;
  }
}

function choose(provider) {
  state.provider = provider;
  for (const b of document.querySelectorAll('[data-provider]'))
    b.classList.toggle('selected', b.dataset.provider === provider);
  const es = provider === 'meta' || provider === 'twilio';
  $('es-panel').hidden = !es;
  $('d360-panel').hidden = provider !== '360dialog';
  $('es-outcome').hidden = true;
  $('es-progress').hidden = true;
  if (es) {
    $('es-title').textContent =
      provider === 'meta'
        ? 'Connect with Facebook (Meta Cloud API)'
        : 'Share your WhatsApp account for Twilio';
    for (const n of document.querySelectorAll('#es-panel [data-for]')) n.hidden = n.dataset.for !== provider;
    $('es-pin').required = provider === 'meta';
    $('es-phone').required = provider === 'twilio';
    // Loaded now so that the click can call FB.login synchronously (popup blockers).
    $('es-start').disabled = true;
    $('es-sdk').textContent = simulated() ? 'Loading the Meta simulator’s SDK…' : 'Loading the Facebook SDK…';
    $('es-sdk').hidden = false;
    loadSdk(state.config).then(
      () => {
        $('es-start').disabled = state.running;
        $('es-sdk').hidden = true;
      },
      (err) => {
        $('es-sdk').textContent = err.message;
        $('es-sdk').className = 'error-text';
      },
    );
  } else {
    $('d360-link').href = connectUrl(state.config);
  }
}

// --- Meta and Twilio: Embedded Signup ------------------------------------------------------------

function mark(id, done) {
  $(id).setAttribute('data-done', String(done));
}

function startEs() {
  const provider = state.provider;
  const pin = $('es-pin').value.trim();
  const phone = $('es-phone').value.trim();
  if (provider === 'meta' && !/^\d{6}$/.test(pin))
    return outcome('es-outcome', 'error', 'The PIN must be exactly 6 digits.');
  if (provider === 'twilio' && !/^\+?[\d\s().-]{8,20}$/.test(phone))
    return outcome('es-outcome', 'error', 'Enter the phone number to register in international format.');
  state.running = true;
  $('es-start').disabled = true;
  $('es-outcome').hidden = true;
  $('es-progress').hidden = false;
  mark('es-got-code', false);
  mark('es-got-ids', false);
  $('es-got-code').hidden = provider !== 'meta';
  const run = runEmbeddedSignup(state.config, {
    needCode: provider === 'meta',
    // Twilio registers the number itself (Senders API): Facebook only shares the WABA.
    featureType: provider === 'twilio' ? 'only_waba_sharing' : '',
    onProgress: (p) => {
      if (p.code) mark('es-got-code', true);
      if (p.ids) mark('es-got-ids', true);
    },
  });
  void run
    .then(async (r) => {
      const senderId = opt($('es-sender-id').value);
      const body =
        provider === 'meta'
          ? { provider, senderId, code: r.code, wabaId: r.wabaId, phoneNumberId: r.phoneNumberId, pin }
          : {
              provider,
              senderId,
              wabaId: r.wabaId,
              phoneNumber: phone,
              verificationMethod: $('es-verification').value,
            };
      $('es-pin').value = '';
      outcome('es-outcome', 'ok', 'Signup finished; starting the onboarding…');
      const view = await startOnboarding(body);
      outcome('es-outcome', 'ok', `Onboarding ${view.id} started.`);
      follow(view);
    })
    .catch((err) => {
      if (err instanceof SignupStopped) outcome('es-outcome', err.kind, err.message);
      else if (err instanceof ApiError) outcome('es-outcome', 'error', `${err.code}: ${err.message}`);
      else outcome('es-outcome', 'error', String((err && err.message) || err));
    })
    .finally(() => {
      state.running = false;
      $('es-start').disabled = false;
    });
}

// --- 360dialog -----------------------------------------------------------------------------------

async function start360(redirect) {
  if (redirect.channels.length === 0) {
    outcome('d360-outcome', 'error', '360dialog did not grant access to any number.');
    return;
  }
  // Only a redirect of a Hub this tab opened: it carries the state the API issued then.
  const issued = storedState();
  if (!issued) {
    outcome(
      'd360-outcome',
      'error',
      'This 360dialog link was not opened from this page: use “Open 360dialog” here.',
    );
    return;
  }
  const senderId = opt($('d360-sender-id').value);
  for (const channelId of redirect.channels) {
    // A reload of the same redirect must not start a second onboarding for the channel.
    const view = await startOnboarding(
      {
        provider: '360dialog',
        channelId,
        clientId: redirect.client,
        state: issued,
        senderId: redirect.channels.length === 1 ? senderId : undefined,
      },
      `360dialog:${redirect.client || 'client'}:${channelId}`,
    );
    follow(view);
  }
  forgetState();
  outcome(
    'd360-outcome',
    'ok',
    `360dialog granted ${redirect.channels.length} number(s); onboarding started.`,
  );
}

function handle360(redirect) {
  choose('360dialog');
  void act(() => start360(redirect));
}

// --- sign in -------------------------------------------------------------------------------------

onSignOut(() => {
  $('app').hidden = true;
  $('who').hidden = true;
  $('sign-in-panel').hidden = false;
});

async function signIn(key) {
  auth.apiKey = key;
  let apiMissing = false;
  try {
    await api('GET', '/v1/onboardings?limit=1');
  } catch (err) {
    // The key was accepted (a wrong one is 401) but this server has no onboarding route.
    if (!(err instanceof ApiError && err.code === 'route_not_found')) throw err;
    apiMissing = true;
  }
  rememberKey(key);
  $('sign-in-panel').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('who-key').textContent = `Signed in with key …${key.slice(-4)}`;
  $('onboarding-api-missing').hidden = !apiMissing;
  hideNotice();
  if (state.pending360) {
    const redirect = state.pending360;
    state.pending360 = null;
    handle360(redirect);
  }
}

async function boot() {
  const redirect = parseRedirect(location.search);
  if (redirect) {
    if (handOverToOpener(location.search)) {
      $('popup-done').hidden = false;
      window.close();
      return;
    }
    state.pending360 = redirect;
    // The query has done its job: a reload must not replay it.
    history.replaceState(null, '', location.pathname);
  }
  const res = await fetch('config.json', { cache: 'no-store' });
  state.config = await res.json();
  renderProviders();
  renderSimulatorMode();
  onHandOver((r) => {
    if (auth.apiKey && !$('app').hidden) handle360(r);
    else state.pending360 = r;
  });
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('api-key').value.trim();
    $('api-key').value = '';
    void act(() => signIn(key));
  });
  $('sign-out').addEventListener('click', () => signOut());
  for (const b of document.querySelectorAll('[data-provider]'))
    b.addEventListener('click', () => choose(b.dataset.provider));
  $('es-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!state.running) startEs();
  });
  const connect360 = (e) => {
    e.preventDefault();
    void act(() => openHub(state.config, () => api('POST', '/v1/onboardings/360dialog/state')));
  };
  $('d360-form').addEventListener('submit', connect360);
  $('d360-link').addEventListener('click', connect360);
  $('start-over').addEventListener('click', () => {
    $('progress-list').replaceChildren();
    $('progress-panel').hidden = true;
    $('es-outcome').hidden = true;
    $('es-progress').hidden = true;
  });
  if (auth.apiKey) await act(() => signIn(auth.apiKey));
  if ($('app').hidden) $('sign-in-panel').hidden = false;
  document.body.setAttribute('data-ready', 'true');
}

void act(boot);
