import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.ts';
import { openPglite } from './database.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('data folder lock', () => {
  it('keeps a second process from opening a data folder that is in use', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    // This process holds the folder as a running server does (openPglite takes the same lock).
    const held = acquireDataDirLock(dir);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, HIBIKI_DATA_DIR: dir };
      delete env.DATABASE_URL; // the embedded database is the one whose folder is locked
      const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
        cwd: root,
        env,
        encoding: 'utf8',
      });
      assert.notEqual(cli.status, 0);
      assert.match(cli.stderr, /使用中です/);
      assert.match(cli.stderr, new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
    } finally {
      held.release();
    }
    assert.equal(existsSync(path.join(dir, 'hibiki.lock')), false, 'releasing removes the lock file');
  });

  it('releases the lock when the embedded database closes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    const template = process.env.HIBIKI_TEST_TEMPLATE;
    const db = await openPglite({ dataDir: dir, ...(template ? { loadDataDir: new Blob([readFileSync(template)]) } : {}) });
    assert.throws(() => acquireDataDirLock(dir), DataDirLockedError);
    await db.close();
    acquireDataDirLock(dir).release();
  });

  it('refuses a second lock in the same folder while the first is held', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    const lock = acquireDataDirLock(dir);
    assert.throws(() => acquireDataDirLock(dir), DataDirLockedError);
    lock.release();
    acquireDataDirLock(dir).release();
  });

  it('takes over a lock left by a process that has died', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, 'hibiki.lock'), dead.stdout);
    const lock = acquireDataDirLock(dir);
    lock.release();
  });
});
