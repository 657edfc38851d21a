/**
 * Test support: a real database (a PGlite loaded from the migrated template, or the
 * PostgreSQL test database), the real app driven through inject(), and a fresh tenant per
 * test so tests never see each other's rows.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { openPglite, openPostgres, type Db } from '../core/db/database.ts';
import { randomToken } from '../core/crypto.ts';
import { ensureTenant, type Tenant } from '../core/tenancy.ts';
import { composePlatform, migratePlatform, type Platform } from '../platform.ts';
import type { AppDeps } from '../modules/module.ts';

/**
 * For tests that run the embedded database whatever DATABASE_URL says (a fresh data folder,
 * the command line, `npm start`): the PostgreSQL pass skips them, the embedded pass runs them.
 */
export const EMBEDDED_ONLY = process.env.DATABASE_URL ? 'the embedded database whatever DATABASE_URL says: run by the embedded pass' : false;

/** Opens the test database the runner prepared (or a migrated in-memory PGlite). */
export async function openTestDb(): Promise<Db> {
  if (process.env.DATABASE_URL) return openPostgres(process.env.DATABASE_URL, 4);
  const template = process.env.HIBIKI_TEST_TEMPLATE;
  if (template) return openPglite({ loadDataDir: new Blob([readFileSync(template)]) });
  const db = await openPglite();
  await migratePlatform(db, composePlatform());
  return db;
}

/** A configuration for tests: fixed secrets, a throw-away data folder, no SMTP. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    HIBIKI_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hibiki-test-')),
    HIBIKI_SECRET: 'test-secret-test-secret-test-secret-0123',
    HIBIKI_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    HIBIKI_DEFAULT_TENANT: 'no-such-tenant',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export interface TestContext {
  app: FastifyInstance;
  db: Db;
  config: Config;
  /** The services the modules were given (metrics, settings, clock …). */
  deps: AppDeps;
  platform: Platform;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** The clock the app's rules read (default: the real one). */
  clock?: Clock;
  /** A platform of other modules (default: every module). */
  platform?: Platform;
  /** A database to use instead of the test database (closed with the app). */
  db?: Db;
}

/** Builds the real app on the test database. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestContext> {
  const db = options.db ?? (await openTestDb());
  const config = testConfig(options.env);
  const platform = options.platform ?? composePlatform();
  const app = await buildApp({ db, config, logger: false, clock: options.clock ?? systemClock, platform });
  await app.ready();
  return {
    app,
    db,
    config,
    deps: app.deps,
    platform,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export interface TestTenant extends Tenant {
  host: string;
}

/** A fresh municipality reachable at its own host name. */
export async function newTenant(db: Db): Promise<TestTenant> {
  const code = `t-${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const host = `${code}.test`;
  const tenant = await ensureTenant(db, { code, nameJa: `テスト市 ${code}`, nameEn: `Test City ${code}`, hostnames: [host] });
  return { ...tenant, host };
}

/** A tiny cookie jar: remembers Set-Cookie answers and sends them back. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  store(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** A browser-like client for one tenant: keeps cookies, sends the CSRF token with forms. */
export class TestClient {
  readonly jar = new CookieJar();
  constructor(
    readonly app: FastifyInstance,
    readonly host: string,
  ) {}

  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const headers = { host: this.host, ...(options.headers ?? {}) } as Record<string, string>;
    if (this.jar.cookies.size && !headers.cookie) headers.cookie = this.jar.header();
    const res = await this.app.inject({ ...options, headers });
    this.jar.store(res);
    return res;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });
  }

  /** The CSRF token a form on this site would carry (fetches a page to get the cookie). */
  async csrfToken(): Promise<string> {
    const res = await this.get('/login');
    const match = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!match) throw new Error('no CSRF token on /login');
    return match[1]!;
  }

  /** Posts a form the way a browser does, with the CSRF token unless one is given. */
  async submit(url: string, fields: Record<string, string>, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === undefined ? await this.csrfToken() : options.csrf;
    const body = new URLSearchParams({ ...(token === null ? {} : { _csrf: token }), ...fields }).toString();
    return this.request({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
  }
}

/**
 * An empty database of its own (not the shared, migrated test database), for tests of
 * migrations and of modules that bring their own: a new PostgreSQL database beside the test
 * database (dropped on close), or a fresh in-memory PGlite.
 */
export async function freshDatabase(): Promise<Db & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) return openPglite();
  const name = `hibiki_fresh_${Date.now()}_${randomToken(4).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const admin = await openPostgres(url, 1);
  await admin.query(`create database ${name}`);
  await admin.close();
  const freshUrl = new URL(url);
  freshUrl.pathname = `/${name}`;
  const db = await openPostgres(freshUrl.toString(), 4);
  return {
    ...db,
    url: freshUrl.toString(),
    transaction: db.transaction.bind(db),
    async close() {
      await db.close();
      const again = await openPostgres(url, 1);
      await again.query(`drop database if exists ${name} with (force)`);
      await again.close();
    },
  };
}
