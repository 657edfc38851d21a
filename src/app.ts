/**
 * Builds the Hibiki application: Fastify with the zod type provider, the shared request
 * pipeline, OpenAPI, the shell's own routes and every module's routes. Started by main.ts;
 * tests call buildApp() and use inject(). No timers run here: the scheduler is main.ts's.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import zlib from 'node:zlib';
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import helmet from 'helmet';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { access } from './core/access.ts';
import { installBoundedJson, parseFormBody } from './core/bodies.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { fastifyTrustProxy, type Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { AppError } from './core/errors.ts';
import { installWeb, sendFrameworkError, type RouteAccess } from './core/web.ts';
import { compressLikeThePlugin, FastPath } from './core/fast-path.ts';
import { SessionCache } from './core/session-cache.ts';
import { publicDir } from './core/views/views.ts';
import { installOpenDataLicence } from './core/public-read.ts';
import { appDeps, composePlatform, type Platform } from './platform.ts';
import type { AppDeps } from './modules/module.ts';

export interface BuildOptions {
  db: Db;
  config: Config;
  /** Pino options or false; tests pass false. */
  logger?: boolean | object;
  /** The clock rules read (tests pass a ManualClock). */
  clock?: Clock;
  /** The composed platform (default: every module of src/modules/index.ts). */
  platform?: Platform;
  /** Where log lines go (main.ts passes an asynchronous destination). */
  logStream?: { write(line: string): void };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access: the authorisation table. */
    routeAccess: RouteAccess[];
    /** The services the modules were given. */
    deps: AppDeps;
  }
}

/** The HTTP parser refused a request: problem+json in both languages, then the socket is closed. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (!socket.writable) return;
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    type: `https://hibiki.example.jp/problems/${tooLarge ? 'headers-too-large' : 'bad-request'}`,
    title: tooLarge ? 'リクエストヘッダーが大きすぎます / Request headers too large' : 'リクエストが正しくありません / The request is malformed',
    status,
    code: tooLarge ? 'headers_too_large' : 'bad_request',
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Log lines written together: under load, one write to the destination for the lines of many
 * requests instead of one per request (each write is a system call on another thread). Lines
 * wait at most LOG_BATCH_MS or until LOG_BATCH_BYTES have gathered; a warning or an error is
 * written at once, with whatever waits before it. When the app closes, everything waiting is
 * written, and so is every line after it at once (a shutdown still logs what it does).
 */
export function batchedLines(stream: { write(line: string): void }): { write(line: string): void; flush(): void; end(): void } {
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const lines = pending;
    pending = '';
    stream.write(lines);
  };
  return {
    write(line: string) {
      pending += line;
      // pino's lines begin {"level":NN, — 40 and above are warnings, errors and fatal ones.
      const level = line.startsWith('{"level":') && line[11] === ',' ? Number(line.slice(9, 11)) : NaN;
      if (ended || !(level < 40) || pending.length >= LOG_BATCH_BYTES) return flush();
      if (!timer) {
        timer = setTimeout(flush, LOG_BATCH_MS);
        // Never what keeps the process alive; main.ts closes the app (which flushes) before exiting.
        timer.unref();
      }
    },
    flush,
    end() {
      ended = true;
      flush();
    },
  };
}
const LOG_BATCH_MS = 20;
const LOG_BATCH_BYTES = 16 * 1024;

/** Paths whose query strings or bodies may hold secrets: logged without them. */
function redactUrl(url: string): string {
  if (!url.includes('?')) return url;
  return url.replace(/\?.*$/, (q) => (/token|code|password/i.test(q) ? '?[redacted]' : q));
}

/** The Content-Security-Policy of every answer: the pages ship no JavaScript at all. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'style-src': ["'self'"],
  // Server-drawn SVG charts carry style attributes (no style elements, no scripts).
  'style-src-attr': ["'unsafe-inline'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

/** The headers Helmet sets with these options, read off one run of its middleware. */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

