/**
 * Cached reads answered before Fastify: the HTTP server asks here first, and a GET that
 * repeats a cached public read (a visitor's, or a signed-in page's shared body) is answered
 * from bytes already made, without Fastify's request objects, router and hook chain. What
 * every such answer needs is done here too, the same way: the security headers, the tenant
 * by host, the language, the data versions the cached body was made under (and the date),
 * the ETag (304), the compressed variant, and the one log line per request.
 *
 * Only what Fastify's own pipeline made and recorded is served, under the same conditions:
 * - A visitor's read (`rememberPublic`) was produced for a request without credentials, so
 *   the route admits visitors; it is served again only to requests without credentials (no
 *   Authorization header, no session cookie), for the same host, URL and language, while the
 *   tenant, its versions and the date are unchanged.
 * - A signed-in page (`rememberViewerPage`) was rendered by Fastify's pipeline for a viewer of
 *   the same role and two-factor state, with the viewer's name and CSRF token left as slots;
 *   it is served to a session this process remembers as valid (session-cache.ts: any write
 *   to the database forgets them), with that user's own name and token in the slots and
 *   `Cache-Control: private, no-store`.
 * Anything else — another method, a `?lang=` to remember, a forwarded host, a bearer token,
 * a missing CSRF cookie, an unknown session, a miss — goes to Fastify, which answers it and
 * may record it. Nothing is parsed before this decision but the headers named above.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import nunjucks from 'nunjucks';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { csrfTokenFor, CSRF_COOKIE, SESSION_COOKIE, type Auth } from './auth.ts';
import type { Clock } from './clock.ts';
import { knownVersions, tenantVersions, versionsOf } from './data-version.ts';
import { todayJst } from './dates.ts';
import type { Sql } from './db/database.ts';
import { negotiateLang, type Lang } from './i18n.ts';
import type { SessionCache } from './session-cache.ts';
import { resolvedTenant } from './tenancy.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Cached reads answered before Fastify (set by buildApp). */
    fastPath?: FastPath;
  }
}

/** Nunjucks' own escaping: what its autoescape does to a value in any template position. */
const escapeHtml = (nunjucks as unknown as { lib: { escape(s: string): string } }).lib.escape;

/** What a cached body was made under: checked again before each answer. */
interface Validity {
  tenantId: string;
  /** Every scope the body depends on (the tenant's own among them). */
  scopes: readonly string[];
  /** The versions of those scopes then ("plan:3,tenant:1"). */
  versions: string;
  /** The date (JST) the body depends on, or ''. */
  today: string;
}

interface PublicEntry extends Validity {
  type: string;
  etag: string;
  body: Buffer;
  encoded: { br?: Buffer; gzip?: Buffer };
  /**
   * The answer's headers but its type, length and encoding, as Fastify's path had set them
   * (the security headers, ETag, caching, a file name, an open-data licence link …).
   */
  headers: Record<string, string>;
  /** The 200 answer's headers by encoding, made at the first answer here. */
  headersOf?: Partial<Record<'br' | 'gzip' | 'identity', Record<string, string>>>;
}

/** A signed-in page's HTML cut at the viewer's slots: parts[0] slot[0] parts[1] … parts[n]. */
interface ViewerEntry extends Validity {
  parts: string[];
  slots: ('name' | 'csrf')[];
  /** The parts as UTF-8, made at the first answer here. */
  bytes?: Buffer[];
}

/** What a page shows of its viewer, put into the cached body per request. */
export interface ViewerSlots {
  displayName: string;
  csrfToken: string;
}

/** A random mark for each slot: no page text contains it, and escaping leaves it alone. */
const MARK = `\u0001${randomUUID().replaceAll('-', '')}`;
export const SLOT_MARKS: ViewerSlots = { displayName: `${MARK}n\u0001`, csrfToken: `${MARK}c\u0001` };
const SLOT_RE = new RegExp(`${MARK}([nc])\u0001`, 'g');

/** Cuts HTML rendered with SLOT_MARKS into parts and slots. */
export function cutAtSlots(marked: string): { parts: string[]; slots: ('name' | 'csrf')[] } {
  const parts: string[] = [];
  const slots: ('name' | 'csrf')[] = [];
  let last = 0;
  for (const m of marked.matchAll(SLOT_RE)) {
    parts.push(marked.slice(last, m.index));
    slots.push(m[1] === 'n' ? 'name' : 'csrf');
    last = m.index + m[0].length;
  }
  parts.push(marked.slice(last));
  return { parts, slots };
}

