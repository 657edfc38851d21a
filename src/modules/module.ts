/**
 * The module contract: everything a feature module gives the platform. A module is one folder
 * under src/modules and one entry in src/modules/index.ts; the platform (src/platform.ts)
 * composes the modules, and nothing in src/core names one.
 */
import type { FastifyInstance } from 'fastify';
import type { Authenticator, AuthUser, Role } from '../core/auth.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Db, Sql } from '../core/db/database.ts';
import type { Messages } from '../core/i18n.ts';
import type { MetricDefinition, MetricRegistry } from '../core/metrics.ts';
import type { JobDefinition } from '../core/scheduler.ts';
import type { SettingDefinition, SettingsRegistry } from '../core/settings.ts';
import type { Tenant } from '../core/tenancy.ts';
import type { OpenDataLicence } from '../core/public-read.ts';

/** Services every module's routes (and jobs) may use. */
export interface AppDeps {
  db: Db;
  config: Config;
  clock: Clock;
  /** Asks the mail job to send what is queued (any app server's scheduler picks it up). */
  mail: { poke(): void };
  metrics: MetricRegistry;
  settings: SettingsRegistry;
  /** Every module's panels for a plan section page, and the scopes they depend on. */
  sectionPanels: { scopes: readonly string[]; panels(query: SectionPanelQuery): Promise<SectionPanel[]> };
  /** Every module's work items for the signed-in staff member. */
  workItems(query: WorkItemQuery): Promise<WorkItem[]>;
  /** Every module's header links (the start page lists a role's tools from them). */
  nav: readonly NavEntry[];
}

/** A link in the header for the people it serves. */
export interface NavEntry {
  href: string;
  label: { ja: string; en: string };
  /** Who sees it: everyone (signed in or not), or signed-in users of these roles. */
  audience: 'everyone' | readonly Role[];
}

/** What a module's command-line command gets. */
export interface CliContext {
  db: Db;
  config: Config;
  clock: Clock;
  deps: AppDeps;
  /** The municipality named by --tenant (or the default one). */
  tenant(): Promise<Tenant>;
  /** Positional arguments after the command words, and the parsed options. */
  args: string[];
  options: Record<string, string | boolean | undefined>;
  print(line: string): void;
}

export interface CliCommand {
  /** The command words, e.g. "groups import". */
  name: string;
  usage: string;
  /** Options it takes besides --tenant (type string unless listed as boolean). */
  options?: Record<string, { type: 'string' | 'boolean' }>;
  run(ctx: CliContext): Promise<void>;
}

/** What seeding demo data gets. */
export interface SeedContext {
  config: Config;
  clock: Clock;
  deps: AppDeps;
}

/** What a plan section page shows from another module (e.g. the section's 市民の実感 survey). */
export interface SectionPanel {
  heading: string;
  lead?: string;
  /** A chart drawn on the server (ECharts SVG with role="img", title and desc); the table gives the same numbers. */
  chartSvg?: string;
  table: { caption: string; columns: string[]; rows: string[][] };
  links?: { href: string; label: string }[];
  /** True when the panel shows demonstration data. */
  demo?: boolean;
}

export interface SectionPanelQuery {
  sql: Sql;
  tenantId: string;
  sectionCode: string;
  lang: 'ja' | 'en';
  today: string;
}

/**
 * A line of a staff member's work list or of the executive view ("承認待ち 3件"): each module
 * contributes its own through the contract.
 */
export interface WorkItem {
  label: string;
  count: number;
  href: string;
  /** 'alert' items also show on the executive view (overdue, incidents, lapsing). */
  kind: 'task' | 'alert';
}

export interface WorkItemQuery {
  sql: Sql;
  tenantId: string;
  user: AuthUser;
  lang: 'ja' | 'en';
  today: string;
  now: Date;
}

export interface HibikiModule {
  name: string;
  /** The folder of the module's migrations: `new URL('./migrations/', import.meta.url)`. */
  migrations?: URL;
  /** Registers the module's routes; each declares its access (core/access.ts). */
  routes?(app: FastifyInstance, deps: AppDeps): Promise<void> | void;
  /** Metrics the module feeds the plan's indicators with. */
  metrics?: readonly MetricDefinition[];
  /** Scheduled work (run by core's scheduler, started by main.ts). */
  jobs?: (deps: AppDeps) => readonly JobDefinition[];
  /** Header links. */
  nav?: readonly NavEntry[];
  /** The module's messages (registered once when the platform is composed). */
  messages?: readonly Messages[];
  /** Settings a municipality may change, with their defaults. */
  settings?: readonly SettingDefinition[];
  /** Commands of `npm run hibiki -- …`. */
  cli?: readonly CliCommand[];
  /** Adds the module's demo data to the demo tenant; must be idempotent. */
  seedDemo?(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[] | void>;
  /** The module that owns accounts authenticates sessions and bearer tokens (one module). */
  authenticator?: Authenticator;
  /**
   * The module that owns the municipality's open-data licence states it for every file under
   * /opendata/ (one module; see core/public-read.ts installOpenDataLicence).
   */
  openDataLicence?(deps: AppDeps, tenant: Tenant): Promise<OpenDataLicence>;
  /**
   * Panels on the plan's section pages, with the data-version scopes they depend on (the
   * plan's cached section page depends on them too).
   */
  sectionPanels?: { scopes: readonly string[]; panels(query: SectionPanelQuery): Promise<SectionPanel[]> };
  /** The signed-in staff member's tasks and alerts from this module (start page, executive view). */
  workItems?(query: WorkItemQuery): Promise<WorkItem[]>;
}
