/**
 * Builds the Hibiki application: Fastify with the zod type provider, the shared request
 * pipeline, OpenAPI, the shell's own pages and every module's routes. Started by main.ts;
 * tests call buildApp() and use inject().
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { createMailSender, type MailSender } from './core/mail.ts';
import { AppError } from './core/errors.ts';
import { installWeb } from './core/web.ts';
import { publicDir } from './core/views/views.ts';
import { modules } from './modules/index.ts';
import type { AppDeps } from './modules/module.ts';

export interface BuildOptions {
  db: Db;
  config: Config;
  /** Pino options or false; tests pass false. */
  logger?: boolean | object;
  mail?: MailSender;
}

/** Paths whose query strings or bodies may hold secrets: logged without them. */
function redactUrl(url: string): string {
  return url.replace(/\?.*$/, (q) => (/token|code|password/i.test(q) ? '?[redacted]' : q));
}

export async function buildApp({ db, config, logger, mail }: BuildOptions): Promise<FastifyInstance> {
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

  const mailer =
    mail ?? createMailSender(db, { smtpUrl: config.smtpUrl, from: config.mailFrom, log: (m, e) => app.log.warn({ err: e }, m) });
  app.addHook('onClose', async () => {
    if (!mail) await mailer.close();
  });
  const deps: AppDeps = { db, config, mail: mailer };

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

  installWeb(app, { db, config, navItems: () => modules.flatMap((m) => m.nav ?? []) });

  app.get('/healthz', { schema: { hide: true } }, async () => {
    try {
      await db.query('select 1');
      return { status: 'ok' };
    } catch {
      throw new AppError('unavailable');
    }
  });

  const css = readFileSync(path.join(publicDir, 'hibiki.css'));
  app.get('/assets/hibiki.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css),
  );

  for (const module of modules) {
    await app.register(async (scope) => module.routes(scope, deps));
  }
  return app;
}
