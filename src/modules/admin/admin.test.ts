/**
 * The municipality's administration through the real stack: names, host names and module
 * settings (every bad field at once, nothing stored), departments added, renamed, retired and
 * reinstated, and the scheduler's jobs, as an administrator sees them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import { scheduleJob } from '../../core/scheduler.ts';
import { findDepartment, tenantProfile } from '../../core/tenancy.ts';
import { composePlatform } from '../../platform.ts';
import { makeUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { importPlan } from '../plan/plan.service.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { modules } from '../index.ts';
import type { HibikiModule } from '../module.ts';

/** A module (tests only) with settings of each kind. */
const settingsModule: HibikiModule = {
  name: 'gizmos',
  settings: [
    { key: 'gizmos.answerDays', type: 'integer', default: 30, min: 1, max: 365, label: { ja: '回答期限（日）', en: 'Answer within (days)' } },
    { key: 'gizmos.publicNames', type: 'boolean', default: false, label: { ja: '名前を公開する', en: 'Publish names' } },
    {
      key: 'gizmos.licence',
      type: 'choice',
      default: 'cc-by-4.0',
      choices: [
        { value: 'cc-by-4.0', label: { ja: 'CC BY 4.0', en: 'CC BY 4.0' } },
        { value: 'cc0', label: { ja: 'CC0', en: 'CC0' } },
      ],
      label: { ja: 'ライセンス', en: 'Licence' },
    },
  ],
};

let ctx: TestContext;
before(async () => {
  ctx = await startTestApp({ platform: composePlatform([...modules, settingsModule]) });
});
after(async () => ctx.close());

async function adminClient(tenant: TestTenant, role: 'admin' | 'plan_manager' = 'admin') {
  const client = new TestClient(ctx.app, tenant.host);
  const csrfCookie = randomToken();
  client.jar.cookies.set(CSRF_COOKIE, csrfCookie);
  const user = await makeUser(ctx.db, tenant, role);
  client.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
  return { client, csrf: csrfTokenFor(ctx.config.secret, csrfCookie), user };
}

/** Every module's settings as the form shows them at first (their defaults), as a browser posts them. */
function shownSettings(): Record<string, string> {
  const form: Record<string, string> = {};
  for (const d of ctx.deps.settings.list()) {
    if (d.type === 'boolean') {
      if (d.default) form[d.key] = 'true';
    } else form[d.key] = String(d.default);
  }
  return form;
}

describe('municipality settings', () => {
  it('shows the names, hosts and every module’s settings with their defaults', async () => {
    const tenant = await newTenant(ctx.db);
    const { client } = await adminClient(tenant);
    const res = await client.get('/admin/municipality');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, new RegExp(`value="${tenant.nameJa}"`));
    assert.match(res.body, new RegExp(tenant.host.replace(/\./g, '\\.')));
    assert.match(res.body, /回答期限（日）/);
    assert.match(res.body, /name="gizmos.answerDays"[^>]*value="30"|value="30"[^>]*name="gizmos.answerDays"/);
    assert.match(String(res.headers['cache-control']), /no-store/);
  });

  it('saves names, hosts and settings, and the cached public pages show the new name at once', async () => {
    const tenant = await newTenant(ctx.db);
    await importPlan(ctx.db, ctx.deps, tenant, { id: null, label: 'test' }, demoPlanDocument(), 'ja', { demoActuals: true });
    const before = await ctx.app.inject({ method: 'GET', url: '/plan', headers: { host: tenant.host } });
    assert.ok(before.body.includes(tenant.nameJa));
    const { client, csrf } = await adminClient(tenant);
    const res = await client.submit(
      '/admin/municipality',
      { ...shownSettings(), nameJa: '新名市', nameEn: 'Shinmei City', hostnames: `${tenant.host}\nHIBIKI.Shinmei.example.jp`, 'gizmos.answerDays': '４５', 'gizmos.publicNames': 'true', 'gizmos.licence': 'cc0' },
      { csrf },
    );
    assert.equal(res.statusCode, 303, res.body);
    const profile = await tenantProfile(ctx.db, tenant.id);
    assert.deepEqual([profile!.nameJa, profile!.nameEn, profile!.hostnames], ['新名市', 'Shinmei City', [tenant.host, 'hibiki.shinmei.example.jp']]);
    assert.equal(await ctx.deps.settings.get(ctx.db, tenant.id, 'gizmos.answerDays'), 45);
    assert.equal(await ctx.deps.settings.get(ctx.db, tenant.id, 'gizmos.publicNames'), true);
    assert.equal(await ctx.deps.settings.get(ctx.db, tenant.id, 'gizmos.licence'), 'cc0');
    const after = await ctx.app.inject({ method: 'GET', url: '/plan', headers: { host: 'hibiki.shinmei.example.jp' } });
    assert.equal(after.statusCode, 200);
    assert.ok(after.body.includes('新名市'), 'the new host reaches the municipality and the cached page shows its new name');
    const audit = await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and action = 'tenant.update'", [tenant.id]);
    assert.equal(audit.length, 1);
  });

  it('refuses bad input with every problem listed, storing nothing', async () => {
    const other = await newTenant(ctx.db);
    const tenant = await newTenant(ctx.db);
    const { client, csrf } = await adminClient(tenant);
    const res = await client.submit(
      '/admin/municipality',
      { ...shownSettings(), nameJa: '', nameEn: 'x'.repeat(101), hostnames: 'not a host!', 'gizmos.answerDays': '0', 'gizmos.licence': 'gpl' },
      { csrf },
    );
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<title>エラー：/);
    for (const field of ['nameJa', 'nameEn', 'hostnames', 'gizmos.answerDays', 'gizmos.licence']) {
      assert.ok(res.body.includes(`href="#${field}"`), `${field} in the error summary`);
    }
    const taken = await client.submit('/admin/municipality', { ...shownSettings(), nameJa: '市', nameEn: 'City', hostnames: other.host, 'gizmos.answerDays': '30', 'gizmos.licence': 'cc0' }, { csrf });
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /ホスト名が他の自治体で使われています/);
    const profile = await tenantProfile(ctx.db, tenant.id);
    assert.equal(profile!.nameJa, tenant.nameJa);
    assert.equal(await ctx.deps.settings.get(ctx.db, tenant.id, 'gizmos.answerDays'), 30);
  });

  it('is for administrators only', async () => {
    const tenant = await newTenant(ctx.db);
    const { client, csrf } = await adminClient(tenant, 'plan_manager');
    assert.equal((await client.get('/admin/municipality')).statusCode, 403);
    assert.equal((await client.submit('/admin/municipality', { nameJa: 'x', nameEn: 'x' }, { csrf })).statusCode, 403);
  });
});

