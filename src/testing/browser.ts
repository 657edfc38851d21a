/**
 * Browser test support: Debian's Chromium driven by playwright-core, the real app listening
 * on 127.0.0.1, and axe-core run inside the page.
 *
 * Pages resolve their municipality from the Host header, so each live server gets a fresh
 * tenant from newTenant() (host `t-….test`) and Chromium is told to resolve every `*.test`
 * name to 127.0.0.1. The browser then sends the tenant's own host name, exactly as in
 * production, and no test depends on which tenant owns 127.0.0.1 (the demo tenant does,
 * once seeded).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type * as Axe from 'axe-core';
import { newTenant, startTestApp, type TestContext, type TestTenant } from './harness.ts';

/** Debian's Chromium (apt-get install chromium). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // newTenant() hosts end in .test: send them to the live server on 127.0.0.1.
  '--host-resolver-rules=MAP *.test 127.0.0.1',
];

/** The WCAG rule sets every page is checked against (JIS X 8341-3:2016 AA = WCAG 2.0 AA, plus 2.1/2.2 AA). */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** True when Chromium is installed, so browser tests can run. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * The `skip` option for a browser test suite: a reason (printed by the test reporter) when
 * Chromium is missing, false when the suite must run. On CI (CI=true) the suite always runs,
 * so a missing browser fails loudly there instead of being skipped.
 */
export function browserTestSkip(): string | false {
  if (chromiumAvailable() || process.env.CI === 'true') return false;
  return `${CHROMIUM_PATH} is not installed (apt-get install -y chromium): browser and accessibility checks not run`;
}

export interface LiveServer {
  /** http://<tenant host>:<port>, to be opened by a browser from launchBrowser(). */
  baseUrl: string;
  ctx: TestContext;
  tenant: TestTenant;
  close(): Promise<void>;
}

/** The real app on the test database, listening on 127.0.0.1 (a free port), with a fresh tenant. */
export async function startLiveServer(options: Parameters<typeof startTestApp>[0] = {}): Promise<LiveServer> {
  const ctx = await startTestApp(options);
  try {
    const tenant = await newTenant(ctx.db);
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = ctx.app.server.address() as AddressInfo;
    return { baseUrl: `http://${tenant.host}:${port}`, ctx, tenant, close: () => ctx.close() };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}

/** Starts headless Chromium; throws with the fix when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Common viewports: a desktop and a small phone. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 375, height: 812 },
} as const;

/**
 * A fresh browser context (its own cookies) and page. JavaScript stays on only so the test
 * can inspect the page; the pages themselves ship none.
 */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number } = VIEWPORTS.desktop,
): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP lets axe be injected even once the app sends a Content-Security-Policy.
  const context = await browser.newContext({ viewport, bypassCSP: true, locale: 'ja-JP' });
  const page = await context.newPage();
  return { context, page };
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** One axe rule broken on a page, with the elements that break it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string; summary: string }[];
}

/** Runs axe-core in the page against AXE_TAGS; returns the violations (empty when clean). */
export async function checkAccessibility(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) {
    axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.addScriptTag({ content: axeSource });
  }
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: typeof Axe }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' '),
        summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
      })),
    }));
  }, AXE_TAGS);
}

/** Violations as readable lines, for assertion messages. */
export function formatViolations(violations: AxeViolation[]): string {
  if (violations.length === 0) return 'no accessibility violations';
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => `    - ${n.target}${n.summary ? `\n      ${n.summary}` : ''}`).join('\n');
      return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}
