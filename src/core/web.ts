/**
 * The request pipeline every route shares: tenant and language resolution, authentication
 * (session cookie or bearer token), CSRF checks on unsafe requests, page rendering, and one
 * error handler that answers problem+json to API clients and an accessible page to browsers.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { describeAccess, enforceAccess, type Access } from './access.ts';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { ANONYMOUS, CSRF_COOKIE, csrfTokenFor, isValidCsrf, SESSION_COOKIE, type Auth, type Authenticator, type Role } from './auth.ts';
import { AppError, clean, ERRORS, toProblem } from './errors.ts';
import { negotiateLang, type Lang } from './i18n.ts';
import { randomToken } from './crypto.ts';
import { RateLimitedError } from './rate-limit.ts';
import { resolveTenant, type Tenant } from './tenancy.ts';
import { fieldErrorsOf } from './validation.ts';
import { renderPage, type Breadcrumb, type PageContext } from './views/views.ts';
import './messages.ts';
import { runInChannel, setChannel } from './channel.ts';
import { currentDataVersions } from './data-version.ts';
import { cutAtSlots, fillSlots, SLOT_MARKS, type ViewerSlots } from './fast-path.ts';
import { TENANT_SCOPE } from './public-read.ts';
import { SessionCache } from './session-cache.ts';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
    lang: Lang;
    auth: Auth;
    csrfToken: string;
  }
  interface FastifyReply {
    /** Renders a page in the shell with the request's context. */
    page(template: string, data: PageData): FastifyReply;
    /** The HTML reply.page() would send, for callers that cache it. */
    pageHtml(template: string, data: PageData): string;
    /**
     * Sends a signed-in viewer a page whose body is shared by every viewer of the same role
     * and two-factor state (see viewerClass): rendered once per data version, date, URL and
     * language, with each viewer's own name and CSRF token put in. `build` must not read
     * anything else of the viewer (a page that shows a user's own work renders with page()).
     */
    viewerPage(template: string, read: ViewerRead, build: () => Promise<PageData>): Promise<FastifyReply>;
  }
}

/** A header link and who sees it ('everyone', or signed-in users of these roles). */
export interface NavItem {
  href: string;
  label: { ja: string; en: string };
  audience: 'everyone' | readonly Role[];
}

/** One route as registered: method, URL and its declared access (the authorisation table). */
export interface RouteAccess {
  method: string;
  url: string;
  access: string;
}

export type PageData = { title: string; breadcrumbs?: Breadcrumb[] } & Record<string, unknown>;

/** What a viewer page's shared body depends on, besides the tenant, the URL and the language. */
export interface ViewerRead {
  /** Data-version scopes the body depends on. */
  scopes: readonly string[];
  /** Set when the body depends on the date (today, JST). */
  today?: string;
}

/** True when the request belongs to the machine-facing API (answered with JSON). */
export function isApiRequest(request: FastifyRequest): boolean {
  const url = request.url;
  return url.startsWith('/api/') || url.startsWith('/opendata/') || url === '/healthz';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Cookie options shared by the session and CSRF cookies. */
export function cookieOptions(config: Config) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies };
}

export interface WebOptions {
  db: Db;
  config: Config;
  navItems: readonly NavItem[];
  authenticator: Authenticator;
  /** Complete sessions remembered where that is exact (shared with the fast path). */
  sessions?: SessionCache;
}

