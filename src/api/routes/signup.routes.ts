import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { Config } from '../../config/env';
import { contentSecurityPolicy, setOpenerPolicy } from '../middleware/security-headers';

/** The page's origin for the Meta JS SDK (reference/official-platform.md A5). */
const SDK_ORIGIN = 'https://connect.facebook.net';
/** 360dialog Integrated Onboarding: the Hub's permissions page, opened with our partner id. */
export const DIALOG360_HUB_URL = 'https://hub.360dialog.com';

/** What the signup page may know; nothing here is a secret (the app secret stays on the server). */
export interface SignupPageConfig {
  metaAppId?: string;
  /** Facebook Login for Business configuration id (META_ES_CONFIG_ID). */
  metaConfigId?: string;
  graphApiVersion?: string;
  dialog360PartnerId?: string;
  /** The server can exchange an ES code (META_APP_SECRET set); the secret itself never leaves it. */
  metaServerReady?: boolean;
  /** A Twilio account is configured for the Senders API (the page never asks for one). */
  twilioServerReady?: boolean;
  /**
   * Development only (META_ES_SIMULATOR_URL): the Meta simulator's origin, whose stand-in SDK and
   * signup dialog the page uses instead of Facebook's.
   */
  esSimulatorOrigin?: string;
}

/**
 * From the process configuration: public ids as they are, secrets only as "is it set" (the onboarding
 * that uses them runs on the server). The 360dialog and Twilio account variables belong to the
 * onboarding (CONTRACTS.md); read here only for their presence.
 */
export type SignupEnv = Pick<
  Config,
  'META_APP_ID' | 'META_ES_CONFIG_ID' | 'META_GRAPH_API_VERSION' | 'META_APP_SECRET' | 'META_ES_SIMULATOR_URL'
> & {
  DIALOG360_PARTNER_ID?: string;
  DIALOG360_PARTNER_API_KEY?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
};

export function signupConfigFrom(c: SignupEnv): SignupPageConfig {
  return {
    metaAppId: c.META_APP_ID,
    metaConfigId: c.META_ES_CONFIG_ID,
    graphApiVersion: c.META_GRAPH_API_VERSION,
    metaServerReady: Boolean(c.META_APP_SECRET),
    dialog360PartnerId: c.DIALOG360_PARTNER_API_KEY ? c.DIALOG360_PARTNER_ID : undefined,
    twilioServerReady: Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN),
    esSimulatorOrigin: c.META_ES_SIMULATOR_URL,
  };
}

/** `GET /signup/config.json`: the public settings and which providers the page can offer. */
export function publicSignupConfig(c: SignupPageConfig) {
  const es = Boolean(c.metaAppId && c.metaConfigId);
  const providers: string[] = [];
  if (es && c.metaServerReady) providers.push('meta');
  if (c.dialog360PartnerId) providers.push('360dialog');
  if (es && c.twilioServerReady) providers.push('twilio');
  return {
    metaAppId: c.metaAppId ?? null,
    metaConfigId: c.metaConfigId ?? null,
    graphApiVersion: c.graphApiVersion ?? 'v23.0',
    dialog360PartnerId: c.dialog360PartnerId ?? null,
    dialog360ConnectUrl: c.dialog360PartnerId
      ? `${DIALOG360_HUB_URL}/dashboard/app/${encodeURIComponent(c.dialog360PartnerId)}/permissions`
      : null,
    providers,
    // Only in simulator mode: the page loads `<origin>/sdk.js` and trusts that origin's messages.
    ...(c.esSimulatorOrigin ? { esSimulatorOrigin: c.esSimulatorOrigin } : {}),
  };
}

/** The page's files in the source tree (tsx, jest) or copied beside the compiled module (build step). */
export function signupAssetsDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', 'signup'),
    path.resolve(__dirname, '..', '..', '..', '..', 'src', 'api', 'signup'),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'index.html'))) ?? (candidates[0] as string);
}

/** 360dialog's redirect back to us: `?client=…&channels=[…]`. */
const is360Redirect = (query: Record<string, unknown>) => 'client' in query || 'channels' in query;

/**
 * This page only: helmet's CSP plus the Facebook SDK's script origin and its frames/calls on
 * *.facebook.com (and, in simulator mode only, exactly the simulator's origin), and an opener
 * policy that keeps the login popup able to post back to us
 * (helmet's default `same-origin` would sever it and no WA_EMBEDDED_SIGNUP event would arrive).
 * The 360dialog redirect lands in the Hub popup, whose page has no opener policy: answered with
 * `unsafe-none` so that the popup keeps its opener and can hand the query to the page that opened
 * it (a different policy would put it in a new browsing context group, opener gone).
 */
const signupHeaders = (simulator: string | undefined): RequestHandler[] => [
  contentSecurityPolicy({
    'script-src': ["'self'", SDK_ORIGIN, ...(simulator ? [simulator] : [])],
    'frame-src': ['https://*.facebook.com', ...(simulator ? [simulator] : [])],
    'connect-src': ["'self'", SDK_ORIGIN, 'https://*.facebook.com', ...(simulator ? [simulator] : [])],
    'img-src': ["'self'", 'data:', 'https://*.facebook.com'],
  }),
  (req, res, next) => {
    const redirect = is360Redirect(req.query as Record<string, unknown>);
    setOpenerPolicy(req, res, redirect ? 'unsafe-none' : 'same-origin-allow-popups');
    res.setHeader('Cache-Control', 'no-store');
    next();
  },
];

/**
 * `/signup`: the Embedded Signup page (static files that sign in with an API key and call
 * `/v1/onboardings`), and `/signup/config.json`, its public settings. 360dialog's redirect
 * (`/signup?client=…&channels=[…]`) lands here too: the query is kept across the slash redirect.
 */
export function signupRoutes(config: SignupPageConfig = {}, dir: string = signupAssetsDir()): Router {
  const r = Router();
  const body = publicSignupConfig(config);
  r.get('/signup', (req, res, next) => {
    const [pathname, search] = req.originalUrl.split('?');
    if (pathname !== '/signup') return next();
    // The 360dialog redirect may come here first: same opener policy as the page it lands on.
    if (is360Redirect(req.query as Record<string, unknown>)) setOpenerPolicy(req, res, 'unsafe-none');
    return res.redirect(301, `/signup/${search ? `?${search}` : ''}`);
  });
  r.get('/signup/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
  r.use(
    '/signup',
    ...signupHeaders(config.esSimulatorOrigin),
    express.static(dir, { index: 'index.html', redirect: false, fallthrough: true }),
  );
  return r;
}
