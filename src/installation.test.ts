/**
 * A real installation as an operator runs it, on an embedded database in fresh folders:
 * `HIBIKI_DEMO=false npm start` on an empty folder creates no account (the demo's passwords are
 * published) and says how to run `init`; `init` creates the municipality and its first
 * administrator, who sets a password at a one-time link and must enrol two-factor. A second
 * municipality made with `tenant create` + `department create` + `plan import` + `user create`
 * has its own host and sees none of the first one's data: a session or a token of one
 * municipality is refused on the other's host.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from './app.ts';
import { openPglite } from './core/db/database.ts';
import { EMBEDDED_ONLY, testConfig, TestClient } from './testing/harness.ts';

const root = path.resolve(import.meta.dirname, '..');

function env(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HIBIKI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...extra };
  delete e.DATABASE_URL; // the embedded database, in its own folder
  return e;
}

function hibiki(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env: env(dataDir), encoding: 'utf8' });
}

/** Starts the server as `npm start` does, waits for /healthz, stops it; returns what it printed. */
async function startAndStop(dataDir: string, extra: Record<string, string>): Promise<string> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: env(dataDir, { PORT: String(port), HOST: '127.0.0.1', ...extra }) });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 1200 && !/ready in/.test(out); i++) {
      if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    return out;
  } finally {
    // A server that already exited has no 'exit' left to wait for (the test would hang, hiding its output).
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

describe('a real installation', { skip: EMBEDDED_ONLY }, () => {
  it('HIBIKI_DEMO=false starts with no account, and init gives a first administrator who sets a password and enrols two-factor', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-install-'));
    const printed = await startAndStop(dataDir, { HIBIKI_DEMO: 'false' });
    assert.match(printed, /init --tenant/);
    assert.doesNotMatch(printed, /demo-admin-2026/);

    const init = hibiki(dataDir, 'init', '--tenant', 'shinmachi', '--name-ja', '新町', '--name-en', 'Shinmachi Town', '--admin-email', 'Chief@Shinmachi.example.jp');
    assert.equal(init.status, 0, init.stderr);
    const link = init.stdout.trim().split('\n').pop()!;
    assert.match(link, /\/account\/set-password\?token=/);
    const twice = hibiki(dataDir, 'init', '--tenant', 'shinmachi', '--admin-email', 'other@shinmachi.example.jp');
    assert.notEqual(twice.status, 0, 'a second init is refused');

    const db = await openPglite({ dataDir });
    try {
      const users = await db.query<{ email: string; role: string }>('select email, role from users');
      assert.deepEqual(users, [{ email: 'chief@shinmachi.example.jp', role: 'admin' }], 'no demo account exists');
      const app = await buildApp({ db, config: testConfig({ HIBIKI_DEFAULT_TENANT: 'shinmachi' }), logger: false });
      try {
        const client = new TestClient(app, 'localhost');
        const demo = await client.submit('/login', { email: 'admin@demo.hibiki.example', password: 'demo-admin-2026' });
        assert.equal(demo.statusCode, 401, 'the published demo password does not work');
        const before = await client.submit('/login', { email: 'chief@shinmachi.example.jp', password: 'anything-at-all-123' });
        assert.equal(before.statusCode, 401, 'no password works before it is set');

        const url = new URL(link);
        const form = await client.get(url.pathname + url.search);
        assert.equal(form.statusCode, 200);
        const token = url.searchParams.get('token')!;
        const weak = await client.submit('/account/set-password', { token, password: 'short', passwordConfirm: 'short' });
        assert.equal(weak.statusCode, 400);
        const set = await client.submit('/account/set-password', { token, password: 'chief-admin-pass-2026', passwordConfirm: 'chief-admin-pass-2026' });
        assert.equal(set.statusCode, 200);
        const reused = await client.submit('/account/set-password', { token, password: 'another-pass-2026!', passwordConfirm: 'another-pass-2026!' });
        assert.equal(reused.statusCode, 400, 'the link is good once');

        const signIn = await client.submit('/login', { email: 'chief@shinmachi.example.jp', password: 'chief-admin-pass-2026' });
        assert.equal(signIn.statusCode, 303);
        assert.match(String(signIn.headers.location), /^\/account\/two-factor\/setup/, 'two-factor enrolment comes first');
        const adminPage = await client.get('/admin');
        assert.equal(adminPage.statusCode, 303, 'no administration before two-factor');
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
  });

  it('gives a second municipality its own host, which sees none of the first one’s data', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hibiki-tenancy-'));
    const plan = path.join(dataDir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        code: 'city-plan',
        title: '市の計画',
        current: true,
        period: { startFiscalYear: 2024, endFiscalYear: 2028 },
        chapters: [{ code: '1', title: '章', sections: [{ code: '1-1', title: '節', indicators: [{ code: 'K1', name: '指標', unit: '件', direction: 'increase', baseline: null, target: { value: 10, fiscalYear: 2028 }, actuals: [] }] }] }],
      }),
    );
    for (const args of [
      ['seed'],
      ['tenant', 'create', '--code', 'second-city', '--name-ja', '第二市', '--name-en', 'Second City', '--host', 'second.example.jp'],
      ['department', 'create', '--tenant', 'second-city', '--code', 'kikaku', '--name-ja', '企画課'],
      ['plan', 'import', '--tenant', 'second-city', plan],
      ['user', 'create', '--tenant', 'second-city', '--email', 'pm@second.example.jp', '--password', 'second-city-pass-2026', '--role', 'plan_manager', '--department', 'kikaku'],
      ['user', 'create', '--email', 'pm@first.example.jp', '--password', 'first-city-pass-2026', '--role', 'citizen'],
    ]) {
      const r = hibiki(dataDir, ...args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const duplicate = hibiki(dataDir, 'tenant', 'create', '--code', 'third', '--name-ja', '第三市', '--host', 'second.example.jp');
    assert.notEqual(duplicate.status, 0, 'a host name belongs to one municipality');
    const tokenOf = (...args: string[]) => hibiki(dataDir, 'token', 'create', ...args).stdout.trim().split('\n').pop()!;
    const secondToken = tokenOf('--tenant', 'second-city', '--email', 'pm@second.example.jp');
    const firstToken = tokenOf('--email', 'pm@first.example.jp');

    const db = await openPglite({ dataDir });
    try {
      const app = await buildApp({ db, config: testConfig({ HIBIKI_DEFAULT_TENANT: 'maebashi' }), logger: false });
      try {
        const get = (host: string, url: string, token?: string) =>
          app.inject({ method: 'GET', url, headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
        assert.equal((await get('second.example.jp', '/api/v1/plans/city-plan/indicators')).statusCode, 200);
        assert.equal((await get('localhost', '/api/v1/plans/city-plan/indicators')).statusCode, 404, 'not on the first city’s host');
        assert.equal((await get('second.example.jp', '/api/v1/plans/maebashi-6/indicators')).statusCode, 404, 'the first city’s plan is not on the second’s host');
        assert.equal((await get('second.example.jp', '/api/v1/tokens', firstToken)).statusCode, 401, 'a token of the first city is refused');
        assert.equal((await get('localhost', '/api/v1/tokens', secondToken)).statusCode, 401, 'and the other way round');
        assert.equal((await get('second.example.jp', '/api/v1/tokens', secondToken)).statusCode, 200);

        // A session of the first city, sent to the second city's host, signs nobody in there.
        const first = new TestClient(app, 'localhost');
        const signIn = await first.submit('/login', { email: 'pm@first.example.jp', password: 'first-city-pass-2026' });
        assert.equal(signIn.statusCode, 303);
        assert.equal((await first.get('/account')).statusCode, 200);
        const cookie = first.jar.header();
        const there = await app.inject({ method: 'GET', url: '/account', headers: { host: 'second.example.jp', cookie, accept: 'text/html' } });
        assert.equal(there.statusCode, 303);
        assert.match(String(there.headers.location), /^\/login/);
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
  });
});
