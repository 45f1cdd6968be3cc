import type { BrowserContext, Page } from 'playwright-core';

/**
 * What the browser test serves in place of Facebook and the 360dialog Hub (the test machine cannot
 * reach them). Requests to those https origins are answered by route interception inside Chromium,
 * so the pages really run on those origins: a `message` event they post carries
 * `origin: https://www.facebook.com`, exactly as Embedded Signup's popup does.
 */

export const FACEBOOK = 'https://www.facebook.com';

/**
 * The JS SDK stand-in (served as https://connect.facebook.net/en_US/sdk.js): FB.init and FB.login
 * record their arguments; FB.login opens the ES dialog on www.facebook.com as the real SDK does, and
 * its callback fires when that dialog posts `{fbStub:'login', response}` (the real SDK gets the auth
 * response from a facebook.com frame by postMessage too). Calls window.fbAsyncInit once loaded.
 */
export const SDK_STUB = `(function () {
  var calls = (window.__fbStub = { init: [], login: [] });
  var pending = null;
  window.addEventListener('message', function (e) {
    if (e.origin !== '${FACEBOOK}' || !e.data || e.data.fbStub !== 'login' || !pending) return;
    var cb = pending;
    pending = null;
    cb(e.data.response);
  });
  window.FB = {
    init: function (opts) { calls.init.push(opts); },
    login: function (cb, opts) {
      calls.login.push(JSON.parse(JSON.stringify(opts)));
      pending = cb;
      var version = (calls.init[0] && calls.init[0].version) || 'v0.0';
      window.open('${FACEBOOK}/' + version + '/dialog/oauth?config_id=' + encodeURIComponent(opts.config_id),
        'fb-es', 'width=600,height=700');
    },
  };
  setTimeout(function () { if (typeof window.fbAsyncInit === 'function') window.fbAsyncInit(); }, 0);
})();`;

const page = (title: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1></body></html>`;

/** Routes the SDK, the Facebook dialog, the 360dialog Hub and two foreign origins inside the context. */
export async function routeStandIns(context: BrowserContext): Promise<void> {
  await context.route('https://connect.facebook.net/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: SDK_STUB }),
  );
  await context.route(`${FACEBOOK}/**`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: page('Facebook (test stand-in)') }),
  );
  await context.route('https://hub.360dialog.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: page('360dialog Hub (test stand-in)') }),
  );
  // Two origins that are not Facebook; the second would pass a naive endsWith('facebook.com').
  for (const origin of ['https://evil.example', 'https://notfacebook.com'])
    await context.route(`${origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: page(`${origin} (test stand-in)`) }),
    );
}

/** A WA_EMBEDDED_SIGNUP event as Facebook sends it: a JSON string. */
export const esEvent = (event: string, data: Record<string, unknown>, version: string | number = '3') =>
  JSON.stringify({ type: 'WA_EMBEDDED_SIGNUP', event, version, data });

/** Posts to the window that opened `from` (the signup page), from `from`'s own origin. */
export async function postToOpener(from: Page, data: unknown): Promise<void> {
  await from.evaluate(`window.opener.postMessage(${JSON.stringify(data)}, '*')`);
}

/** FB.login's answer, delivered the way the SDK stand-in expects it. */
export const loginResponse = (code: string | null) => ({
  fbStub: 'login',
  response: code
    ? { status: 'connected', authResponse: { code, userID: '', expiresIn: 0 } }
    : { status: 'unknown', authResponse: null },
});
