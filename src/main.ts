/**
 * `npm start`: migrate, seed the demo tenant on first start, serve, and shut down cleanly on
 * SIGTERM / SIGINT.
 */
import { ConfigError, loadConfig } from './core/config.ts';
import { openDatabase } from './core/db/database.ts';
import { DataDirLockedError } from './core/db/data-dir-lock.ts';
import { migrate } from './core/db/migrate.ts';
import { findTenantByCode } from './core/tenancy.ts';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadConfig();
  // Open the database while the application's modules load: both take about a second.
  const opening = openDatabase(config);
  opening.catch(() => undefined); // reported by the await below
  const [{ buildApp }, { DEMO_TENANT, seedDemo }] = await Promise.all([import('./app.ts'), import('./seed.ts')]);
  const db = await opening;
  await migrate(db);
  let notes: string[] = [];
  if (!(await findTenantByCode(db, DEMO_TENANT.code))) {
    notes = (await seedDemo(db, config)).notes;
  }
  const app = await buildApp({ db, config });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      await db.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const lines = [
    '',
    `響き Hibiki: ${url}  (${db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL'}; ready in ${Math.round(performance.now() - started)} ms)`,
  ];
  if (notes.length) {
    lines.push('デモ用アカウント（デモンストレーション専用） / Demo accounts (for demonstration only):', ...notes.map((n) => `  ${n}`));
  } else {
    lines.push('デモ用アカウントは初回起動時に表示済みです / Demo accounts were listed at first start (see README).');
  }
  process.stdout.write(lines.join('\n') + '\n\n');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof DataDirLockedError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`起動できませんでした / Could not start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
