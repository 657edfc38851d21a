/**
 * `hibiki backup FILE` / `hibiki restore FILE`, for both engines:
 * - embedded (PGlite): the data folder as PGlite's own dump (a gzipped tar of the folder),
 *   restored into the folder after moving the old one aside (kept, never deleted);
 * - PostgreSQL: pg_dump's custom format, restored with pg_restore.
 * A backup of one engine is refused by the other with a clear message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { openPglite, openPostgres } from './database.ts';

export class BackupError extends Error {}

const PG_MAGIC = 'PGDMP';

function pgTool(tool: 'pg_dump' | 'pg_restore', args: string[]): void {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.error) throw new BackupError(`${tool} を実行できません / Cannot run ${tool}: ${result.error.message}`);
  if (result.status !== 0) throw new BackupError(`${tool} が失敗しました / ${tool} failed:\n${result.stderr.trim()}`);
}

/** Writes a backup of the configured database to file; returns its kind. */
export async function backupDatabase(config: { databaseUrl?: string | undefined; dataDir: string }, file: string): Promise<'pglite' | 'postgres'> {
  if (config.databaseUrl) {
    pgTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`, config.databaseUrl]);
    return 'postgres';
  }
  const db = await openPglite({ dataDir: config.dataDir });
  try {
    writeFileSync(file, Buffer.from(await (await db.dump('gzip')).arrayBuffer()), { mode: 0o600 });
  } finally {
    await db.close();
  }
  return 'pglite';
}

/** True when the PostgreSQL database already holds municipalities. */
async function postgresHasData(url: string): Promise<boolean> {
  const db = await openPostgres(url, 1);
  try {
    const row = await db.maybeOne("select to_regclass('public.municipalities') is not null as t");
    if (!(row as { t: boolean } | undefined)?.t) return false;
    return (await db.query('select 1 from municipalities limit 1')).length > 0;
  } finally {
    await db.close();
  }
}

/**
 * Restores a backup into the configured database. The embedded folder's current database is
 * moved aside first (its new name is returned); a PostgreSQL database holding data is only
 * overwritten with force.
 */
export async function restoreDatabase(
  config: { databaseUrl?: string | undefined; dataDir: string },
  file: string,
  options: { force?: boolean } = {},
): Promise<{ kind: 'pglite' | 'postgres'; movedAside?: string }> {
  if (!existsSync(file)) throw new BackupError(`ファイル ${file} がありません / No such file: ${file}`);
  const bytes = readFileSync(file);
  const isPgDump = bytes.subarray(0, 5).toString('latin1') === PG_MAGIC;
  if (config.databaseUrl) {
    if (!isPgDump) throw new BackupError('これは PostgreSQL のバックアップ（pg_dump 形式）ではありません / Not a PostgreSQL (pg_dump) backup: this looks like an embedded-database backup');
    if (!options.force && (await postgresHasData(config.databaseUrl))) {
      throw new BackupError('データベースにデータがあります。上書きするには --force を付けてください / The database holds data; add --force to overwrite it');
    }
    pgTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', `--dbname=${config.databaseUrl}`, file]);
    return { kind: 'postgres' };
  }
  if (isPgDump) throw new BackupError('これは PostgreSQL のバックアップです。DATABASE_URL を設定して復元してください / This is a PostgreSQL backup: restore it with DATABASE_URL set');
  try {
    gunzipSync(bytes.subarray(0, Math.min(bytes.length, 1 << 20)), { finishFlush: 2 });
  } catch {
    throw new BackupError('組み込みデータベースのバックアップとして読めません / Not an embedded-database backup');
  }
  const lock = acquireDataDirLock(config.dataDir);
  let movedAside: string | undefined;
  try {
    const folder = path.join(config.dataDir, 'pglite');
    if (existsSync(folder) && readdirSync(folder).length > 0) {
      movedAside = `${folder}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(folder, movedAside);
    }
    const db = await PGlite.create({ dataDir: folder, loadDataDir: new Blob([bytes]) });
    await db.query('select 1');
    await db.close();
  } finally {
    lock.release();
  }
  return { kind: 'pglite', ...(movedAside ? { movedAside } : {}) };
}
