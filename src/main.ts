/**
 * `npm start`: migrate, seed the demo tenant on a first start where that is safe, serve, run
 * the scheduler, and shut down cleanly on SIGTERM / SIGINT.
 */
import pino from 'pino';
import { systemClock } from './core/clock.ts';
import { ConfigError, loadConfig } from './core/config.ts';
import { deferredDb, openDatabase } from './core/db/database.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { migrate, MigrationError } from './core/db/migrate.ts';
import { listTenants } from './core/tenancy.ts';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  // Open the database while the application's modules load: both take a while.
  const opening = openDatabase(config);
  opening.catch(() => undefined); // reported by the await below
  const [{ buildApp }, { composePlatform, platformMigrations, appDeps }, { seedDemo, shouldSeedDemo }, { createScheduler }] = await Promise.all([
    import('./app.ts'),
    import('./platform.ts'),
    import('./seed.ts'),
    import('./core/scheduler.ts'),
  ]);
  const platform = composePlatform();
  // The migration files are loaded while the database is still opening (~200 ms).
  const migrations = platformMigrations(platform);
  migrations.catch(() => undefined); // reported by the await below
  // Log lines are written asynchronously (a synchronous write per line halves throughput).
  const logStream = pino.destination({ dest: 1, sync: false });
  // The app is built while the database is still opening; it serves only after migrating.
  const db = deferredDb(opening, config.databaseUrl ? 'postgres' : 'pglite');
  const [app] = await Promise.all([buildApp({ db, config, platform, clock: systemClock, logStream }), opening.then(async () => migrate(db, await migrations))]);
  const deps = appDeps(platform, db, config, systemClock);

  let notes: string[] = [];
  let empty = false;
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

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof MigrationError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`起動できませんでした / Could not start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