/** The cut page with the viewer's own (escaped) name and token in its slots. */
export function fillSlots(entry: { parts: string[]; slots: ('name' | 'csrf')[] }, viewer: ViewerSlots): string {
  const name = escapeHtml(viewer.displayName);
  const csrf = escapeHtml(viewer.csrfToken);
  let html = entry.parts[0]!;
  for (let i = 0; i < entry.slots.length; i++) html += (entry.slots[i] === 'name' ? name : csrf) + entry.parts[i + 1]!;
  return html;
}

/** What the shared body of a signed-in page may depend on: the role and the two-factor state. */
export function viewerClass(auth: Auth): string {
  return `${auth.user?.role ?? ''}|${auth.mfaPassed}|${auth.via ?? ''}`;
}

/** The best encoding the client takes for a body worth compressing. */
export function encodingFor(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  let known = encodings.get(acceptEncoding);
  if (known === undefined) {
    const offered = new Map(
      acceptEncoding.split(',').map((part) => {
        const [name = '', ...params] = part.trim().toLowerCase().split(';');
        const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        return [name.trim(), q ? Number(q.slice(2)) : 1] as const;
      }),
    );
    const takes = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
    known = takes('br') ? 'br' : takes('gzip') ? 'gzip' : null;
    if (encodings.size > 200) encodings.clear();
    encodings.set(acceptEncoding, known);
  }
  return known;
}
const encodings = new Map<string, 'br' | 'gzip' | null>();

const languages = new Map<string, Lang>();
function langOf(cookieLang: string | undefined, acceptLanguage: string | undefined): Lang {
  if (cookieLang === 'ja' || cookieLang === 'en') return cookieLang;
  if (!acceptLanguage) return negotiateLang(undefined, undefined, undefined);
  let lang = languages.get(acceptLanguage);
  if (lang === undefined) {
    lang = negotiateLang(undefined, undefined, acceptLanguage);
    if (languages.size > 200) languages.clear();
    languages.set(acceptLanguage, lang);
  }
  return lang;
}

/** One cookie's value from a Cookie header (as @fastify/cookie decodes it), or undefined. */
function cookieValue(header: string, name: string): string | undefined {
  let at = 0;
  for (;;) {
    at = header.indexOf(`${name}=`, at);
    if (at < 0) return undefined;
    if (at === 0 || header[at - 1] === ' ' || header[at - 1] === ';') break;
    at += name.length;
  }
  const start = at + name.length + 1;
  const end = header.indexOf(';', start);
  let value = (end < 0 ? header.slice(start) : header.slice(start, end)).trim();
  if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1);
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A small LRU by key. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

export interface FastPathOptions {
  db: Sql;
  defaultTenant: string;
  secret: string;
  clock: Clock;
  log: FastifyBaseLogger;
  /** The headers every answer carries (Helmet's, computed once). */
  securityHeaders: Readonly<Record<string, string>>;
  sessions: SessionCache;
  /**
   * Where the request line is written as JSON made here (pino's line for these fields, without
   * pino's per-line work), when the app's logger writes pino's default format to this stream;
   * otherwise the line goes through `log`.
   */
  requestLine?: {
    write(line: string): void;
    /** `"pid":N,"hostname":"…"` as pino's base fields. */
    base: string;
    /** The URL as the logger's request serializer writes it (secrets in queries redacted). */
    url(url: string): string;
  };
  /** Signed-in pages compressed per request as @fastify/compress does. */
  compressHtml(body: Buffer, encoding: 'br' | 'gzip'): Buffer;
}

export class FastPath {
  private readonly publicReads = new Lru<PublicEntry>(1000);
  private readonly viewerPages = new Lru<ViewerEntry>(1000);
  private used = false;
  /** How many requests were answered here (tests and diagnostics). */
  answered = 0;

  constructor(private readonly options: FastPathOptions) {}

  /** Records a public read Fastify just answered for a request without credentials. */
  rememberPublic(request: FastifyRequest, entry: Omit<PublicEntry, 'encoded'>, encoding: 'br' | 'gzip' | null, packed?: Buffer): void {
    const key = this.keyOf(request);
    if (key === undefined || request.auth.user || request.headers.authorization || request.cookies[SESSION_COOKIE]) return;
    const known = this.publicReads.get(key);
    const encoded = known && known.etag === entry.etag ? known.encoded : {};
    if (encoding && packed) encoded[encoding] = packed;
    this.publicReads.set(key, { ...entry, encoded });
    this.used = true;
  }

