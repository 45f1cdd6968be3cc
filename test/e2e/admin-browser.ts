import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's headless Chromium driven by playwright-core, one fresh profile, and the page's script
 * errors and CSP violations collected in `problems` (a page must run clean). Screenshots go to
 * test-artifacts/<artifacts>/ (git-ignored). Used by every browser test of the admin and signup pages.
 */
export async function openAdminBrowser(artifacts: string, opts: { width?: number } = {}) {
  const dir = path.resolve(__dirname, '..', '..', 'test-artifacts', artifacts);
  mkdirSync(dir, { recursive: true });
  const profile = mkdtempSync(path.join(tmpdir(), `${artifacts}-chromium-`));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: opts.width ?? 1280, height: 1000 },
      timeout: 30_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(
      `Chromium could not start from ${CHROMIUM} (install Debian's chromium package): ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
  const page: Page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return {
    context,
    page,
    problems,
    /** test-artifacts/<artifacts>/<name>.png of the page, or of another one (a popup). */
    shot: (name: string, of: Page = page) =>
      of.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true }),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
