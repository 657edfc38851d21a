/**
 * What a feature module gives the app: its routes, the nav entries it adds, the named
 * metrics it feeds the plan with, and the demo data it seeds. The app composes the modules;
 * src/core never imports one.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../core/config.ts';
import type { Db, Sql } from '../core/db/database.ts';
import type { MailSender } from '../core/mail.ts';
import type { Tenant } from '../core/tenancy.ts';
import type { NavItem } from '../core/web.ts';

/** Services every module's routes may use. */
export interface AppDeps {
  db: Db;
  config: Config;
  mail: MailSender;
}

export interface HibikiModule {
  name: string;
  /** Registers the module's routes. */
  routes(app: FastifyInstance, deps: AppDeps): Promise<void> | void;
  nav?: NavItem[];
  /** Adds the module's demo data to the demo tenant; must be idempotent. */
  seedDemo?(tx: Sql, tenant: Tenant, deps: { config: Config }): Promise<string[] | void>;
}