  /** The cut signed-in page for this request's viewer, when it is still valid. */
  viewerPage(request: FastifyRequest, validity: Validity): ViewerEntry | undefined {
    const key = this.keyOf(request, viewerClass(request.auth));
    const entry = key === undefined ? undefined : this.viewerPages.get(key);
    return entry && sameValidity(entry, validity) ? entry : undefined;
  }

  /** Records a signed-in page's cut body, rendered for this request's viewer class. */
  rememberViewerPage(request: FastifyRequest, entry: ViewerEntry): void {
    const key = this.keyOf(request, viewerClass(request.auth));
    if (key === undefined) return;
    this.viewerPages.set(key, entry);
    this.used = true;
  }

  private keyOf(request: FastifyRequest, viewer = ''): string | undefined {
    const host = request.headers.host;
    // Only what serve() can recognise again: a GET on a plain host, its language not being set.
    if (request.method !== 'GET' || !host || request.headers['x-forwarded-host'] || setsLang(request.url)) return undefined;
    return `${host}\n${request.url}\n${request.lang}\n${viewer}`;
  }

  /**
   * Answers req when it repeats a cached read: true (answered), false (Fastify's), or a promise
   * of either when the versions must be read from a shared database first.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    if (!this.used || req.method !== 'GET') return false;
    const headers = req.headers;
    const host = headers.host;
    const url = req.url!;
    if (!host || headers.authorization || headers['x-forwarded-host'] || setsLang(url)) return false;
    const started = performance.now();
    const cookie = headers.cookie;
    const lang = langOf(cookie ? cookieValue(cookie, 'lang') : undefined, headers['accept-language']);
    const session = cookie ? cookieValue(cookie, SESSION_COOKIE) : undefined;
    const { db, defaultTenant } = this.options;
    const tenant = resolvedTenant(db, host, defaultTenant);
    if (!tenant) return false;

    if (!session) {
      const entry = this.publicReads.get(`${host}\n${url}\n${lang}\n`);
      if (!entry || entry.tenantId !== tenant.id) return false;
      return this.whenValid(entry, () => this.sendPublic(req, res, entry, started));
    }
    const auth = this.options.sessions.peek(tenant.id, session);
    if (!auth?.user) return false;
    const csrfCookie = cookieValue(cookie!, CSRF_COOKIE);
    if (!csrfCookie || csrfCookie.length < 20) return false;
    const entry = this.viewerPages.get(`${host}\n${url}\n${lang}\n${viewerClass(auth)}`);
    if (!entry || entry.tenantId !== tenant.id) return false;
    return this.whenValid(entry, () => this.sendViewerPage(req, res, entry, this.slotBytes(auth, csrfCookie), started));
  }

  /** Runs send when the entry's versions and date still hold (reading them if need be). */
  private whenValid(entry: Validity, send: () => boolean): boolean | Promise<boolean> {
    if (entry.today && entry.today !== todayJst(this.options.clock.now())) return false;
    const known = knownVersions(this.options.db, entry.tenantId);
    if (known) return sameVersions(known, entry) && send();
    if (this.options.db.soleProcess) return false; // Fastify reads them, and this process remembers them
    return tenantVersions(this.options.db, entry.tenantId).then((versions) => versionsOf(versions, entry.scopes) === entry.versions && send());
  }

