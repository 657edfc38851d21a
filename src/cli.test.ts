/**
 * The command line as an operator uses it, on an embedded database in a fresh folder: seed,
 * create a user, issue a token that the API then accepts, verify the audit chain, and refuse
 * bad input with a message and a non-zero exit.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from './app.ts';
import { openPglite } from './core/db/database.ts';
import { EMBEDDED_ONLY, testConfig } from './testing/harness.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-cli-'));

function hibiki(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, HIBIKI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL; // the embedded database, in its own folder
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, encoding: 'utf8' });
}

describe('hibiki command line', { skip: EMBEDDED_ONLY }, () => {
  before(() => {
    const seeded = hibiki('seed');
    assert.equal(seeded.status, 0, seeded.stderr);
  });

  it('creates a plan manager, issues a token the API accepts, and keeps the audit chain whole', async () => {
    const created = hibiki('user', 'create', '--email', 'Ops@Example.jp', '--password', 'operator-pass-2026', '--role', 'plan_manager');
    assert.equal(created.status, 0, created.stderr);
    const issued = hibiki('token', 'create', '--email', 'ops@example.jp');
    assert.equal(issued.status, 0, issued.stderr);
    const token = issued.stdout.trim().split('\n').pop()!;
    assert.match(token, /^hbk_/);
    const verified = hibiki('audit', 'verify');
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /maebashi: ok \(\d+ entries\)/);

    const db = await openPglite({ dataDir });
    try {
      const app = await buildApp({ db, config: testConfig({ HIBIKI_DEFAULT_TENANT: 'maebashi' }), logger: false });
      const res = await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 200, res.body);
      const audit = await db.query<{ action: string; actor_label: string }>(
        `select action, actor_label from audit_log where action in ('user.create', 'token.create') order by seq`,
      );
      assert.deepEqual(audit.map((a) => [a.action, a.actor_label]), [['user.create', 'cli'], ['token.create', 'cli']]);
      await app.close();
    } finally {
      await db.close();
    }
  });

  it('refuses a user it cannot create, naming every problem, and an unknown command', () => {
    const bad = hibiki('user', 'create', '--email', 'staff2@example.jp', '--password', 'short', '--role', 'staff', '--department', 'no-such');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /password/);
    assert.match(bad.stderr, /departmentCode/);
    const unknown = hibiki('frobnicate');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /unknown command/);
  });
});