describe('departments', () => {
  it('adds, renames, retires and reinstates a department; a retired one takes no new staff', async () => {
    const tenant = await newTenant(ctx.db);
    const { client, csrf } = await adminClient(tenant);
    const added = await client.submit('/admin/departments', { code: 'kikaku', nameJa: '企画課', nameEn: 'Planning Division' }, { csrf });
    assert.equal(added.statusCode, 303);
    const again = await client.submit('/admin/departments', { code: 'kikaku', nameJa: '企画課', nameEn: 'Planning' }, { csrf });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /この課コードは既に使われています/);
    const bad = await client.submit('/admin/departments', { code: 'Bad Code', nameJa: '', nameEn: '' }, { csrf });
    assert.equal(bad.statusCode, 400);
    for (const field of ['code', 'nameJa', 'nameEn']) assert.ok(bad.body.includes(`href="#${field}"`), field);

    const renamed = await client.submit('/admin/departments/kikaku', { nameJa: '企画政策課', nameEn: 'Policy Planning Division' }, { csrf });
    assert.equal(renamed.statusCode, 303);
    assert.equal((await findDepartment(ctx.db, tenant.id, 'kikaku'))!.nameJa, '企画政策課');

    assert.equal((await client.submit('/admin/departments/kikaku/retire', {}, { csrf })).statusCode, 303);
    assert.ok((await findDepartment(ctx.db, tenant.id, 'kikaku'))!.retiredAt);
    const form = await client.get('/admin/users/new');
    assert.ok(!form.body.includes('value="kikaku"'), 'a retired department is not offered for new users');
    const refused = await client.submit(
      '/admin/users/new',
      { email: 'new-staff@example.jp', displayName: '職員', role: 'staff', departmentCode: 'kikaku', password: 'a-long-password-2026' },
      { csrf },
    );
    assert.equal(refused.statusCode, 400);

    assert.equal((await client.submit('/admin/departments/kikaku/reinstate', {}, { csrf })).statusCode, 303);
    assert.equal((await findDepartment(ctx.db, tenant.id, 'kikaku'))!.retiredAt, null);
    assert.equal((await client.submit('/admin/departments/no-such/retire', {}, { csrf })).statusCode, 404);
    const actions = await ctx.db.query<{ action: string }>("select action from audit_log where tenant_id = $1 and entity_type = 'department' order by seq", [tenant.id]);
    assert.deepEqual(actions.map((a) => a.action), ['department.create', 'department.rename', 'department.retire', 'department.reinstate']);
  });
});

