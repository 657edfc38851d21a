/**
 * The platform composed from the modules: migrations in one global order, the metric
 * registry, settings, scheduled jobs, header links, messages, command-line commands and the
 * authenticator. app.ts, main.ts, the command line and the tests all compose it here, from
 * src/modules/index.ts or from the modules a test gives.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sealAuditLog } from './core/audit.ts';
import type { Clock } from './core/clock.ts';
import type { Config } from './core/config.ts';
import type { Db } from './core/db/database.ts';
import { CORE_MIGRATIONS, loadMigrations, migrate, type Migration, type MigrationSource } from './core/db/migrate.ts';
import { defineMessages } from './core/i18n.ts';
import { mailJob } from './core/mail.ts';
import { MetricRegistry } from './core/metrics.ts';
import { purgeRateLimits } from './core/rate-limit.ts';
import { triggerJob, type JobDefinition } from './core/scheduler.ts';
import { SettingsRegistry } from './core/settings.ts';
import { ANONYMOUS, type Authenticator } from './core/auth.ts';
import { modules as defaultModules } from './modules/index.ts';
import type { AppDeps, CliCommand, HibikiModule, NavEntry } from './modules/module.ts';

export interface Platform {
  modules: readonly HibikiModule[];
  metrics: MetricRegistry;
  settings: SettingsRegistry;
  nav: NavEntry[];
  cli: CliCommand[];
  authenticator: Authenticator;
  /** The open-data licence, when a module states one (at most one module). */
  openDataLicence: HibikiModule['openDataLicence'];
  migrationSources: MigrationSource[];
  /** Every job of core and the modules, for a scheduler (given the app's services). */
  jobs(deps: AppDeps): JobDefinition[];
}

/** Nobody is signed in when no module authenticates (a platform without accounts). */
const nobody: Authenticator = { session: async () => ANONYMOUS, bearer: async () => ANONYMOUS };

/** Composes the platform from modules (default: every module of src/modules/index.ts). */
export function composePlatform(modules: readonly HibikiModule[] = defaultModules): Platform {
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`module ${m.name} is listed twice`);
    names.add(m.name);
    for (const messages of m.messages ?? []) defineMessages(messages);
  }
  const authenticators = modules.filter((m) => m.authenticator);
  if (authenticators.length > 1) throw new Error(`more than one module authenticates: ${authenticators.map((m) => m.name).join(', ')}`);
  const licensors = modules.filter((m) => m.openDataLicence);
  if (licensors.length > 1) throw new Error(`more than one module states the open-data licence: ${licensors.map((m) => m.name).join(', ')}`);
  return {
    modules,
    metrics: new MetricRegistry(modules.flatMap((m) => m.metrics ?? [])),
    settings: new SettingsRegistry(modules.flatMap((m) => m.settings ?? [])),
    nav: modules.flatMap((m) => m.nav ?? []),
    cli: modules.flatMap((m) => m.cli ?? []),
    authenticator: authenticators[0]?.authenticator ?? nobody,
    openDataLicence: licensors[0]?.openDataLicence,
    migrationSources: [CORE_MIGRATIONS, ...modules.filter((m) => m.migrations).map((m) => ({ owner: m.name, dir: m.migrations! }))],
    jobs: (deps) => {
      const moduleJobs = modules.flatMap((m) => m.jobs?.(deps) ?? []);
      return [...coreJobs(deps, moduleJobs), ...moduleJobs];
    },
  };
}

/** Core's own jobs: delivering mail, and forgetting what is no longer needed. */
function coreJobs(deps: AppDeps, jobs: readonly JobDefinition[]): JobDefinition[] {
  const { db, config } = deps;
  return [
    mailJob(db, { smtpUrl: config.smtpUrl, from: config.mailFrom }),
    {
      // Chains new audit entries a few seconds after they are written, and anchors the head.
      name: 'audit.seal',
      everySeconds: 5,
      async run({ now }) {
        mkdirSync(path.dirname(config.auditAnchorFile), { recursive: true });
        const n = await sealAuditLog(db, { now, anchors: { file: config.auditAnchorFile, secret: config.secret } });
        return `${n} entries sealed`;
      },
    },
    {
      name: 'core.purge',
      everySeconds: 6 * 3600,
      async run({ now }) {
        const limits = await purgeRateLimits(db, now);
        // Jobs that run often keep a shorter history (a 10-second check writes 8,640 runs a day).
        const short = jobs.filter((j) => j.keepRunsDays !== undefined);
        let removed = 0;
        for (const j of short) {
          removed += (await db.query(`delete from job_runs where name = $1 and started_at < $2::timestamptz - make_interval(days => $3) returning 1`, [j.name, now, j.keepRunsDays])).length;
        }
        const runs = await db.query(
          `delete from job_runs where started_at < $1::timestamptz - interval '90 days' and not (name = any($2::text[])) returning 1`,
          [now, short.map((j) => j.name)],
        );
        removed += runs.length;
        return `${limits} rate-limit windows, ${removed} job runs removed`;
      },
    },
  ];
}

/** The platform's migrations, loaded once per platform. */
const loaded = new WeakMap<Platform, Promise<Migration[]>>();
export function platformMigrations(platform: Platform): Promise<Migration[]> {
  let p = loaded.get(platform);
  if (!p) loaded.set(platform, (p = loadMigrations(platform.migrationSources)));
  return p;
}

/** Applies the platform's pending migrations; returns their names. */
export async function migratePlatform(db: Db, platform: Platform): Promise<string[]> {
  return migrate(db, await platformMigrations(platform));
}

/** The services modules get, for a database, configuration and clock. */
export function appDeps(platform: Platform, db: Db, config: Config, clock: Clock): AppDeps {
  return {
    db,
    config,
    clock,
    metrics: platform.metrics,
    settings: platform.settings,
    mail: {
      poke() {
        void triggerJob(db, 'mail.send', clock.now()).catch(() => undefined);
      },
    },
    sectionPanels: {
      scopes: [...new Set(platform.modules.flatMap((m) => m.sectionPanels?.scopes ?? []))].sort(),
      async panels(query) {
        const all = await Promise.all(platform.modules.map((m) => m.sectionPanels?.panels(query) ?? Promise.resolve([])));
        return all.flat();
      },
    },
    async workItems(query) {
      const all = await Promise.all(platform.modules.map((m) => m.workItems?.(query) ?? Promise.resolve([])));
      return all.flat();
    },
    nav: platform.nav,
  };
}
