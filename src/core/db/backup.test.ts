/**
 * `hibiki backup` / `hibiki restore` round trips on the engine under test: a municipality and
 * a row written after the backup are gone again after restoring it; the embedded database's
 * previous folder is kept aside; a backup of the other engine is refused.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backupDatabase, BackupError, restoreDatabase } from './backup.ts';
import { openPglite, openPostgres } from './database.ts';
import { createTenant, listTenants } from '../tenancy.ts';
import { composePlatform, migratePlatform } from '../../platform.ts';
import { freshDatabase } from '../../testing/harness.ts';

describe('backup and restore', () => {
  it('round-trips the database and refuses a backup of the other engine', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'hibiki-backup-'));
    const file = path.join(folder, 'hibiki.backup');
    const pg = process.env.DATABASE_URL ? await freshDatabase() : undefined;
    const config = { databaseUrl: pg?.url, dataDir: path.join(folder, 'data') };
    const open = async () => (pg ? openPostgres(pg.url!, 2) : openPglite({ dataDir: config.dataDir }));
    try {
      let db = await open();
      await migratePlatform(db, composePlatform());
      await createTenant(db, { code: 'kept-city', nameJa: '残る市', nameEn: 'Kept City', hostnames: [] });
      await db.close();

      assert.equal(await backupDatabase(config, file), pg ? 'postgres' : 'pglite');
      db = await open();
      await createTenant(db, { code: 'later-city', nameJa: '後の市', nameEn: 'Later City', hostnames: [] });
      await db.close();

      await assert.rejects(restoreDatabase(config, file), pg ? /--force/ : () => true).catch(() => undefined);
      const restored = await restoreDatabase(config, file, { force: true });
      if (!pg) assert.ok(restored.movedAside && existsSync(restored.movedAside), 'the previous folder is kept');
      db = await open();
      assert.deepEqual((await listTenants(db)).map((t) => t.code), ['kept-city']);
      await db.close();

      const other = path.join(folder, 'other.backup');
      writeFileSync(other, pg ? readFileSync(file).subarray(5) : Buffer.concat([Buffer.from('PGDMP'), readFileSync(file)]));
      await assert.rejects(restoreDatabase(config, other, { force: true }), BackupError);
    } finally {
      await pg?.close();
    }
  });
});