/** Installs the shared request pipeline on app; returns the table of routes and their access. */
export function installWeb(app: FastifyInstance, { db, config, navItems, authenticator, sessions = new SessionCache(db) }: WebOptions): RouteAccess[] {
  const routes: RouteAccess[] = [];
  // Deny by default: a route that does not say who may reach it is a programming error.
  app.addHook('onRoute', (route) => {
    const declared = (route.config as { access?: Access } | undefined)?.access;
    if (!declared) throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
    // HEAD twins of GET routes share their declaration.
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, access: describeAccess(declared) });
  });
  app.decorateRequest('tenant', null as unknown as Tenant);
  app.decorateRequest('lang', 'ja');
  app.decorateRequest('auth', null as unknown as Auth);
  app.decorateRequest('csrfToken', '');

  // Every request runs in its own channel context (the audit log reads it).
  app.addHook('onRequest', (_request, _reply, done) => runInChannel('unknown', done));
  app.addHook('onRequest', async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    request.lang = negotiateLang(query?.lang, request.cookies.lang, request.headers['accept-language']);
    if (query?.lang === 'ja' || query?.lang === 'en') {
      reply.setCookie('lang', query.lang, { ...cookieOptions(config), maxAge: 365 * 24 * 3600 });
    }
    request.auth = ANONYMOUS;
    if (request.url === '/healthz' || request.url === '/favicon.ico' || request.url.startsWith('/assets/')) return;

    const tenant = await resolveTenant(db, request.hostname, config.defaultTenant);
    if (!tenant) throw new AppError('not_found', { ja: 'この自治体は登録されていません', en: 'No municipality is set up here' });
    request.tenant = tenant;

    let csrfCookie = request.cookies[CSRF_COOKIE];
    // Machine clients of the API get no CSRF cookie (browsers get theirs from any page).
    if ((!csrfCookie || csrfCookie.length < 20) && !isApiRequest(request)) {
      csrfCookie = randomToken();
      request.cookies[CSRF_COOKIE] = csrfCookie;
      reply.setCookie(CSRF_COOKIE, csrfCookie, cookieOptions(config));
    }
    request.csrfToken = csrfCookie ? csrfTokenFor(config.secret, csrfCookie) : '';

    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      request.auth = match ? await authenticator.bearer(db, tenant.id, match[1]!) : ANONYMOUS;
      // A bearer header that does not authenticate is refused outright, never treated as anonymous.
      if (!request.auth.user) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new AppError('unauthenticated', { ja: 'APIトークンが無効です', en: 'The API token is invalid or revoked' });
      }
    } else {
      const sessionCookie = request.cookies[SESSION_COOKIE];
      if (sessionCookie) request.auth = await sessions.authenticate(tenant.id, sessionCookie, () => authenticator.session(db, tenant.id, sessionCookie));
    }
    setChannel(request.auth.via === 'token' || (!request.auth.user && isApiRequest(request)) ? 'api' : 'form');
    // The route's declared access, before anything reads the body.
    const declared = request.routeOptions.config?.access;
    if (declared) enforceAccess(request, declared);
  });

  // CSRF: a browser request that changes something must carry the form's token. Requests
  // authenticated by a bearer token carry no ambient credentials and are exempt.
  app.addHook('preHandler', async (request) => {
    if (!UNSAFE.has(request.method) || request.auth.via === 'token') return;
    // Without a session cookie an API request carries no ambient credentials: its own auth check
    // answers (401). Everything else — any page form, any request with a session — needs a token.
    if (!request.cookies[SESSION_COOKIE] && isApiRequest(request)) return;
    const body = request.body as Record<string, unknown> | undefined;
    const submitted = request.headers['x-csrf-token'] ?? body?._csrf;
    if (!isValidCsrf(config.secret, request.cookies[CSRF_COOKIE], submitted)) throw new AppError('csrf');
  });

  app.decorateReply('pageHtml', function (this: FastifyReply, template: string, data: PageData) {
    return renderPageFor(this.request, template, data, navItems);
  });
  app.decorateReply('page', function (this: FastifyReply, template: string, data: PageData) {
    return this.type('text/html; charset=utf-8').send(this.pageHtml(template, data));
  });
  app.decorateReply('viewerPage', async function (this: FastifyReply, template: string, read: ViewerRead, build: () => Promise<PageData>) {
    const request = this.request;
    const scopes = [TENANT_SCOPE, ...read.scopes];
    const validity = { tenantId: request.tenant.id, scopes, versions: await currentDataVersions(db, request.tenant.id, scopes, request), today: read.today ?? '' };
    const viewer = { displayName: request.auth.user?.displayName ?? '', csrfToken: request.csrfToken };
    const fast = request.server.fastPath;
    const cached = fast?.viewerPage(request, validity);
    if (cached) return this.type('text/html; charset=utf-8').send(fillSlots(cached, viewer));
    const data = await build();
    const html = renderPageFor(request, template, data, navItems);
    if (fast && request.auth.user && request.csrfToken) {
      // Kept only when the cut page, filled in, is exactly the page just rendered.
      const cut = cutAtSlots(renderPageFor(request, template, data, navItems, SLOT_MARKS));
      if (fillSlots(cut, viewer) === html) fast.rememberViewerPage(request, { ...validity, ...cut });
    }
    return this.type('text/html; charset=utf-8').send(html);
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(request, reply, new AppError('not_found'));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) return sendError(request, reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as { validationContext?: string }).validationContext;
      const issues = error.validation.map((v) => ({
        ...(v.params as object),
        code: v.keyword,
        message: v.message ?? '',
        path: v.instancePath.split('/').filter(Boolean),
      })) as unknown as z.core.$ZodIssue[];
      const prefix = where === 'body' || !where ? '' : where;
      return sendError(request, reply, new AppError('validation', undefined, fieldErrorsOf(issues, request.lang, prefix)));
    }
    // Constraints live in the database: a value it refuses is the client's mistake, not a crash.
    const sqlState = (error as { code?: unknown }).code;
    if (typeof sqlState === 'string' && /^2[23][0-9A-Z]{3}$/.test(sqlState)) {
      request.log.warn({ sqlState, constraint: (error as { constraint?: string }).constraint }, 'refused by a database rule');
      return sendError(request, reply, new AppError(sqlState.startsWith('23') ? 'conflict' : 'bad_request'));
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return sendError(request, reply, new AppError('payload_too_large'));
    if (status === 415) return sendError(request, reply, new AppError('unsupported_media_type'));
    if (status >= 400 && status < 500) {
      // Malformed JSON, bad content length and similar client errors from Fastify itself.
      return sendError(
        request,
        reply,
        new AppError('bad_request', {
          ja: 'リクエストの形式が正しくありません（JSON などの書き方を確認してください）',
          en: `The request is malformed: ${error.message}`,
        }),
      );
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(request, reply, new AppError('internal'), true);
  });
  return routes;
}