  private sendPublic(req: IncomingMessage, res: ServerResponse, entry: PublicEntry, started: number): boolean {
    const common = entry.headers;
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, common);
      res.end();
      this.logLine(req, 304, started);
      this.answered++;
      return true;
    }
    const encoding = entry.body.length >= 1024 ? encodingFor(req.headers['accept-encoding']) : null;
    const body = encoding ? entry.encoded[encoding] : entry.body;
    if (!body) return false; // not compressed this way yet: Fastify's path compresses and records it
    const variant = encoding ?? 'identity';
    const headers = ((entry.headersOf ??= {})[variant] ??= {
      ...common,
      'content-type': entry.type,
      ...(encoding ? { 'content-encoding': encoding } : {}),
      'content-length': String(body.length),
    });
    res.writeHead(200, headers);
    res.end(body);
    this.logLine(req, 200, started);
    this.answered++;
    return true;
  }

  /** The viewer's escaped name and CSRF token as bytes, made once per remembered session and CSRF cookie. */
  private slotBytes(auth: Auth, csrfCookie: string): { name: Buffer; csrf: Buffer } {
    let made = this.slotsOf.get(auth);
    if (!made || made.csrfCookie !== csrfCookie) {
      made = { csrfCookie, name: Buffer.from(escapeHtml(auth.user!.displayName)), csrf: Buffer.from(escapeHtml(csrfTokenFor(this.options.secret, csrfCookie))) };
      this.slotsOf.set(auth, made);
    }
    return made;
  }
  private readonly slotsOf = new WeakMap<Auth, { csrfCookie: string; name: Buffer; csrf: Buffer }>();

  private sendViewerPage(req: IncomingMessage, res: ServerResponse, entry: ViewerEntry, viewer: { name: Buffer; csrf: Buffer }, started: number): boolean {
    // fillSlots() in bytes: the parts are encoded once, the viewer's two values once per session.
    const bytes = (entry.bytes ??= entry.parts.map((p) => Buffer.from(p)));
    const chunks: Buffer[] = [bytes[0]!];
    let length = bytes[0]!.length;
    for (let i = 0; i < entry.slots.length; i++) {
      const slot = entry.slots[i] === 'name' ? viewer.name : viewer.csrf;
      chunks.push(slot, bytes[i + 1]!);
      length += slot.length + bytes[i + 1]!.length;
    }
    const encoding = length >= 1024 ? encodingFor(req.headers['accept-encoding']) : null;
    const packed = encoding ? this.options.compressHtml(Buffer.concat(chunks, length), encoding) : undefined;
    res.writeHead(200, encoding ? { ...this.viewerHeaders, vary: 'accept-encoding', 'content-encoding': encoding, 'content-length': String(packed!.length) } : { ...this.viewerHeaders, 'content-length': String(length) });
    if (packed) res.end(packed);
    else {
      // The chunks go out in one write, without being copied into one buffer first.
      res.cork();
      for (const chunk of chunks) res.write(chunk);
      res.end();
      res.uncork();
    }
    this.logLine(req, 200, started);
    this.answered++;
    return true;
  }
  private get viewerHeaders(): Record<string, string> {
    return (this.viewerHeadersMade ??= { ...this.options.securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store' });
  }
  private viewerHeadersMade: Record<string, string> | undefined;

  /** The request's one log line, as Fastify's path writes it (app.ts). */
  private logLine(req: IncomingMessage, status: number, started: number): void {
    const log = this.options.log as FastifyBaseLogger & { isLevelEnabled?(level: string): boolean };
    if (log.isLevelEnabled && !log.isLevelEnabled('info')) return;
    const id = randomUUID();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const line = this.options.requestLine;
    if (line) line.write(`{"level":30,"time":${Date.now()},${line.base},"reqId":"${id}","req":{"id":"${id}","method":"GET","url":${JSON.stringify(line.url(req.url!))}},"status":${status},"ms":${ms},"msg":"request"}\n`);
    else log.info({ reqId: id, req: { id, method: req.method, url: req.url }, status, ms }, 'request');
  }
}

/** versionsOf(versions, entry.scopes) === entry.versions, without making the string. */
function sameVersions(versions: ReadonlyMap<string, number>, entry: Validity): boolean {
  let pairs = versionPairs.get(entry);
  if (!pairs) versionPairs.set(entry, (pairs = entry.versions.split(',').map((p) => [p.slice(0, p.lastIndexOf(':')), Number(p.slice(p.lastIndexOf(':') + 1))] as const)));
  for (const [scope, version] of pairs) if ((versions.get(scope) ?? 0) !== version) return false;
  return true;
}
const versionPairs = new WeakMap<Validity, readonly (readonly [string, number])[]>();

function sameValidity(a: Validity, b: Validity): boolean {
  return a.tenantId === b.tenantId && a.versions === b.versions && a.today === b.today;
}

/** True when the URL's query sets the language (Fastify's path remembers it in a cookie). */
function setsLang(url: string): boolean {
  const q = url.indexOf('?');
  // Any "lang" (or an escaped character that could spell it) in the query: Fastify's path decides.
  return q >= 0 && /lang|%/i.test(url.slice(q));
}

/** Compression of signed-in pages with @fastify/compress's settings in app.ts. */
export function compressLikeThePlugin(body: Buffer, encoding: 'br' | 'gzip'): Buffer {
  return encoding === 'br' ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) : zlib.gzipSync(body, { level: 6 });
}
