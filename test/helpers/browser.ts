import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/**
 * Browser tests drive the system Chromium (Debian package `chromium`) through playwright-core: no browser download.
 * Outside CI a missing Chromium skips them with a hint; in CI (`CI=true`) it fails them, so they cannot silently stop
 * running.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

export const MISSING_CHROMIUM = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (Debian)`;

/** True when browser tests must be skipped (no Chromium, not in CI); prints why once. */
export function skipBrowserTests(): boolean {
  if (HAS_CHROMIUM || IN_CI) return false;
  // eslint-disable-next-line no-console
  console.warn(`Skipping browser tests. ${MISSING_CHROMIUM}; they run (and must pass) in CI.`);
  return true;
}

export interface LoopbackBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Every request the page tried outside loopback; they were aborted. */
  blocked: string[];
  close(): Promise<void>;
}

/** Headless Chromium whose context may only reach loopback (127.0.0.1, localhost, ::1); the rest is aborted and recorded. */
export async function launchLoopbackBrowser(): Promise<LoopbackBrowser> {
  if (!HAS_CHROMIUM)
    throw new Error(`${MISSING_CHROMIUM}${IN_CI ? ' (CI=true: browser tests may not be skipped)' : ''}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
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
  });
  const blocked: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      const { protocol, hostname } = new URL(url);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
      if (loopback || protocol === 'data:' || protocol === 'blob:') return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    return {
      browser,
      context,
      blocked,
      async close() {
        await context.close().catch(() => undefined);
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
