/**
 * Plan content in English (issue 14), over HTTP on a real database: the demo chapter read on
 * English pages, an untranslated plan's Japanese marked lang="ja", English texts through the
 * exchange document (import, export, re-import) and through the editing forms, and the
 * English fields' limits named in both languages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { makeUser } from '../../testing/factories.ts';
import { newTenant, startTestApp, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { demoPlanDocument } from './plan.seed.ts';
import * as support from './plan.test-support.ts';

let ctx: TestContext;
const clock = new ManualClock('2026-06-01T03:00:00Z');
const ADMIN = '/staff/plan/admin/plans/maebashi-6';

before(async () => {
  ctx = await startTestApp({ clock });
});
after(async () => {
  await ctx.close();
});

const person = (tenant: TestTenant, role?: Role): Promise<support.Person> => support.person(ctx, tenant, role);

function api(tenant: TestTenant, method: 'GET' | 'POST', url: string, token?: string, payload?: unknown, headers: Record<string, string> = {}) {
  return ctx.app.inject({
    method,
    url,
    headers: {
      host: tenant.host,
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

/** Kana or kanji: text that is Japanese (punctuation and full-width spaces alone are not). */
const JAPANESE = /[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff]/;
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

const decode = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Japanese text (and labelling attributes) of an HTML page that is not inside an element
 * marked lang="ja": what a screen reader would read with an English voice (WCAG 3.1.2).
 */
function unmarkedJapanese(html: string): string[] {
  const found: string[] = [];
  const stack: { tag: string; lang: string }[] = [{ tag: '#root', lang: '' }];
  // The document's <title> is left out: it cannot mark the language of a part of itself (an
  // untranslated section's title in it is read in the page's language).
  const source = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<head>[\s\S]*?<\/head>/i, (head) => head.replace(/<title>[\s\S]*?<\/title>/i, ''));
  for (const m of source.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>|([^<]+)/g)) {
    const current = stack[stack.length - 1]!.lang;
    if (m[4] !== undefined) {
      const text = decode(m[4]).trim();
      if (text && JAPANESE.test(text) && current !== 'ja') found.push(text);
      continue;
    }
    const [, closing, rawTag, attrs = ''] = m;
    const tag = rawTag!.toLowerCase();
    if (closing) {
      const at = stack.map((x) => x.tag).lastIndexOf(tag);
      if (at > 0) stack.length = at;
      continue;
    }
    const lang = /\slang="([^"]*)"/.exec(attrs)?.[1] ?? current;
    for (const a of attrs.matchAll(/\s(?:aria-label|title|alt|placeholder)="([^"]*)"/g)) {
      if (JAPANESE.test(decode(a[1]!)) && lang !== 'ja') found.push(`${tag}@${decode(a[1]!)}`);
    }
    if (!VOID.has(tag) && !attrs.trimEnd().endsWith('/')) stack.push({ tag, lang });
  }
  return found;
}

/** Text of the page, tags read as spaces and whitespace collapsed. */
const textOf = (html: string) => decode(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

/** The demo document without any English: how plans were written before issue 14. */
function withoutEnglish(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEnglish);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !/^[a-z]\w*En$/.test(k)).map(([k, v]) => [k, withoutEnglish(v)]));
  }
  return value;
}

type Doc = {
  title: string;
  titleEn?: string;
  chapters: {
    sections: {
      code: string;
      titleEn?: string;
      visions: string[];
      visionsEn?: (string | null)[];
      issuesEn?: (string | null)[];
      directionsEn?: (string | null)[];
      glossary: { termEn?: string; definitionEn?: string }[];
      perceptionQuestion?: { textEn?: string };
      indicators: { code: string; nameEn?: string; nameNoteEn?: string; descriptionEn?: string; unitEn?: string }[];
    }[];
  }[];
};