describe('scheduled jobs', () => {
  it('lists the installation’s jobs and the municipality’s own, and runs one now on request', async () => {
    const tenant = await newTenant(ctx.db);
    const elsewhere = await newTenant(ctx.db);
    await scheduleJob(ctx.db, { name: 'gizmos.remind', key: `mine-${tenant.code}`, tenantId: tenant.id, runAt: new Date('2030-01-01T00:00:00Z') });
    await scheduleJob(ctx.db, { name: 'gizmos.remind', key: `theirs-${elsewhere.code}`, tenantId: elsewhere.id, runAt: new Date('2030-01-01T00:00:00Z') });
    const { client, csrf } = await adminClient(tenant);
    const page = await client.get('/admin/jobs');
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(`mine-${tenant.code}`));
    assert.ok(!page.body.includes(`theirs-${elsewhere.code}`), 'another municipality’s jobs are not shown');
    const run = await client.submit('/admin/jobs/run', { name: 'gizmos.remind', key: `mine-${tenant.code}` }, { csrf });
    assert.equal(run.statusCode, 303);
    const row = await ctx.db.one<{ run_at: Date }>('select run_at from scheduled_jobs where name = $1 and key = $2', ['gizmos.remind', `mine-${tenant.code}`]);
    assert.ok(row.run_at.getTime() < new Date('2030-01-01T00:00:00Z').getTime());
    assert.equal((await client.submit('/admin/jobs/run', { name: 'gizmos.remind', key: `theirs-${elsewhere.code}` }, { csrf })).statusCode, 404);
  });
});

describe('the audit log', () => {
  it('shows who did what by name and channel, filters, pages beyond one screen, exports CSV and verifies on demand', async () => {
    const tenant = await newTenant(ctx.db);
    const { client, csrf, user } = await adminClient(tenant);
    // 60 department changes through the page form, and one sign-in failure on the administrator.
    for (let i = 0; i < 60; i++) {
      const res = await client.submit('/admin/departments', { code: `ka-${i}`, nameJa: `第${i}課`, nameEn: `Division ${i}` }, { csrf });
      assert.equal(res.statusCode, 303, res.body);
    }
    const failed = await new TestClient(ctx.app, tenant.host).submit('/login', { email: user.email, password: 'not-the-password-1' });
    assert.ok(failed.statusCode >= 400);

    const page = await client.get('/admin/audit');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['cache-control']), /no-store/);
    const rows = (html: string) => [...html.matchAll(/<tr>\s*<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    const first = rows(page.body);
    assert.equal(first.length, 50, 'one page holds 50 entries');
    assert.match(page.body, /user\.sign_in_failed/);
    assert.ok(page.body.includes(`&lt;${user.email}&gt;`) || page.body.includes(`>${user.email}<`) || page.body.includes(` ${user.email}`), 'the failed sign-in names the account tried');
    assert.match(page.body, /<td>画面<\/td>/, 'the form channel is shown');

    const older = /<a href="(\/admin\/audit\?before=\d+)">さらに古い記録<\/a>/.exec(page.body)?.[1];
    assert.ok(older, 'a link to older entries');
    const second = rows((await client.get(older)).body);
    assert.ok(second.length > 0);
    assert.ok(Math.max(...second) < Math.min(...first), 'the next page continues where the first ended');

    const filtered = await client.get('/admin/audit?action=department.&actor=' + encodeURIComponent(user.email.slice(0, 8)));
    assert.equal(filtered.statusCode, 200);
    assert.doesNotMatch(filtered.body, /user\.sign_in_failed/);
    assert.match(filtered.body, /department\./);

    const bad = await client.get('/admin/audit?from=2026-13-45');
    assert.equal(bad.statusCode, 400);

    const csv = await client.get('/admin/audit.csv?action=department.');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.ok(csv.body.startsWith('\uFEFF番号 seq'));
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines.length, 61, 'the header and the 60 department entries');
    assert.ok(lines.slice(1).every((l) => l.includes(',form,')), 'each with its channel');

    const verified = await client.submit('/admin/audit/verify', {}, { csrf });
    assert.equal(verified.statusCode, 200);
    assert.match(verified.body, /監査ログの連鎖は完全です（\d+件を検証しました）/);
  });

  it('detects a changed entry when verifying', async () => {
    const tenant = await newTenant(ctx.db);
    const { client, csrf } = await adminClient(tenant);
    assert.equal((await client.submit('/admin/departments', { code: 'kaizan', nameJa: '改ざん課', nameEn: 'Tamper' }, { csrf })).statusCode, 303);
    assert.match((await client.submit('/admin/audit/verify', {}, { csrf })).body, /連鎖は完全です/);
    // Someone with database access edits a sealed entry behind the application's back.
    await ctx.db.exec('alter table audit_log disable trigger user');
    await ctx.db.query(`update audit_log set actor_label = 'someone-else' where tenant_id = $1 and action = 'department.create'`, [tenant.id]);
    await ctx.db.exec('alter table audit_log enable trigger user');
    const res = await client.submit('/admin/audit/verify', {}, { csrf });
    assert.match(res.body, /監査ログの改ざんを検出しました/);
  });
});