export async function buildApp({ db, config, logger, clock = systemClock, platform = composePlatform(), logStream: destination }: BuildOptions): Promise<FastifyInstance> {
  const logStream = destination && batchedLines(destination);
  // Set once the app exists: cached reads answered before Fastify (core/fast-path.ts).
  const early: { fastPath?: FastPath } = {};
  const app = Fastify({
    // Plugins register while the embedded database may still be opening on the same thread (a
    // first start creates it: seconds of WebAssembly, tens of seconds on a busy machine). The
    // default 10 s plugin timeout counts that time and failed such starts ("Plugin did not start
    // in time: '@fastify/cookie'"); a plugin that truly never finishes still fails, later.
    pluginTimeout: 300_000,
    // The server asks the fast path first; everything it does not answer goes to Fastify.
    serverFactory: (handler, fastifyOptions) => {
      const options = fastifyOptions as { http?: http.ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket?: number };
      const server = http.createServer(options.http ?? {}, (req, res) => {
        const answered = early.fastPath ? early.fastPath.serve(req, res) : false;
        if (answered === false) handler(req, res);
        else if (answered !== true) {
          answered.then(
            (done) => {
              if (!done) handler(req, res);
            },
            (err: unknown) => {
              app.log.warn({ err }, 'fast path failed');
              if (!res.headersSent) handler(req, res);
            },
          );
        }
      });
      // What Fastify sets on a server it makes itself.
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      if ((options.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
      return server;
    },
    logger:
      logger === false
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
            serializers: {
              // Only what identifies an error: database errors carry the query's values
              // (params, detail) and must not reach the logs.
              err: (err: Error & { code?: unknown; constraint?: unknown }) => ({
                type: err.name,
                message: err.message,
                stack: err.stack ?? '',
                code: err.code,
                constraint: err.constraint,
              }),
              req: (req: { method: string; url: string; id: string; ip: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
            },
            ...(logStream ? { stream: logStream } : {}),
            ...(typeof logger === 'object' ? logger : {}),
          },
    // One line per request (written in onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Errors of the router itself (a path parameter over the limit, a malformed URL) answer
    // like any other error: problem+json in the reader's language, the URL not echoed.
    frameworkErrors: (error, request, reply) => sendFrameworkError(error, request, reply),
    // Errors of the HTTP parser (headers too large, a broken request line): no request exists yet.
    clientErrorHandler: answerClientError,
    genReqId: () => randomUUID(),
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: 5 * 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const deps = appDeps(platform, db, config, clock);
  app.decorate('deps', deps);

  // Helmet's headers are the same for every answer: computed once here (@fastify/helmet
  // rebuilt Helmet's middleware on every request) and set by one hook.
  const securityHeaders = {
    ...helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      // HSTS only where the site is served over TLS.
      hsts: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      crossOriginEmbedderPolicy: false,
    }),
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  };
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  const sessions = new SessionCache(db);
  const fastPath = (early.fastPath = new FastPath({
    db,
    defaultTenant: config.defaultTenant,
    secret: config.secret,
    clock,
    log: app.log,
    securityHeaders,
    sessions,
    // pino's default line format, to the same stream, when no logger options change it.
    ...(logStream && logger !== false && typeof logger !== 'object'
      ? { requestLine: { write: (line: string) => logStream.write(line), base: `"pid":${process.pid},"hostname":${JSON.stringify(os.hostname())}`, url: redactUrl } }
      : {}),
    compressHtml: compressLikeThePlugin,
  }));
  app.decorate('fastPath', fastPath);
  if (logStream) app.addHook('onClose', (_instance, done) => {
    logStream.end();
    done();
  });
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    // Answers made per request are compressed fast; cached public reads are compressed once, harder.
    // (The fast path compresses signed-in pages the same way: compressLikeThePlugin.)
    brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
    zlibOptions: { level: 6 },
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // What a signed-in person sees is theirs: never stored by a browser or a proxy. Public
    // reads that carry an ETag are the same for everyone.
    if (request.auth?.user && !reply.hasHeader('etag')) reply.header('cache-control', 'private, no-store');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      { req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
    done();
  });
  await app.register(cookie);
  installBoundedJson(app);
  await app.register(formbody, { parser: parseFormBody });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hibiki API',
        description: '響き Hibiki — 総合計画「市民協働のまちづくり」推進プラットフォームの API / API of the Hibiki platform',
        version: '1.0.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });

  const routes = installWeb(app, { db, config, navItems: platform.nav, authenticator: platform.authenticator, sessions });
  app.decorate('routeAccess', routes);

  app.get('/healthz', { schema: { hide: true }, config: { access: access.public } }, async () => {
    try {
      await db.query('select 1');
      return { status: 'ok' };
    } catch {
      throw new AppError('unavailable');
    }
  });

  const css = readFileSync(path.join(publicDir, 'hibiki.css'));
  app.get('/assets/hibiki.css', { schema: { hide: true }, config: { access: access.public } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );
  const favicon = readFileSync(path.join(publicDir, 'favicon.svg'));
  for (const url of ['/assets/favicon.svg', '/favicon.ico']) {
    app.get(url, { schema: { hide: true }, config: { access: access.public } }, async (_request, reply) =>
      reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(favicon),
    );
  }

  // At the root, before the modules' scopes, so the hooks reach every module's open data.
  const licence = platform.openDataLicence;
  if (licence) installOpenDataLicence(app, (tenant) => licence(deps, tenant));

  for (const module of platform.modules) {
    if (module.routes) await app.register(async (scope) => module.routes!(scope, deps));
  }
  return app;
}
