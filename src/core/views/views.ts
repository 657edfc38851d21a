/**
 * Server-rendered pages: Nunjucks with auto-escaping on. Templates live in
 * src/core/views/templates (the shell, macros, shared pages) and in each module's views/
 * folder, named "<module>/views/<file>.njk".
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { translate, type Lang } from '../i18n.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const modulesDir = path.resolve(here, '../../modules');

export const publicDir = path.join(here, 'public');

/** The Nunjucks environment; autoescape is on, so user text is never raw HTML. */
export const env = new nunjucks.Environment(
  new nunjucks.FileSystemLoader([path.join(here, 'templates'), modulesDir], { noCache: false }),
  { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
);

export interface Breadcrumb {
  href?: string;
  label: string;
  /** The label's language when it may differ from the page's (a Japanese title on an English page). */
  lang?: Lang;
}

/** What every page gets from the request; modules add their own fields beside it. */
export interface PageContext {
  lang: Lang;
  path: string;
  /** The page's own URL with ?lang= replaced, for the language switch. */
  langSwitchHref: string;
  csrfToken: string;
  user: { displayName: string; role: string } | null;
  tenant: { nameJa: string; nameEn: string };
  title: string;
  breadcrumbs?: Breadcrumb[];
  [key: string]: unknown;
}

/** Renders a template with the shell's context and a `t` for messages. */
export function renderPage(template: string, context: PageContext): string {
  const lang = context.lang;
  return env.render(template, {
    ...context,
    t: (key: string, params?: Record<string, string | number>) => translate(lang, key, params),
  });
}
