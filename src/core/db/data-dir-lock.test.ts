import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataDirLock, DataDirLockedError, processStartTime } from './data-dir-lock.ts';
import { openPglite } from './database.ts';
import { EMBEDDED_ONLY } from '../../testing/harness.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('data folder lock', { skip: EMBEDDED_ONLY }, () => {
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
    assert.throws(() => acquireDataDirLock(dir, 300), DataDirLockedError);
    await db.close();
    acquireDataDirLock(dir).release();
  });

  it('refuses a second lock in the same folder while the first is held', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    const lock = acquireDataDirLock(dir);
    assert.throws(() => acquireDataDirLock(dir, 300), DataDirLockedError);
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

describe('data folder lock after a crash', () => {
  it('takes over a lock whose pid is alive but another process (pid 1 in a container)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    // The repro of the issue: the old format with pid 1, and the new format with pid 1 and a
    // start time that is not pid 1's.
    writeFileSync(path.join(dir, 'hibiki.lock'), '1');
    acquireDataDirLock(dir, 0).release();
    writeFileSync(path.join(dir, 'hibiki.lock'), JSON.stringify({ pid: 1, started: 'a-start-of-another-boot', token: 'x' }));
    acquireDataDirLock(dir, 0).release();
  });

  it('takes over a lock recorded by an earlier process that had our own pid', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    writeFileSync(path.join(dir, 'hibiki.lock'), JSON.stringify({ pid: process.pid, started: '0', token: 'earlier' }));
    acquireDataDirLock(dir, 0).release();
  });

  it('records who holds it and refuses while that process runs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-lock-'));
    const lock = acquireDataDirLock(dir);
    const record = JSON.parse(readFileSync(path.join(dir, 'hibiki.lock'), 'utf8'));
    assert.equal(record.pid, process.pid);
    assert.equal(record.started, processStartTime(process.pid));
    const started = Date.now();
    assert.throws(() => acquireDataDirLock(dir, 300), DataDirLockedError);
    assert.ok(Date.now() - started >= 250, 'waited briefly for the owner first');
    lock.release();
  });
});
