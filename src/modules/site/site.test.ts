import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRORS } from '../../core/errors.ts';
import { ensureTenant } from '../../core/tenancy.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../core/auth.ts';
import { randomToken } from '../../core/crypto.ts';
import type { Role } from '../../core/auth.ts';
import { makeUser } from '../../testing/factories.ts';
import { createSession } from '../accounts/accounts.sessions.ts';
import { demoPlanDocument } from '../plan/plan.seed.ts';
import { newTenant, startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';

describe('site pages and the shared pipeline', () => {
  let ctx: TestContext;
  let tenant: TestTenant;
  const client = () => new TestClient(ctx.app, tenant.host);

  before(async () => {
    ctx = await startTestApp();
    tenant = await newTenant(ctx.db);
  });
  after(async () => {
    await ctx?.close();
  });

  it('serves the home page as Japanese HTML by default', async () => {
    const res = await client().get('/');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(res.body, /^<!doctype html>\s*<html lang="ja">/);
    assert.match(res.body, /<h1>市民協働のまちづくり<\/h1>/);
    assert.ok(res.body.includes(tenant.nameJa), 'the header names the municipality');
  });

  it('switches to English with ?lang=en and remembers the choice in a cookie', async () => {
    const browser = client();
    const first = await browser.get('/?lang=en');
    assert.equal(first.statusCode, 200);
    assert.match(first.body, /<html lang="en">/);
    const cookie = (first.cookies as { name: string; value: string; maxAge?: number; httpOnly?: boolean }[]).find(
      (c) => c.name === 'lang',
    );
    assert.equal(cookie?.value, 'en');
    assert.ok((cookie?.maxAge ?? 0) > 0, 'the language choice outlives the browser session');
    assert.ok(cookie?.httpOnly);

    const next = await browser.get('/accessibility');
    assert.match(next.body, /<html lang="en">/);
    assert.match(next.body, /<h1>Accessibility policy<\/h1>/);

    const back = await browser.get('/?lang=ja');
    assert.match(back.body, /<html lang="ja">/);
  });

  it('offers the other language from every page, keeping the path', async () => {
    const ja = await client().get('/privacy');
    assert.match(ja.body, /<a href="\/privacy\?lang=en" lang="en" hreflang="en">English<\/a>/);
    const en = await client().get('/privacy?lang=en');
    assert.match(en.body, /<a href="\/privacy\?lang=ja" lang="ja" hreflang="ja">日本語<\/a>/);
  });

  it('publishes the accessibility and privacy policies with the municipality’s name filled in', async () => {
    for (const [path, heading] of [
      ['/accessibility', 'ウェブアクセシビリティ方針'],
      ['/privacy', 'プライバシーポリシー'],
    ] as const) {
      const res = await client().get(path);
      assert.equal(res.statusCode, 200, path);
      assert.match(res.body, new RegExp(`<h1>${heading}</h1>`));
      assert.ok(res.body.includes(tenant.nameJa), `${path} names the municipality`);
      assert.ok(!res.body.includes('{city}'), `${path} has no unfilled placeholder`);
      assert.match(res.body, /<nav class="breadcrumbs container" aria-label="パンくずリスト">/);
    }
    const en = await client().get('/privacy?lang=en');
    assert.ok(en.body.includes(tenant.nameEn));
    for (const cookie of ['hibiki_session', 'hibiki_csrf', 'lang']) assert.ok(en.body.includes(cookie), cookie);
    const ja = await client().get('/accessibility');
    assert.ok(ja.body.includes('JIS X 8341-3:2016'));
    assert.ok(ja.body.includes('axe-core'));
  });

  it('describes the API with an OpenAPI 3 document', async () => {
    const res = await client().request({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const doc = res.json() as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(doc.info.title, 'Hibiki API');
    const paths = doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    // The public reads and the writes of the plan and of the modules are described…
    for (const [p, method] of [
      ['/api/v1/indicators', 'get'],
      ['/api/v1/indicators/{code}', 'get'],
      ['/api/v1/plans', 'post'],
      ['/api/v1/plans/{planCode}/indicators', 'get'],
      ['/api/v1/proposals', 'post'],
      ['/api/v1/monitoring/checks', 'post'],
    ] as const) {
      assert.ok(paths[p]?.[method], `${method.toUpperCase()} ${p} is described`);
    }
    assert.ok(paths['/api/v1/indicators']!.get!.responses?.['200'], 'with its answer');
    // …and every described path is the API's or an open-data file, never a page.
    for (const p of Object.keys(paths)) assert.match(p, /^\/(api|opendata)\//, `${p} is an API or open-data path`);
  });

  it('lists the API for people at /api/docs', async () => {
    const res = await client().get('/api/docs');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<caption id="endpoints-caption">エンドポイント一覧<\/caption>/);
    assert.match(res.body, /href="\/api\/openapi.json"/);
  });

  it('answers /healthz with 200 while the database answers', async () => {
    const res = await client().request({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  it('serves the stylesheet', async () => {
    const res = await client().request({ method: 'GET', url: '/assets/hibiki.css' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/css/);
    assert.match(res.body, /:focus-visible/);
    assert.doesNotMatch(res.body, /url\(|@import|https?:\/\//, 'no external fonts or URLs');
  });

  it('answers an unknown API path with a Japanese problem+json 404 by default', async () => {
    const res = await client().request({ method: 'GET', url: '/api/v1/no-such-thing', headers: { accept: 'application/json' } });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const problem = res.json() as { title: string; status: number; code: string; instance: string };
    assert.equal(problem.status, 404);
    assert.equal(problem.code, 'not_found');
    assert.equal(problem.title, ERRORS.not_found.ja);
    assert.equal(problem.instance, '/api/v1/no-such-thing');
  });

  it('answers an unknown API path in English to Accept-Language: en', async () => {
    const res = await client().request({
      method: 'GET',
      url: '/api/v1/no-such-thing',
      headers: { accept: 'application/json', 'accept-language': 'en-GB,en;q=0.9' },
    });
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal((res.json() as { title: string }).title, ERRORS.not_found.en);
  });

  it('shows an HTML 404 page for an unknown page path', async () => {
    const res = await client().get('/no-such-page');
    assert.equal(res.statusCode, 404);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<html lang="ja">/);
    assert.match(res.body, new RegExp(`<h1>${ERRORS.not_found.ja}</h1>`));
    assert.match(res.body, /<a href="\/">ホームへ戻る<\/a>/);

    const en = await client().get('/no-such-page', { 'accept-language': 'en' });
    assert.equal(en.statusCode, 404);
    assert.match(en.body, new RegExp(`<h1>${ERRORS.not_found.en}</h1>`));
  });

  it('gives every page one h1, a skip link to the main landmark and the footer links', async () => {
    for (const path of ['/', '/accessibility', '/privacy', '/api/docs', '/no-such-page', '/?lang=en']) {
      const res = await client().get(path);
      assert.equal(res.body.match(/<h1[\s>]/g)?.length, 1, `${path}: one h1`);
      assert.match(res.body, /<a class="skip-link" href="#main">/, path);
      assert.match(res.body, /<main id="main" class="container" tabindex="-1">/, path);
      for (const href of ['/accessibility', '/privacy', '/api/docs']) assert.ok(res.body.includes(`href="${href}"`), `${path} → ${href}`);
    }
  });

  it('escapes text that reaches a page', async () => {
    // A municipality's name is typed by its administrator and printed on every page.
    const hostile = await ensureTenant(ctx.db, {
      code: 'escape-city',
      nameJa: '<script>alert(1)</script>市 & "x"',
      nameEn: '<img src=x onerror=alert(1)> City',
      hostnames: ['escape.test'],
    });
    assert.ok(hostile.id);
    const ja = await new TestClient(ctx.app, 'escape.test').get('/');
    assert.equal(ja.statusCode, 200);
    assert.ok(ja.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;市 &amp; &quot;x&quot;'), 'the name is shown, escaped');
    assert.ok(!ja.body.includes('<script>'), 'no raw markup from the name');
    const en = await new TestClient(ctx.app, 'escape.test').get('/?lang=en');
    assert.ok(en.body.includes('&lt;img src=x onerror=alert(1)&gt; City'), 'the English name is shown, escaped');
    assert.ok(!en.body.includes('<img src=x'), 'no raw markup from the English name');
  });

  describe('the start page', () => {
    async function signedIn(role: Role) {
      const c = client();
      const csrfCookie = randomToken();
      c.jar.cookies.set(CSRF_COOKIE, csrfCookie);
      const user = await makeUser(ctx.db, tenant, role);
      c.jar.cookies.set(SESSION_COOKIE, await createSession(ctx.db, tenant.id, user.id, true));
      return { client: c, user };
    }
    const links = (html: string) => [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);

    it('is for signed-in people only', async () => {
      const res = await client().get('/start');
      assert.notEqual(res.statusCode, 200);
      assert.ok([302, 303, 401].includes(res.statusCode), String(res.statusCode));
    });

    it('shows a citizen their own tools and nothing of the staff’s', async () => {
      const { client: c } = await signedIn('citizen');
      const res = await c.get('/start');
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<h1>マイページ<\/h1>/);
      assert.match(res.body, /役割：市民/);
      assert.ok(links(res.body).includes('/my/proposals'));
      assert.ok(!links(res.body).some((h) => h.startsWith('/staff') || h.startsWith('/admin')), 'no link leads a citizen to a 403');
    });

    it('gives a plan manager a work list from the modules, each line linking to a page they may open', async () => {
      const { client: c, user: manager } = await signedIn('plan_manager');
      const plan = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/plans',
        headers: { host: tenant.host, authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(demoPlanDocument()),
      });
      assert.equal(plan.statusCode, 201, plan.body);
      const empty = await c.get('/start');
      assert.equal(empty.statusCode, 200);
      assert.match(empty.body, /今、対応が必要なものはありません。/);

      const citizen = await makeUser(ctx.db, tenant, 'citizen');
      for (const title of ['一つ目の提案', '二つ目の提案']) {
        const sent = await ctx.app.inject({
          method: 'POST',
          url: '/api/v1/proposals',
          headers: { host: tenant.host, authorization: `Bearer ${citizen.token}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ title, body: '本文です。', public: false }),
        });
        assert.equal(sent.statusCode, 201, sent.body);
      }
      const res = await c.get('/start');
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /今、対応が必要なものはありません。/);
      const work = /<section aria-labelledby="start-tasks">([\s\S]*?)<\/section>/.exec(res.body)?.[1] ?? '';
      assert.match(work, /2件/, 'the two new proposals are counted');
      const hrefs = links(res.body).filter((h) => h.startsWith('/'));
      assert.ok(hrefs.includes('/staff/plan'), 'the plan tools are offered');
      for (const href of new Set(hrefs)) {
        const page = await c.get(href.replace(/&amp;/g, '&'));
        assert.ok(page.statusCode < 400, `${href} answered ${page.statusCode}`);
      }
    });

    it('names the municipality in every page title and offers a favicon', async () => {
      const res = await client().get('/');
      assert.match(res.body, new RegExp(`<title>[^<]*${tenant.nameJa}[^<]*</title>`));
      assert.match(res.body, /<link rel="icon" href="\/assets\/favicon.svg"/);
      const icon = await client().get('/assets/favicon.svg');
      assert.equal(icon.statusCode, 200);
      assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/);
    });
  });
});
