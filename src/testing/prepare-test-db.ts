/**
 * Prepares the test database once per `npm test` and prints, as its last line, the JSON of
 * environment variables the test processes need.
 * - PGlite: a migrated template dump in .cache/, rebuilt when a migration changes.
 * - PostgreSQL (DATABASE_URL set): a fresh database beside the given one, migrated; dropped
 *   again afterwards with --drop.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openPglite, openPostgres } from '../core/db/database.ts';
import { composePlatform, migratePlatform, platformMigrations } from '../platform.ts';

const root = path.resolve(import.meta.dirname, '../..');
const platform = composePlatform();

async function preparePglite(): Promise<Record<string, string>> {
  // The template is rebuilt whenever a migration changes (their checksums name it).
  const hash = createHash('sha256');
  for (const m of await platformMigrations(platform)) hash.update(m.name).update(m.checksum);
  const file = path.join(root, '.cache', `pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = await openPglite();
    await migratePlatform(db, platform);
    const dump = await db.dump();
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await db.close();
  }
  return { HIBIKI_TEST_TEMPLATE: file };
}

async function preparePostgres(url: string): Promise<Record<string, string>> {
  const name = `hibiki_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const db = await openPostgres(testUrl.toString(), 1);
  await migratePlatform(db, platform);
  await db.close();
  return { DATABASE_URL: testUrl.toString(), HIBIKI_TEST_DROP_DATABASE: url };
}

async function dropPostgres(): Promise<void> {
  const testUrl = new URL(process.env.DATABASE_URL!);
  const name = testUrl.pathname.slice(1);
  if (!/^hibiki_test_\d+_\d+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = new pg.Client({ connectionString: process.env.HIBIKI_TEST_DROP_DATABASE });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}

if (process.argv.includes('--drop')) {
  await dropPostgres();
} else {
  const url = process.env.DATABASE_URL;
  const env = url ? await preparePostgres(url) : await preparePglite();
  process.stdout.write(JSON.stringify(env) + '\n');
}
