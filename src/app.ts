/**
 * Builds the Hibiki application: Fastify with the zod type provider, the shared request
 * pipeline, OpenAPI, the shell's own routes and every module's routes. Started by main.ts;
 * tests call buildApp() and use inject(). No timers run here: the scheduler is main.ts's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { access } from './core/access.ts';
import { systemClock, type Clock } from './core/clock.ts';
import type { Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { AppError } from './core/errors.ts';
import { installWeb, type RouteAccess } from './core/web.ts';
import { publicDir } from './core/views/views.ts';
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
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its declared access: the authorisation table. */
    routeAccess: RouteAccess[];
    /** The services the modules were given. */
    deps: AppDeps;
  }
}

/** Paths whose query strings or bodies may hold secrets: logged without them. */
function redactUrl(url: string): string {
  return url.replace(/\?.*$/, (q) => (/token|code|password/i.test(q) ? '?[redacted]' : q));
}

export async function buildApp({ db, config, logger, clock = systemClock, platform = composePlatform() }: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
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
            ...(typeof logger === 'object' ? logger : {}),
          },
    genReqId: () => randomUUID(),
    trustProxy: config.trustProxy,
    bodyLimit: 5 * 1024 * 1024,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const deps = appDeps(platform, db, config, clock);
  app.decorate('deps', deps);

  await app.register(cookie);
  await app.register(formbody);
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

  const routes = installWeb(app, { db, config, navItems: platform.nav, authenticator: platform.authenticator });
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

  for (const module of platform.modules) {
    if (module.routes) await app.register(async (scope) => module.routes!(scope, deps));
  }
  return app;
}
