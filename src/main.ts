/**
 * `npm start`: migrate, seed the demo tenant on a first start where that is safe, serve, run
 * the scheduler, and shut down cleanly on SIGTERM / SIGINT.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type Db } from './core/db/database.ts';

const started = performance.now();

/**
 * The embedded database starts opening before anything else loads (the configuration's
 * validator, the logger, the application): PGlite compiles its WebAssembly off the main
 * thread, and the sooner it starts the more of that overlaps with loading the rest. Only the
 * plain case is taken early (an existing embedded database, no DATABASE_URL, settings in their
 * documented form); loadConfig() below validates everything as always, and a configuration it
 * refuses stops the start whatever was opened.
 */
function openEarly(env: NodeJS.ProcessEnv): { opening: Promise<Db>; dataDir: string; sharedBuffers: string } | null {
  if (env.DATABASE_URL !== undefined || env.HIBIKI_DATA_DIR === '') return null;
  const sharedBuffers = env.HIBIKI_PGLITE_SHARED_BUFFERS ?? '32MB';
  if (!/^\d{1,6}(kB|MB|GB)$/.test(sharedBuffers)) return null;
  const dataDir = path.resolve(env.HIBIKI_DATA_DIR ?? './data');
  // Only an existing database: a first start creates it, which a refused configuration must
  // not interrupt halfway (that start takes seconds anyway).
  if (!existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))) return null;
  const opening = openDatabase({ dataDir, pgliteSharedBuffers: sharedBuffers });
  opening.catch(() => undefined); // reported by the await in main()
  return { opening, dataDir, sharedBuffers };
}
const early = openEarly(process.env);

async function main(): Promise<void> {
  const [{ loadConfig }, { default: pino }, { systemClock }, { deferredDb }, { migrate }, { listTenants }] = await Promise.all([
    import('./core/config.ts'),
    import('pino'),
    import('./core/clock.ts'),
    import('./core/db/database.ts'),
    import('./core/db/migrate.ts'),
    import('./core/tenancy.ts'),
  ]);
  const config = loadConfig();
  // Opened early only for exactly the database the configuration names.
  const opening =
    early && !config.databaseUrl && early.dataDir === config.dataDir && early.sharedBuffers === config.pgliteSharedBuffers
      ? early.opening
      : openDatabase(config);
  if (early && opening !== early.opening) early.opening.then((db) => db.close(), () => undefined);
  opening.catch(() => undefined); // reported by the await below
  const [{ buildApp }, { composePlatform, platformMigrations, appDeps }, { seedDemo, shouldSeedDemo }, { createScheduler }, { keepPublicReads, restorePublicReads }] = await Promise.all([
    import('./app.ts'),
    import('./platform.ts'),
    import('./seed.ts'),
    import('./core/scheduler.ts'),
    import('./core/public-read.ts'),
  ]);
  const build = buildOf(config);
  const platform = composePlatform();
  // The migration files are loaded while the database is still opening (~200 ms).
  const migrations = platformMigrations(platform);
  migrations.catch(() => undefined); // reported by the await below
  // Log lines are written asynchronously (a synchronous write per line halves throughput).
  const logStream = pino.destination({ dest: 1, sync: false });
  // The app is built while the database is still opening; it serves only after migrating.
  const db = deferredDb(opening, config.databaseUrl ? 'postgres' : 'pglite');
  // Milliseconds since the process started, for the "started" log line: which step is the last.
  const marks: Record<string, number> = { loaded: Math.round(performance.now()) };
  const mark = (name: string) => (marks[name] = Math.round(performance.now()));
  void opening.then(() => mark('databaseOpen'), () => undefined);
  const [app] = await Promise.all([
    buildApp({ db, config, platform, clock: systemClock, logStream }).then((built) => (mark('appBuilt'), built)),
    opening.then(async () => migrate(db, await migrations)).then(() => mark('migrated')),
  ]);
  const deps = appDeps(platform, db, config, systemClock);

  let notes: string[] = [];
  let empty = false;
  // The public bodies the last clean shutdown kept (read when first asked for).
  const keptReads = build ? await restorePublicReads(db, build) : 0;
  if ((await listTenants(db)).length === 0) {
    empty = true;
    if (shouldSeedDemo(config)) notes = (await seedDemo(db, platform, deps)).notes;
  }
  const scheduler = createScheduler({ db, jobs: platform.jobs(app.deps), clock: systemClock, log: app.log });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await scheduler.stop();
      await app.close();
      if (build) {
        await keepPublicReads(db, build).then(
          (kept) => app.log.info(kept, 'public reads kept for the next start'),
          (err: unknown) => app.log.warn({ err }, 'public reads could not be kept'),
        );
      }
      await db.close();
      logStream.flushSync();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  mark('listening');
  app.log.info({ startupMs: marks, keptReads }, 'started');
  await scheduler.register();
  scheduler.start();
  // The first indicator page must not wait for ECharts and its first drawing: the current
  // plans' charts are drawn now, in the background, yielding to requests.
  const { warmUpCharts } = await import('./modules/plan/index.ts');
  void warmUpCharts({ db, deps }).then(
    (done) => app.log.info(done, 'plan charts warmed up'),
    (err: unknown) => app.log.warn({ err }, 'plan chart warm-up failed'),
  );
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const lines = [
    '',
    `響き Hibiki: ${url}  (${db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}; ready in ${Math.round(performance.now() - started)} ms)`,
  ];
  if (notes.length) {
    lines.push('デモ用アカウント（デモンストレーション専用） / Demo accounts (for demonstration only):', ...notes.map((n) => `  ${n}`));
  } else if (empty) {
    lines.push(
      '自治体が登録されていません。最初の管理者を作成してください / No municipality is set up yet. Create it and its first administrator:',
      '  npm run hibiki -- init --tenant CODE --name-ja 名称 --admin-email admin@example.jp',
      '  (デモデータは HIBIKI_DEMO=true で作成されます / HIBIKI_DEMO=true seeds the demo instead)',
    );
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

/**
 * What a kept public read was made by (core/public-read.ts): this build (dist/BUILD, written by
 * every build) and the configuration, secrets aside (pages show e.g. the public URL). Undefined
 * when not running from a build (`npm run dev`): nothing is kept then.
 */
function buildOf(config: import('./core/config.ts').Config): string | undefined {
  let stamp: string;
  try {
    stamp = readFileSync(new URL('./BUILD', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
  // Secrets aside (the database's and the mail server's URLs may hold passwords), and what no
  // page shows (where the server listens shows only through publicUrl).
  const { secret: _s, encryptionKey: _k, previousEncryptionKeys: _p, databaseUrl: _d, smtpUrl: _m, port: _port, host: _host, logLevel: _l, ...shown } = config;
  return createHash('sha256').update(stamp).update(JSON.stringify(shown)).digest('base64url');
}

main().catch(async (err: unknown) => {
  const [{ ConfigError }, { DataDirLockedError }, { MigrationError }] = await Promise.all([
    import('./core/config.ts'),
    import('./core/db/data-dir-lock.ts'),
    import('./core/db/migrate.ts'),
  ]);
  if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof MigrationError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`起動できませんでした / Could not start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
