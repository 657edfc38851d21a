/**
 * Migrations: timestamped files (YYYYMMDDHHMM-name.ts) in src/core/migrations and in each
 * module's migrations/ folder, applied in one global order by name, each once, all inside one
 * transaction guarded by an advisory lock so that app servers starting together do not race.
 *
 * Landed migrations are frozen: the checksum of each applied file is recorded, and a file
 * changed after it was applied stops start-up (fix forward with a new file). Checksums are
 * taken over the TypeScript source, so the built JavaScript (dist/) and the source run under
 * tsx agree about the same database.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Db, Sql } from './database.ts';

export interface Migration {
  /** The file name without extension, e.g. "202611241100-plan". */
  name: string;
  /** "core" or the module the migration belongs to. */
  owner: string;
  /** SHA-256 of the migration's TypeScript source. */
  checksum: string;
  up(tx: Sql): Promise<void>;
  /**
   * Set on a migration split out of an older one: under the previous layout (no checksums
   * recorded) the tables it creates were made by that migration, so it counts as applied.
   */
  adoptedFrom?: string;
}

/** Where one owner keeps its migrations. */
export interface MigrationSource {
  owner: string;
  /** A folder path, or the URL of the folder (`new URL('./migrations', import.meta.url)`). */
  dir: string | URL;
}

/** A migration file changed after it was applied, or the database is newer than this code. */
export class MigrationError extends Error {}

const MIGRATION_LOCK = 7_414_100; // arbitrary, stable advisory-lock key
const FILE_RE = /^(\d{12}-[a-z0-9-]+)\.(ts|js)$/;

/** The folder of core's own migrations. */
export const CORE_MIGRATIONS: MigrationSource = { owner: 'core', dir: new URL('../migrations/', import.meta.url) };

/** The TypeScript source of a migration file (for built files: the mirrored src/ path). */
function sourceOf(file: string): string {
  if (file.endsWith('.ts')) return file;
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('dist');
  if (at >= 0) {
    parts[at] = 'src';
    const ts = parts.join(path.sep).replace(/\.js$/, '.ts');
    if (existsSync(ts)) return ts;
  }
  return file;
}

/** SHA-256 of a migration's source text (line endings normalised). */
export function migrationChecksum(file: string): string {
  return createHash('sha256').update(readFileSync(sourceOf(file), 'utf8').replace(/\r\n/g, '\n')).digest('hex');
}

/** Loads every owner's migrations, in one global order by name. */
export async function loadMigrations(sources: readonly MigrationSource[]): Promise<Migration[]> {
  const pending: Promise<Migration>[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    const dir = typeof source.dir === 'string' ? source.dir : fileURLToPath(source.dir);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      const match = FILE_RE.exec(file);
      // Built folders hold .js files only (and .d.ts files are no migrations).
      if (!match || file.endsWith('.d.ts')) continue;
      const name = match[1]!;
      if (seen.has(name)) throw new Error(`migration ${name} exists twice (${seen.get(name)} and ${source.owner})`);
      seen.set(name, source.owner);
      const full = path.join(dir, file);
      // Imported all at once: one after the other, they cost ~200 ms of start-up in waits.
      pending.push(
        import(pathToFileURL(full).href).then((mod: { up?: Migration['up']; adoptedFrom?: string }) => {
          if (typeof mod.up !== 'function') throw new Error(`migration ${file} exports no up()`);
          return {
            name,
            owner: source.owner,
            checksum: migrationChecksum(full),
            up: mod.up,
            ...(mod.adoptedFrom ? { adoptedFrom: mod.adoptedFrom } : {}),
          };
        }),
      );
    }
  }
  const result = await Promise.all(pending);
  return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * True when the database already has exactly these migrations with these checksums: a
 * start-up then needs no lock, no transaction and no DDL (one read).
 */
async function upToDate(db: Db, migrations: readonly Migration[]): Promise<boolean> {
  let rows: { name: string; checksum: string | null }[];
  try {
    rows = await db.query('select name, checksum from schema_migrations');
  } catch {
    return false; // no table yet, or the previous layout without checksums
  }
  if (rows.length !== migrations.length) return false;
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  return migrations.every((m) => applied.get(m.name) === m.checksum);
}

/** Applies the migrations not yet applied; returns their names. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<string[]> {
  if (await upToDate(db, migrations)) return [];
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`
      create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now());
      alter table schema_migrations add column if not exists checksum text;
      alter table schema_migrations add column if not exists owner text;`);
    const rows = await tx.query<{ name: string; checksum: string | null }>('select name, checksum from schema_migrations');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Map(migrations.map((m) => [m.name, m]));

    // The previous layout recorded no checksums: its migrations are adopted as they are now,
    // and a migration split out of one of them counts as applied with it.
    for (const m of migrations) {
      if (m.adoptedFrom && !applied.has(m.name) && applied.has(m.adoptedFrom) && applied.get(m.adoptedFrom) === null) {
        await tx.query('insert into schema_migrations (name, checksum, owner) values ($1, $2, $3)', [m.name, m.checksum, m.owner]);
        applied.set(m.name, m.checksum);
      }
    }
    for (const [name, checksum] of applied) {
      const m = known.get(name);
      if (checksum === null && m) {
        await tx.query('update schema_migrations set checksum = $2, owner = $3 where name = $1', [name, m.checksum, m.owner]);
        applied.set(name, m.checksum);
      }
    }

    for (const [name, checksum] of applied) {
      const m = known.get(name);
      if (!m) {
        throw new MigrationError(
          `データベースには、このバージョンにないマイグレーション ${name} が適用されています。新しいバージョンの Hibiki で起動してください。` +
            ` / The database has migration ${name}, which this version of Hibiki does not know: it was migrated by a newer version.`,
        );
      }
      if (checksum !== m.checksum) {
        throw new MigrationError(
          `適用済みのマイグレーション ${m.owner}/${name} が変更されています。ファイルを元に戻し、変更は新しいマイグレーションで行ってください。` +
            ` / The applied migration ${m.owner}/${name} has been changed since it ran (checksum ${checksum?.slice(0, 12)} → ${m.checksum.slice(0, 12)}).` +
            ' Restore the file and make the change in a new migration.',
        );
      }
    }

    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      await m.up(tx);
      await tx.query('insert into schema_migrations (name, checksum, owner) values ($1, $2, $3)', [m.name, m.checksum, m.owner]);
      done.push(m.name);
    }
    return done;
  });
}
