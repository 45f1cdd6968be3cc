import { Router, type Response } from 'express';
import { digits } from '../sim-app';
import { ES_DIALOG_SCRIPT, SDK_SCRIPT } from './meta-es.scripts';

/**
 * Embedded Signup's browser side, for the signup page in simulator mode (META_ES_SIMULATOR_URL):
 * - `GET /sdk.js`: a stand-in of Facebook's JS SDK (FB.init, FB.login). FB.login opens the dialog
 *   below in a popup, as the real SDK opens www.facebook.com/{v}/dialog/oauth, and calls back with
 *   the auth response the dialog posts (`{status:'connected', authResponse:{code}}`), or with
 *   `{status:'unknown', authResponse:null}` when the popup is closed without one.
 * - `GET /{v}/dialog/oauth?app_id&config_id&extras&origin`: the signup dialog. It shows the business,
 *   the WhatsApp Business Account and the number it will create; Continue creates them as
 *   `POST /_sim/signup` does (so the code exchange, subscribe and register of the onboarding then
 *   succeed here) and posts to the opener what Embedded Signup posts (reference/official-platform.md
 *   A5): the `WA_EMBEDDED_SIGNUP` FINISH event (FINISH_ONLY_WABA for `featureType:
 *   'only_waba_sharing'`), a JSON string, then FB.login's auth response with the code. Cancel posts
 *   CANCEL with `current_step`. A wrong app id or configuration id shows Facebook's refusal and
 *   posts ERROR.
 * Never served by Facebook's hosts: the signup page trusts this origin only when told to.
 */
export interface EsPagesOptions {
  appId: string;
  /** META_ES_CONFIG_ID, when the stack configured one: FB.login must name it. */
  configId?: string;
}

const esc = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An http(s) origin (where the page that opened the dialog lives), else null. */
function originOf(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  try {
    const u = new URL(raw);
    return /^https?:$/.test(u.protocol) && u.origin === raw ? raw : null;
  } catch {
    return null;
  }
}

function featureTypeOf(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  try {
    const extras = JSON.parse(raw) as { featureType?: unknown };
    return typeof extras.featureType === 'string' ? extras.featureType : '';
  } catch {
    return '';
  }
}

const script = (res: Response, body: string) => {
  // Loaded with crossorigin="anonymous" by the signup page, as connect.facebook.net serves it.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cache-Control', 'no-store');
  res.type('text/javascript').send(body);
};

export function metaEsPages(opts: EsPagesOptions): Router {
  const r = Router();
  r.get('/sdk.js', (_req, res) => script(res, SDK_SCRIPT));
  r.get('/es-dialog.js', (_req, res) => script(res, ES_DIALOG_SCRIPT));

  r.get(/^\/v\d+\.\d+\/dialog\/oauth$/, (req, res) => {
    const q = req.query;
    const opener = originOf(q.origin);
    const problem =
      q.app_id !== opts.appId
        ? { code: '191', message: `Invalid App ID: ${String(q.app_id ?? '')} is not this app` }
        : opts.configId && q.config_id !== opts.configId
          ? { code: '100', message: 'Invalid configuration id for this app (config_id)' }
          : !opener
            ? { code: '1', message: 'The page that opened this dialog did not say its origin' }
            : null;
    const wabaOnly = featureTypeOf(q.extras) === 'only_waba_sharing';
    const data: Record<string, string> = {
      opener: opener ?? '',
      wabaOnly: String(wabaOnly),
      // The step this single screen stands for, reported by CANCEL.
      step: wabaOnly ? 'BUSINESS_ACCOUNT_SELECTION' : 'PHONE_NUMBER_SETUP',
      businessId: digits(15),
      businessName: 'Simulated Business',
      wabaId: digits(15),
      phoneNumberId: digits(15),
      displayPhoneNumber: `+1 555-${digits(3)}-${digits(4)}`,
      sessionId: digits(12),
      ...(problem ? { errorCode: problem.code, errorMessage: problem.message } : {}),
    };
    const attrs = Object.entries(data)
      .map(([k, v]) => `data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${esc(v)}"`)
      .join(' ');
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(dialogHtml(attrs, data, problem?.message));
  });
  return r;
}

function dialogHtml(attrs: string, d: Record<string, string>, problem: string | undefined): string {
  const rows = [
    ['Business portfolio', `${d.businessName} (${d.businessId})`],
    ['WhatsApp Business Account', d.wabaId],
    ...(d.wabaOnly === 'true' ? [] : [['Phone number', `${d.displayPhoneNumber} (id ${d.phoneNumberId})`]]),
  ]
    .map(([k, v]) => `<tr><th>${esc(k as string)}</th><td>${esc(v as string)}</td></tr>`)
    .join('');
  const body = problem
    ? `<p class="error" id="problem">${esc(problem)}</p>
       <div class="buttons"><button type="button" id="close">Close</button></div>`
    : `<p>Share this WhatsApp Business Account${d.wabaOnly === 'true' ? '' : ' and number'} with the app:</p>
       <table id="summary">${rows}</table>
       <div class="buttons">
         <button type="button" id="cancel">Cancel</button>
         <button type="button" id="continue" class="primary">Continue</button>
       </div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Embedded Signup (Meta simulator)</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 0; color: #1c1e21; background: #f0f2f5; }
  header { background: #1877f2; color: #fff; padding: 12px 16px; font-weight: 600; }
  main { margin: 16px; padding: 16px; background: #fff; border-radius: 8px; }
  .sim { color: #92400e; background: #fffbeb; border: 1px dashed #d97706; padding: 6px 10px; border-radius: 6px; }
  table { border-collapse: collapse; margin: 12px 0; }
  th { text-align: left; padding: 4px 16px 4px 0; color: #606770; font-weight: 500; }
  .buttons { display: flex; gap: 8px; justify-content: flex-end; }
  button { font: inherit; padding: 8px 16px; border-radius: 6px; border: 1px solid #ccd0d5; background: #e4e6eb; cursor: pointer; }
  button.primary { background: #1877f2; border-color: #1877f2; color: #fff; }
  .error { color: #b91c1c; }
</style>
<script src="/es-dialog.js" defer></script>
</head>
<body ${attrs}>
<header>Connect WhatsApp Business</header>
<main>
  <p class="sim">Meta simulator: nothing here reaches Facebook. The business and number exist only in this simulator.</p>
  ${body}
  <p id="outcome" role="status"></p>
</main>
</body>
</html>`;
}