describe('plan content in English', () => {
  it('reads the demo chapter in English on English pages, with no Japanese left unmarked', async () => {
    const tenant = await support.tenantWithPlan(ctx);
    const { client } = await person(tenant);
    const doc = demoPlanDocument() as Doc;
    const sections = doc.chapters[0]!.sections;

    const overview = await client.get('/plan?lang=en');
    assert.equal(overview.statusCode, 200);
    assert.ok(overview.body.includes('<html lang="en">'));
    const overviewText = textOf(overview.body);
    assert.ok(overviewText.includes(doc.titleEn!), 'the plan title in English');
    for (const s of sections) {
      assert.ok(overviewText.includes(s.titleEn!), `${s.code} title in English`);
      for (const i of s.indicators) assert.ok(overviewText.includes(i.nameEn!), `${i.code} name in English`);
    }
    assert.match(overview.body, /<th scope="row"><a href="\/plan\/indicators\/6-1-1">Number of groups registered with the Citizen Activity Support Center<\/a>/);
    assert.deepEqual(unmarkedJapanese(overview.body), [], '/plan?lang=en');

    for (const s of sections) {
      const page = await client.get(`/plan/sections/${s.code}?lang=en`);
      assert.equal(page.statusCode, 200, s.code);
      const text = textOf(page.body);
      assert.ok(text.includes(s.titleEn!), `${s.code} heading`);
      for (const item of [...s.visionsEn!, ...s.issuesEn!, ...s.directionsEn!]) {
        for (const piece of item!.split(/\*\d/)) assert.ok(text.includes(piece.trim()), `${s.code}: ${piece}`);
      }
      for (const g of s.glossary) assert.ok(text.includes(g.termEn!) && text.includes(g.definitionEn!), `${s.code} glossary`);
      assert.ok(text.includes(s.perceptionQuestion!.textEn!), `${s.code} perception question`);
      assert.deepEqual(unmarkedJapanese(page.body), [], `/plan/sections/${s.code}?lang=en`);
    }
    // The footnote marker in an English text still links to its glossary entry.
    const section1 = await client.get('/plan/sections/6-1?lang=en');
    assert.match(section1.body, /Further promote partnership<sup class="footnote-ref"><a href="#term-1">\*1/);

    for (const i of sections.flatMap((s) => s.indicators)) {
      const page = await client.get(`/plan/indicators/${i.code}?lang=en`);
      assert.equal(page.statusCode, 200, i.code);
      const text = textOf(page.body);
      for (const piece of i.nameEn!.split(/\*\d/)) assert.ok(text.includes(piece.trim()), `${i.code} name`);
      assert.ok(text.includes(i.descriptionEn!), `${i.code} description`);
      assert.match(page.body, new RegExp(`<title>${i.code} `), `${i.code} page title`);
      assert.deepEqual(unmarkedJapanese(page.body), [], `/plan/indicators/${i.code}?lang=en`);
    }
    const note = await client.get('/plan/indicators/6-1-3?lang=en');
    assert.ok(textOf(note.body).includes('(Question in the citizen survey for Gender Equality Week)'));
    assert.ok(textOf(note.body).includes('As the plan writes it: FY2012 (Heisei 24)') || textOf(note.body).includes('FY2012 (Heisei 24)'));

    // Japanese pages are unchanged: the Japanese texts, never the English.
    const ja = await client.get('/plan/sections/6-1?lang=ja');
    assert.ok(textOf(ja.body).includes('市民力・地域力を活かした市政を運営します'));
    assert.ok(!ja.body.includes(sections[0]!.titleEn!));
  });

  it('shows an untranslated plan’s Japanese text on English pages marked lang="ja"', async () => {
    const tenant = await support.tenantWithPlan(ctx, withoutEnglish(demoPlanDocument()));
    const { client } = await person(tenant);
    const overview = await client.get('/plan?lang=en');
    assert.match(overview.body, /<span lang="ja">第6章 市民協働のまちづくり（協働・行政経営）<\/span>/);
    assert.match(overview.body, /<a href="\/plan\/indicators\/6-1-1" lang="ja">市民活動支援センターへの団体登録数<\/a>/);
    assert.deepEqual(unmarkedJapanese(overview.body), []);
    for (const path of ['/plan/sections/6-1?lang=en', '/plan/sections/6-2?lang=en', '/plan/indicators/6-1-3?lang=en', '/plan/indicators/6-2-2?lang=en']) {
      const page = await client.get(path);
      assert.equal(page.statusCode, 200, path);
      assert.deepEqual(unmarkedJapanese(page.body), [], path);
    }
    const section = await client.get('/plan/sections/6-1?lang=en');
    assert.match(section.body, /<li lang="ja">市民と行政が情報を共有し/);
    assert.match(section.body, /<dd lang="ja">社会的課題や身近な地域課題を解決するため/);
    const indicator = await client.get('/plan/indicators/6-1-3?lang=en');
    assert.match(indicator.body, /<figcaption lang="ja">History of 女性が子育てしながら働くことを支持する市民の割合<\/figcaption>/);
  });

  it('marks only the untranslated items of a partly translated list', async () => {
    const doc = demoPlanDocument() as Doc;
    const s = doc.chapters[0]!.sections[0]!;
    s.visionsEn = [null, 'Human rights are respected.'];
    const tenant = await support.tenantWithPlan(ctx, doc);
    const { client } = await person(tenant);
    const page = await client.get('/plan/sections/6-1?lang=en');
    assert.match(page.body, /<li lang="ja">市民と行政が情報を共有し/);
    assert.match(page.body, /<li>Human rights are respected\.<\/li>/);
    assert.deepEqual(unmarkedJapanese(page.body), []);
  });

  it('round-trips a document with English texts through import and export', async () => {
    const tenant = await newTenant(ctx.db);
    const pm = await makeUser(ctx.db, tenant, 'plan_manager');
    const doc = demoPlanDocument() as Doc & Record<string, unknown>;
    doc.chapters[0]!.sections[1]!.visionsEn = ['First, translated.', null, 'Third, translated.'];
    assert.equal((await api(tenant, 'POST', '/api/v1/plans', pm.token, doc)).statusCode, 201);
    const first = (await api(tenant, 'GET', '/api/v1/plans/maebashi-6/export')).json();
    assert.deepEqual(first, doc, 'the export is the document imported, English included');
    assert.deepEqual(first.chapters[0]!.sections[1]!.visionsEn, ['First, translated.', null, 'Third, translated.']);

    const other = await newTenant(ctx.db);
    const otherPm = await makeUser(ctx.db, other, 'plan_manager');
    assert.equal((await api(other, 'POST', '/api/v1/plans', otherPm.token, first)).statusCode, 201);
    assert.deepEqual((await api(other, 'GET', '/api/v1/plans/maebashi-6/export')).json(), first);

    // A document without English stays valid and exports without English fields.
    const plain = withoutEnglish({ ...demoPlanDocument() as object, code: 'plain', current: false });
    assert.equal((await api(other, 'POST', '/api/v1/plans', otherPm.token, plain)).statusCode, 201);
    assert.deepEqual((await api(other, 'GET', '/api/v1/plans/plain/export')).json(), plain);

    // The API carries the English names beside the Japanese ones.
    const list = (await api(tenant, 'GET', '/api/v1/indicators')).json();
    assert.equal(list.plan.titleEn, doc.titleEn);
    const item = list.items.find((i: { code: string }) => i.code === '6-1-1');
    assert.equal(item.name, '市民活動支援センターへの団体登録数');
    assert.equal(item.nameEn, 'Number of groups registered with the Citizen Activity Support Center');
    const one = (await api(tenant, 'GET', '/api/v1/indicators/6-1-3')).json();
    assert.equal(one.nameNoteEn, 'Question in the citizen survey for Gender Equality Week');
    assert.match(one.descriptionEn, /^Measures whether workplaces/);
  });

  it('refuses a too long English text, naming the field in Japanese and in English', async () => {
    const tenant = await newTenant(ctx.db);
    const pm = await makeUser(ctx.db, tenant, 'plan_manager');
    const doc = demoPlanDocument() as Doc;
    doc.chapters[0]!.sections[0]!.titleEn = 'x'.repeat(201);
    doc.chapters[0]!.sections[0]!.indicators[0]!.nameEn = 'y'.repeat(201);
    doc.chapters[0]!.sections[0]!.visionsEn = ['a', 'b', 'c'];
    const ja = await api(tenant, 'POST', '/api/v1/plans', pm.token, doc, { 'accept-language': 'ja' });
    assert.equal(ja.statusCode, 400, ja.body);
    assert.match(ja.headers['content-type'] as string, /^application\/problem\+json/);
    const jaErrors = new Map((ja.json().errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
    assert.match(jaErrors.get('chapters.0.sections.0.titleEn') ?? '', /節の名称（英語）は200文字以内/);
    assert.match(jaErrors.get('chapters.0.sections.0.indicators.0.nameEn') ?? '', /指標名（英語）は200文字以内/);
    assert.match(jaErrors.get('chapters.0.sections.0.visionsEn') ?? '', /目指すまちの姿（英語）/);
    const en = await api(tenant, 'POST', '/api/v1/plans', pm.token, doc, { 'accept-language': 'en' });
    assert.equal(en.statusCode, 400);
    const enErrors = new Map((en.json().errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
    assert.equal(enErrors.get('chapters.0.sections.0.titleEn'), 'The English section title must be at most 200 characters');
    assert.equal(enErrors.get('chapters.0.sections.0.indicators.0.nameEn'), 'The English indicator name must be at most 200 characters');
    // Rejected whole: nothing was stored.
    assert.equal((await api(tenant, 'GET', '/api/v1/plans/maebashi-6/export')).statusCode, 404);
  });
});

describe('English texts in the plan editing forms', () => {
  /** The fields a browser would post from the page's edit form. */
  function formFields(html: string): Record<string, string> {
    const form = /<form method="post"[^>]*novalidate>([\s\S]*?)<\/form>/.exec(html)?.[1];
    assert.ok(form, 'the page has an edit form');
    const fields: Record<string, string> = {};
    for (const m of form.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) fields[m[1]!] = decode(m[2]!);
    for (const m of form.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[m[1]!] = decode(m[2]!);
    for (const m of form.matchAll(/<select[^>]*\bname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      fields[m[1]!] = decode(/<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '');
    }
    delete fields._csrf;
    return fields;
  }

  it('saves English texts from the section, indicator and plan forms and shows them on English pages', async () => {
    const tenant = await support.tenantWithPlan(ctx, withoutEnglish(demoPlanDocument()));
    const pm = await person(tenant, 'plan_manager');

    const sectionForm = formFields((await pm.client.get(`${ADMIN}/sections/6-1`)).body);
    assert.equal(sectionForm.titleEn, '', 'an untranslated section offers blank English fields');
    const saved = await pm.client.submit(
      `${ADMIN}/sections/6-1`,
      { ...sectionForm, titleEn: 'Citizens and communities', visionsEn: '\nSecond vision in English', 'glossary-0-termEn': 'Partnership' },
      { csrf: pm.csrf },
    );
    assert.equal(saved.statusCode, 303, saved.body);

    const indicatorForm = formFields((await pm.client.get(`${ADMIN}/indicators/6-1-1`)).body);
    const savedIndicator = await pm.client.submit(
      `${ADMIN}/indicators/6-1-1`,
      { ...indicatorForm, nameEn: 'Registered citizen groups', unitEn: 'organisations', baselineLabelEn: 'End of FY2012' },
      { csrf: pm.csrf },
    );
    assert.equal(savedIndicator.statusCode, 303, savedIndicator.body);

    const headerForm = formFields((await pm.client.get(`${ADMIN}/edit`)).body);
    assert.equal((await pm.client.submit(`${ADMIN}/edit`, { ...headerForm, titleEn: 'Chapter 6 in English' }, { csrf: pm.csrf })).statusCode, 303);

    const exported = (await api(tenant, 'GET', '/api/v1/plans/maebashi-6/export')).json();
    const s = exported.chapters[0].sections[0];
    assert.equal(exported.titleEn, 'Chapter 6 in English');
    assert.equal(s.titleEn, 'Citizens and communities');
    assert.deepEqual(s.visionsEn, [null, 'Second vision in English']);
    assert.equal(s.glossary[0].termEn, 'Partnership');
    assert.equal(s.glossary[0].definitionEn, undefined);
    assert.equal(s.indicators[0].nameEn, 'Registered citizen groups');
    assert.equal(s.indicators[0].baseline.labelEn, 'End of FY2012');

    // The edit form shows what was saved, so saving it again changes nothing.
    const again = formFields((await pm.client.get(`${ADMIN}/sections/6-1`)).body);
    assert.equal(again.titleEn, 'Citizens and communities');
    assert.equal(again.visionsEn, '\nSecond vision in English');

    const { client } = await person(tenant);
    const page = await client.get('/plan/sections/6-1?lang=en');
    assert.match(page.body, /<h1>Section 1 <span>Citizens and communities<\/span><\/h1>|<h1>[^<]*<span>Citizens and communities<\/span><\/h1>/);
    assert.match(page.body, /<li>Second vision in English<\/li>/);
    assert.match(page.body, /<li lang="ja">市民と行政が情報を共有し/);
    const indicator = await client.get('/plan/indicators/6-1-1?lang=en');
    assert.ok(textOf(indicator.body).includes('219 organisations'));
    assert.deepEqual(unmarkedJapanese(page.body), []);
  });

  it('refuses a too long English name at its field, in the page’s language', async () => {
    const tenant = await support.tenantWithPlan(ctx);
    const pm = await person(tenant, 'plan_manager');
    const form = formFields((await pm.client.get(`${ADMIN}/indicators/6-1-1`)).body);
    const ja = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, nameEn: 'z'.repeat(201) }, { csrf: pm.csrf });
    assert.equal(ja.statusCode, 400);
    assert.match(ja.body, /<a href="#nameEn">指標名（英語）は200文字以内で入力してください<\/a>/);
    assert.match(ja.body, /id="nameEn-error"/);
    await pm.client.get('/plan?lang=en');
    const en = await pm.client.submit(`${ADMIN}/indicators/6-1-1`, { ...form, nameEn: 'z'.repeat(201) }, { csrf: pm.csrf });
    assert.equal(en.statusCode, 400);
    assert.match(en.body, /<a href="#nameEn">The English indicator name must be at most 200 characters<\/a>/);
    const sectionForm = formFields((await pm.client.get(`${ADMIN}/sections/6-2`)).body);
    const long = await pm.client.submit(`${ADMIN}/sections/6-2`, { ...sectionForm, 'glossary-1-definitionEn': 'd'.repeat(4001) }, { csrf: pm.csrf });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /<a href="#glossary-1-definitionEn">The English definition must be at most 4000 characters<\/a>/);
    // Nothing was saved.
    const exported = (await api(tenant, 'GET', '/api/v1/plans/maebashi-6/export')).json();
    assert.equal(exported.chapters[0].sections[0].indicators[0].nameEn, 'Number of groups registered with the Citizen Activity Support Center');
  });
});
