// Meta Embedded Signup in the browser (reference/official-platform.md A5): the JS SDK, FB.login with
// the Facebook Login for Business configuration, and the WA_EMBEDDED_SIGNUP `message` events. The
// authorization code (FB.login's callback) and the ids (the FINISH event) arrive independently, in
// either order: a run settles only once it has what it needs.

export const SDK_URL = 'https://connect.facebook.net/en_US/sdk.js';

/** Only Facebook's own pages may speak for the signup: https and facebook.com or a subdomain of it. */
export function isFacebookOrigin(origin) {
  try {
    const u = new URL(origin);
    return u.protocol === 'https:' && (u.hostname === 'facebook.com' || u.hostname.endsWith('.facebook.com'));
  } catch {
    return false;
  }
}

/**
 * Facebook's pages, and in simulator mode (a development server's META_ES_SIMULATOR_URL) exactly the
 * simulator's origin as well: never a lookalike of either.
 */
export function isTrustedEsOrigin(origin, simulatorOrigin) {
  return isFacebookOrigin(origin) || (typeof simulatorOrigin === 'string' && origin === simulatorOrigin);
}

/** The JS SDK's URL: Facebook's, or the Meta simulator's stand-in in simulator mode. */
export function sdkUrl(cfg) {
  return cfg.esSimulatorOrigin ? `${cfg.esSimulatorOrigin}/sdk.js` : SDK_URL;
}

/**
 * `{event, data}` of a WA_EMBEDDED_SIGNUP message from Facebook (or the simulator named), else null
 * (other origins, other messages).
 */
export function parseEsMessage(event, simulatorOrigin) {
  if (!isTrustedEsOrigin(event.origin, simulatorOrigin) || typeof event.data !== 'string') return null;
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch {
    return null;
  }
  if (!msg || typeof msg !== 'object' || msg.type !== 'WA_EMBEDDED_SIGNUP') return null;
  return { event: String(msg.event), data: msg.data && typeof msg.data === 'object' ? msg.data : {} };
}

let sdk = null;

/** Loads the SDK once and initialises it with the app id and Graph version from /signup/config.json. */
export function loadSdk(cfg) {
  if (sdk) return sdk;
  sdk = new Promise((resolve, reject) => {
    window.fbAsyncInit = () => {
      window.FB.init({
        appId: cfg.metaAppId,
        autoLogAppEvents: true,
        xfbml: false,
        version: cfg.graphApiVersion,
      });
      resolve(window.FB);
    };
    const script = document.createElement('script');
    script.src = sdkUrl(cfg);
    script.async = true;
    script.crossOrigin = 'anonymous';
    script.addEventListener('error', () => {
      sdk = null;
      reject(
        new Error(
          cfg.esSimulatorOrigin
            ? `The Meta simulator's SDK could not be loaded from ${cfg.esSimulatorOrigin} (is it running?)`
            : 'The Facebook SDK could not be loaded (blocked or offline?)',
        ),
      );
    });
    document.head.append(script);
  });
  return sdk;
}

/** Why a run ended without a result: the user left the flow, or Facebook reported an error. */
export class SignupStopped extends Error {
  constructor(kind, message, details) {
    super(message);
    this.kind = kind; // 'cancel' | 'error'
    this.details = details || {};
  }
}

const FINISH = ['FINISH', 'FINISH_ONLY_WABA', 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING'];

/**
 * One Embedded Signup run. Must be called from the click handler itself (FB.login opens a popup, and
 * browsers only allow that synchronously inside a user gesture). `needCode`: Meta direct needs the
 * code and the ids; Twilio only the WABA id. `onProgress({code?, ids?})` reports each part as it
 * arrives. Resolves `{code?, event, wabaId, phoneNumberId?, businessId?}`; rejects with SignupStopped.
 */
export function runEmbeddedSignup(cfg, { needCode, featureType, onProgress, idsWaitMs = 20_000 }) {
  return new Promise((resolve, reject) => {
    const got = { code: null, ids: null };
    let settled = false;
    let idsTimer = null;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      window.removeEventListener('message', onMessage);
      clearTimeout(idsTimer);
      fn(value);
    };
    const check = () => {
      if (!got.ids || (needCode && !got.code)) return;
      finish(resolve, { ...got.ids, code: got.code || undefined });
    };
    const onMessage = (event) => {
      const msg = parseEsMessage(event, cfg.esSimulatorOrigin);
      if (!msg || settled) return;
      const d = msg.data;
      if (FINISH.includes(msg.event)) {
        if (!d.waba_id)
          return finish(
            reject,
            new SignupStopped('error', 'The signup finished without a WhatsApp Business Account id'),
          );
        got.ids = {
          event: msg.event,
          wabaId: String(d.waba_id),
          phoneNumberId: d.phone_number_id ? String(d.phone_number_id) : undefined,
          businessId: d.business_id ? String(d.business_id) : undefined,
        };
        onProgress({ ids: got.ids });
        check();
      } else if (msg.event === 'CANCEL' && !d.error_message) {
        const step = d.current_step ? String(d.current_step) : 'unknown';
        finish(reject, new SignupStopped('cancel', `Signup cancelled at step ${step}`, { step }));
      } else if (msg.event === 'ERROR' || msg.event === 'CANCEL') {
        const text = d.error_message ? String(d.error_message) : 'Facebook reported an error';
        finish(
          reject,
          new SignupStopped('error', `Facebook reported an error: ${text}`, {
            errorCode: d.error_code,
            sessionId: d.session_id,
          }),
        );
      }
    };
    window.addEventListener('message', onMessage);

    // A plain function: the SDK refuses async callbacks.
    const onLogin = (response) => {
      if (settled) return;
      const code = response && response.authResponse && response.authResponse.code;
      if (code) {
        got.code = String(code);
        onProgress({ code: true });
        check();
        // The ids normally come first; if they never come, the short-lived code is of no use.
        if (!settled)
          idsTimer = setTimeout(
            () =>
              finish(
                reject,
                new SignupStopped(
                  'error',
                  'Facebook did not report which WhatsApp account was shared; please start again',
                ),
              ),
            idsWaitMs,
          );
      } else if (got.ids && !needCode) {
        check();
      } else {
        finish(reject, new SignupStopped('cancel', 'The Facebook login was closed before it finished', {}));
      }
    };
    try {
      window.FB.login(onLogin, {
        config_id: cfg.metaConfigId,
        response_type: 'code',
        override_default_response_type: true,
        extras: { setup: {}, featureType, sessionInfoVersion: '3' },
      });
    } catch (err) {
      finish(reject, new SignupStopped('error', `Facebook login could not start: ${err && err.message}`));
    }
  });
}
