import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet's headers, except those a browser honours only on a secure origin. Strict-Transport-Security
 * and the CSP directive upgrade-insecure-requests are sent only when the request came over HTTPS
 * (`req.secure`: TLS here, or X-Forwarded-Proto from a proxy that `trust proxy` trusts) or the
 * deployment says it is HTTPS-only (HTTPS_ONLY). Sent over plain HTTP under a host name other than
 * localhost, they made the browser fetch the admin page's own script and stylesheet over https from
 * a server that has none: an unstyled page with a dead sign-in form (issue 12). localhost escaped
 * only because browsers never upgrade it. Cross-Origin-Opener-Policy is left out where the browser
 * would ignore it (plain HTTP, not loopback), as it then says so in the console as an error.
 */
export function securityHeaders(opts: { httpsOnly: boolean }): RequestHandler {
  const overHttps = helmet();
  const overHttp = helmet({
    strictTransportSecurity: false,
    crossOriginOpenerPolicy: false,
    contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } },
  });
  const openerPolicy = helmet.crossOriginOpenerPolicy();
  return (req, res, next) => {
    const https = opts.httpsOnly || req.secure;
    res.locals[HTTPS] = https;
    if (https) return overHttps(req, res, next);
    overHttp(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (loopback(req)) return openerPolicy(req, res, next);
      next();
    });
  };
}

const HTTPS = 'securityHeadersHttps';
const servedOverHttps = (req: Request, res: Response) => res.locals[HTTPS] === true || req.secure;

/** Loopback names and addresses: browsers treat them as secure origins even over plain HTTP. */
function loopback(req: Request): boolean {
  const host = req.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}

/** Cross-Origin-Opener-Policy for a page that needs its own, where the browser honours it (see above). */
export function setOpenerPolicy(req: Request, res: Response, policy: string): void {
  if (servedOverHttps(req, res) || loopback(req)) res.setHeader('Cross-Origin-Opener-Policy', policy);
}

/**
 * helmet's Content-Security-Policy with `directives` added, for a page that needs more than the
 * app-wide one (the signup page and the Facebook SDK); upgrade-insecure-requests as above.
 */
export function contentSecurityPolicy(directives: Record<string, string[]>): RequestHandler {
  const overHttps = helmet.contentSecurityPolicy({ directives });
  const overHttp = helmet.contentSecurityPolicy({
    directives: { ...directives, 'upgrade-insecure-requests': null },
  });
  return (req, res, next) => (servedOverHttps(req, res) ? overHttps : overHttp)(req, res, next);
}
