import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config.ts';

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'hibiki-config-'));

describe('configuration', () => {
  it('names every invalid variable in one message', () => {
    assert.throws(
      () => loadConfig({ HIBIKI_DATA_DIR: dataDir(), PORT: 'eighty', DATABASE_URL: 'mysql://x', SMTP_URL: 'http://x' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const name of ['PORT', 'DATABASE_URL', 'SMTP_URL']) assert.match(err.message, new RegExp(name));
        assert.match(err.message, /^設定が正しくありません/);
        return true;
      },
    );
  });

  it('generates the secret and key once and keeps them in the data folder', () => {
    const dir = dataDir();
    const first = loadConfig({ HIBIKI_DATA_DIR: dir });
    const second = loadConfig({ HIBIKI_DATA_DIR: dir });
    assert.equal(first.secret, second.secret);
    assert.equal(first.encryptionKey.length, 32);
    assert.deepEqual(first.encryptionKey, second.encryptionKey);
    assert.equal(first.port, 3000);
    assert.equal(first.host, '127.0.0.1');
  });

  it('refuses an encryption key that is not 32 bytes', () => {
    assert.throws(() => loadConfig({ HIBIKI_DATA_DIR: dataDir(), HIBIKI_ENCRYPTION_KEY: 'c2hvcnQ=' }), /HIBIKI_ENCRYPTION_KEY/);
  });
});
