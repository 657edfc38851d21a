/**
 * Runs the timestamped migrations in src/migrations in name order, each once, all inside
 * one transaction guarded by an advisory lock so that app servers starting together do not
 * race. Landed migrations are frozen: fix forward with a new file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Db, Sql } from './database.ts';

export interface Migration {
  name: string;
  up(tx: Sql): Promise<void>;
}

const migrationsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const MIGRATION_LOCK = 7_414_100; // arbitrary, stable advisory-lock key

/** Loads every migration file (YYYYMMDDHHMM-name.ts) in name order. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = readdirSync(migrationsDir)
    .filter((f) => /^\d{12}-[a-z0-9-]+\.ts$/.test(f))
    .sort();
  const result: Migration[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(migrationsDir, file)).href)) as { up?: Migration['up'] };
    if (typeof mod.up !== 'function') throw new Error(`migration ${file} exports no up()`);
    result.push({ name: file.replace(/\.ts$/, ''), up: mod.up });
  }
  return result;
}

/** Applies the migrations not yet applied; returns their names. */
export async function migrate(db: Db): Promise<string[]> {
  const migrations = await loadMigrations();
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(
      'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set((await tx.query<{ name: string }>('select name from schema_migrations')).map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      await m.up(tx);
      await tx.query('insert into schema_migrations (name) values ($1)', [m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}
