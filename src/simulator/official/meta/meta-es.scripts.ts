/**
 * The browser scripts of the Meta simulator's Embedded Signup pages (meta-es.pages.ts), as plain
 * ES5 strings: no build step, nothing to copy beside the compiled module.
 */

/**
 * The JS SDK stand-in, served as `<simulator>/sdk.js`. FB.init keeps its options; FB.login opens the
 * dialog on the simulator's own origin (taken from this script's URL) with the app id, the
 * configuration id, the extras and the page's origin, and calls back once: with the auth response
 * the dialog posts (`{simSdk:'login', response}`, accepted from the simulator's origin only), or
 * with no authResponse when the popup is closed without one (as the real SDK does). Calls
 * window.fbAsyncInit once loaded.
 */
export const SDK_SCRIPT = `(function () {
  'use strict';
  var origin = new URL(document.currentScript.src).origin;
  var options = null;
  var pending = null;
  var watch = null;
  function answer(response) {
    if (!pending) return;
    var cb = pending;
    pending = null;
    clearInterval(watch);
    cb(response);
  }
  var none = function () { return { status: 'unknown', authResponse: null }; };
  window.addEventListener('message', function (e) {
    if (e.origin !== origin || !e.data || e.data.simSdk !== 'login') return;
    answer(e.data.response);
  });
  window.FB = {
    init: function (opts) { options = opts || {}; },
    login: function (cb, opts) {
      if (!options) throw new Error('FB.init has not been called');
      if (pending) answer(none());
      pending = cb;
      opts = opts || {};
      var q = new URLSearchParams({
        app_id: String(options.appId || ''),
        config_id: String(opts.config_id || ''),
        response_type: String(opts.response_type || ''),
        extras: JSON.stringify(opts.extras || {}),
        origin: location.origin,
      });
      var popup = window.open(origin + '/' + (options.version || 'v23.0') + '/dialog/oauth?' + q.toString(),
        'fb-es-simulator', 'width=600,height=640');
      if (!popup) return answer(none());
      // Closed without an answer: no auth response (a moment's grace for the dialog's last message).
      watch = setInterval(function () {
        if (!popup.closed) return;
        clearInterval(watch);
        setTimeout(function () { answer(none()); }, 1000);
      }, 250);
    },
    getLoginStatus: function (cb) { cb(none()); },
  };
  setTimeout(function () { if (typeof window.fbAsyncInit === 'function') window.fbAsyncInit(); }, 0);
})();
`;

/**
 * The dialog's script: Continue creates the signup through the control API (`POST /_sim/signup`
 * with the ids shown), then posts the WA_EMBEDDED_SIGNUP FINISH event (a JSON string, as
 * Facebook's) and FB.login's auth response with the code to the page that opened it, only to that
 * page's origin, and closes. Cancel posts CANCEL with the current step; a refused app id or
 * configuration shows the problem and Close posts ERROR.
 */
export const ES_DIALOG_SCRIPT = `(function () {
  'use strict';
  var d = document.body.dataset;
  var $ = function (id) { return document.getElementById(id); };
  function post(message) {
    if (window.opener && d.opener) window.opener.postMessage(message, d.opener);
  }
  function es(event, data) {
    return JSON.stringify({ type: 'WA_EMBEDDED_SIGNUP', event: event, version: '3', data: data });
  }
  function login(code) {
    post({
      simSdk: 'login',
      response: code
        ? { status: 'connected', authResponse: { code: code, userID: '', expiresIn: 0, graphDomain: 'facebook' } }
        : { status: 'unknown', authResponse: null },
    });
  }
  function end(text) {
    $('outcome').textContent = text;
    document.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    document.body.setAttribute('data-done', 'true');
    window.close();
  }
  function error(message, code) {
    post(es('ERROR', {
      error_message: message,
      error_code: code,
      session_id: d.sessionId,
      timestamp: String(Math.floor(Date.now() / 1000)),
    }));
    login(null);
    end(message);
  }
  if (d.errorMessage) {
    $('close').addEventListener('click', function () { error(d.errorMessage, d.errorCode); });
    return;
  }
  $('cancel').addEventListener('click', function () {
    post(es('CANCEL', { current_step: d.step }));
    login(null);
    end('Cancelled.');
  });
  $('continue').addEventListener('click', function () {
    $('continue').disabled = true;
    $('outcome').textContent = 'Connecting…';
    fetch('/_sim/signup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        wabaId: d.wabaId,
        phoneNumberId: d.phoneNumberId,
        displayPhoneNumber: d.displayPhoneNumber,
        verifiedName: d.businessName,
        businessId: d.businessId,
      }),
    })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error((body.error && body.error.message) || 'HTTP ' + res.status);
          return body;
        });
      })
      .then(function (s) {
        if (d.wabaOnly === 'true') post(es('FINISH_ONLY_WABA', { waba_id: s.wabaId, business_id: d.businessId }));
        else post(JSON.stringify(s.finishEvent));
        login(s.code);
        end('Connected. This window closes.');
      })
      .catch(function (err) { error(String(err && err.message || err), '1'); });
  });
})();
`;
