import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSignupStack } from './signup-stack';

const CHROMIUM = '/usr/bin/chromium';
const HOST = 'dw-admin.test';
const TENANT = 'tenant-plain-http';
const WAIT = { timeout: 20_000 };

/**
 * The pages as someone opens them on a server in their LAN: plain HTTP under a host name that is
 * not localhost (browsers never upgrade localhost, so tests on 127.0.0.1 could not see issue 12).
 * Chromium maps the name to the loopback stack. Every asset must load over http, the scripts must
 * run without a console error, sign-in must work, and the API key must never be in a URL — also
 * when the scripts do not load and someone presses Enter in the form.
 */
describe('admin, signup and docs over plain HTTP under a host name', () => {
  let stack: Awaited<ReturnType<typeof startSignupStack>>;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;

  beforeAll(async () => {
    stack = await startSignupStack(TENANT);
    origin = `http://${HOST}:${new URL(stack.appUrl).port}`;
    try {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
        ],
        timeout: 30_000,
      });
    } catch (err) {
      throw new Error(
        `Chromium could not start from ${CHROMIUM} (install Debian's chromium package): ${
          err instanceof Error ? err.message : String(err)
        }`,
        { cause: err },
      );
    }
  }, 90_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /**
   * Everything that went wrong on the page, and every URL it asked for. Not the page's doing: the
   * browser's own request for /favicon.ico (the pages have none), and the 404 of the admin page's
   * poll of the session-health route, which the signup stack does not mount ("no sweep yet").
   */
  function watch(page: Page) {
    const problems: string[] = [];
    const urls: string[] = [];
    const unmounted = (url: string) =>
      ['/v1/health/sessions', '/favicon.ico'].includes(new URL(url).pathname);
    page.on('console', (m) => {
      if (m.type() === 'error' && !unmounted(m.location().url || origin))
        problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => urls.push(r.url()));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !(r.status() === 404 && unmounted(r.url())))
        problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return { problems, urls };
  }

  async function open(pathname: string) {
    const page = await context.newPage();
    const seen = watch(page);
    const res = await page.goto(`${origin}${pathname}`);
    expect(res?.status()).toBe(200);
    const headers = (await res?.allHeaders()) ?? {};
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    return { page, ...seen };
  }

  const style = (page: Page, selector: string, property: string) =>
    page.evaluate(
      `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(property)})`,
    );

  it.each([
    ['/admin', '#app'],
    ['/signup', '#provider-panel'],
  ])('%s: styled, scripted, signs in, and the key is in no URL', async (pathname, signedIn) => {
    const { page, problems, urls } = await open(pathname);
    expect(new URL(page.url()).protocol).toBe('http:');
    // admin.css (both pages use it) sets the page background.
    expect(await style(page, 'body', 'background-color')).toBe('rgb(243, 244, 246)');

    // The scripts run: they show the sign-in panel (the signup page's starts hidden) and take the key.
    await page.locator('#sign-in-panel').waitFor(WAIT);
    await page.fill('#api-key', stack.apiKey);
    await page.press('#api-key', 'Enter');
    await page.locator(signedIn).waitFor(WAIT);
    await page
      .locator('#who-key')
      .filter({ hasText: stack.apiKey.slice(-4) })
      .waitFor(WAIT);

    expect(new URL(page.url()).pathname).toBe(`${pathname}/`);
    expect(urls.filter((u) => u.includes(stack.apiKey))).toEqual([]);
    expect(urls.some((u) => u.startsWith('https:'))).toBe(false);
    expect(problems).toEqual([]);
  });

  it.each(['/admin', '/signup'])(
    '%s: with its scripts not loading, Enter in the sign-in form sends the key nowhere',
    async (pathname) => {
      const page = await context.newPage();
      const { urls } = watch(page);
      await page.route('**/*.js', (route) => route.abort());
      await page.goto(`${origin}${pathname}`);
      const before = page.url();
      // The signup page shows its panel from its script; show it as the script would have.
      await page.$eval('#sign-in-panel', (e) => e.removeAttribute('hidden'));
      await page.fill('#api-key', stack.apiKey);
      // press() returns once any navigation the key press started has been requested.
      await page.press('#api-key', 'Enter');
      await page.waitForLoadState();

      expect(page.url()).toBe(before);
      expect(urls.filter((u) => u.includes(stack.apiKey))).toEqual([]);
      expect(urls.filter((u) => new URL(u).pathname === new URL(before).pathname)).toHaveLength(1);
    },
  );

  it('/docs: styled, and its script renders the operations', async () => {
    const { page, problems, urls } = await open('/docs');
    expect(await style(page, 'body', 'max-width')).toBe('1100px');
    await page.locator('#operations details.op').first().waitFor(WAIT);
    expect(await page.locator('#operations details.op').count()).toBeGreaterThan(10);
    expect(urls.some((u) => u.startsWith('https:'))).toBe(false);
    expect(problems).toEqual([]);
  });
});