/** A page's HTML in the shell, with the request's language, user, tenant and CSRF token. */
function renderPageFor(request: FastifyRequest, template: string, data: PageData, navItems: readonly NavItem[], slots?: ViewerSlots): string {
  const role = request.auth.user && (request.auth.mfaPassed || request.auth.via === 'token') ? request.auth.user.role : null;
  const context: PageContext = {
    ...data,
    lang: request.lang,
    path: request.url,
    langSwitchHref: langSwitchHref(request.url, request.lang === 'ja' ? 'en' : 'ja'),
    csrfToken: slots?.csrfToken ?? request.csrfToken,
    user: request.auth.user ? { displayName: slots?.displayName ?? request.auth.user.displayName, role: request.auth.user.role } : null,
    tenant: request.tenant ?? { nameJa: '', nameEn: '' },
    navItems: navItems
      .filter((item) => item.audience === 'everyone' || (role !== null && item.audience.includes(role)))
      .map((item) => ({
        href: item.href,
        label: item.label[request.lang],
        current: request.url.split('?')[0] === item.href,
      })),
  };
  return renderPage(template, context);
}

/** The current URL with ?lang= set to lang. */
function langSwitchHref(url: string, lang: Lang): string {
  const q = url.indexOf('?');
  // One leading slash: a path like //host/x must stay on this site.
  const pathname = (q < 0 ? url : url.slice(0, q)).replace(/^\/+/, '/');
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  params.set('lang', lang);
  return `${pathname}?${params.toString()}`;
}

/**
 * The router's own errors (FST_ERR_MAX_PARAM_LENGTH → 414, FST_ERR_BAD_URL → 400), before any
 * hook ran: problem+json in the language of Accept-Language, without echoing the URL.
 */
export function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = negotiateLang(undefined, undefined, request.headers['accept-language']);
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const problem = toProblem(
    new AppError('bad_request', tooLong ? { ja: 'URL が長すぎます', en: 'The URL is too long' } : { ja: 'URL の形式が正しくありません', en: 'The URL is malformed' }),
    lang,
  );
  return reply
    .code(tooLong ? 414 : 400)
    .type('application/problem+json; charset=utf-8')
    .send({ ...problem, status: tooLong ? 414 : 400 });
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError, withRequestId = false): FastifyReply {
  const lang = request.lang ?? 'ja';
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
  const wantsHtml = !isApiRequest(request) && (request.headers.accept ?? '').includes('text/html');
  if (wantsHtml || (!isApiRequest(request) && request.method === 'GET')) {
    // Browsers: sign-in redirects for pages that need it, otherwise an accessible error page.
    if (error.code === 'unauthenticated' && request.method === 'GET' && request.tenant) {
      const pending = (request.auth?.user && !request.auth.mfaPassed) || request.auth?.pendingUser;
      const target = pending ? '/login/two-factor' : '/login';
      return reply.redirect(`${target}?next=${encodeURIComponent(request.url)}`, 303);
    }
    reply.code(error.status);
    if (!request.tenant) {
      return reply.type('text/plain; charset=utf-8').send(`${ERRORS[error.code].ja}\n${ERRORS[error.code].en}`);
    }
    return reply.page('error.njk', {
      title: ERRORS[error.code][lang],
      detail: clean(error.detail?.[lang] ?? (error.errors.length ? error.errors.map((e) => e.message).join(' ') : ''), 1000),
      requestId: withRequestId ? request.id : undefined,
    });
  }
  return reply
    .code(error.status)
    .type('application/problem+json; charset=utf-8')
    .send(toProblem(error, lang, request.url.split('?')[0], withRequestId ? request.id : undefined));
}
