/**
 * The plan's pages over HTTP on a real database: each test in a fresh tenant holding the
 * demo plan (chapter 6 with its demonstration actuals), staff signed in with real sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../../core/auth.ts';
import { ManualClock } from '../../core/clock.ts';
import { randomToken } from '../../core/crypto.ts';
import { startTestApp, TestClient, type TestContext, type TestTenant } from '../../testing/harness.ts';
import { chartsDrawn, labelSvg } from './plan.chart.ts';
import { decodeCsvBytes } from './plan.csv-import.ts';
import { parseAsOfText, parseFigureText } from './plan.forms.ts';
import { demoPlanDocument } from './plan.seed.ts';
import * as support from './plan.test-support.ts';
import { pendingActuals } from './plan.service.ts';
import { withFootnotes } from './plan.view-model.ts';

let ctx: TestContext;

// Pages are evaluated as of "today" (and their ETags name it): a clock the tests set, not the wall clock.
const clock = new ManualClock('2026-06-01T03:00:00Z');

before(async () => {
  ctx = await startTestApp({ clock });
});

after(async () => {
  await ctx.close();
});

const tenantWithPlan = (doc?: unknown): Promise<TestTenant> => support.tenantWithPlan(ctx, doc);

/** A browser-like client; with a role, signed in (staff of 市民協働課, which the demo plan names for 6-1-x). */
async function clientFor(tenant: TestTenant, role?: Role): Promise<{ client: TestClient; csrf: string; userId: string | null }> {
  const { client, csrf, user } = await support.person(ctx, tenant, role);
  return { client, csrf, userId: user?.id ?? null };
}

/** Text of the page, each tag read as a space and whitespace collapsed (for reading figures in context). */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** POST a multipart/form-data body as a browser does for the upload form. */
function multipart(fields: Record<string, string>, file?: { name: string; filename: string; content: Buffer }) {
  const boundary = `----hibiki${randomToken(8)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const CODES = ['6-1-1', '6-1-2', '6-1-3', '6-2-1', '6-2-2', '6-2-3', '6-2-4', '6-3-1', '6-3-2'];

describe('plan pages (public)', () => {
  it('the overview shows the nine indicators with the seed figures and 和暦 labels', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const res = await client.get('/plan');
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    for (const code of CODES) assert.ok(res.body.includes(`href="/plan/indicators/${code}"`), `links indicator ${code}`);
    assert.match(text, /219団体 平成25年3月31日/);
    assert.match(text, /250団体 平成29年度/);
    assert.match(text, /2,800人 平成24年4月1日/);
    assert.match(text, /2,640人 平成30年4月1日/);
    assert.match(text, /現状値以下 5,913,107㎡/);
    assert.match(text, /243,634件 平成24年3月31日/);
    assert.match(text, /30\.2万円/);
    assert.match(text, /26\.0万円/);
    assert.match(text, /平成25年度〜平成29年度/);
    // Latest demo value of 6-1-1 is 244 (2017-03-31): (244 − 219) / (250 − 219) = 80.645… %, cut to 80.64 %, grade A.
    assert.match(text, /244団体 デモ 平成29年3月31日/);
    assert.match(text, /80\.64%/);
    assert.ok(!text.includes('80.65%'), 'never rounded up');
    assert.ok(res.body.includes('デモデータ：実際の数値ではありません'));
    assert.ok(res.body.includes('第1節') && res.body.includes('市民力・地域力を活かした市政を運営します'));
    assert.ok(text.includes('市民一人あたりの通常債*2残高'));
  });

  it('the overview is in English with ?lang=en, the plan’s own English texts included', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const res = await client.get('/plan?lang=en');
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('<html lang="en">'));
    assert.ok(res.body.includes('Plan progress'));
    assert.ok(res.body.includes('Demonstration data, not the city’s figures'));
    assert.match(textOf(res.body), /219 groups 31 March 2013/);
    assert.match(res.body, /<th scope="row"><a href="\/plan\/indicators\/6-1-1">Number of groups registered with the Citizen Activity Support Center<\/a>/);
  });

  it('the section page shows visions, issues and glossary verbatim and links *1 to the glossary', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const doc = demoPlanDocument() as { chapters: { sections: { code: string; visions: string[]; issues: string[]; directions: string[]; glossary: { term: string; definition: string }[]; perceptionQuestion: { text: string } }[] }[] };
    for (const section of doc.chapters[0]!.sections) {
      const res = await client.get(`/plan/sections/${section.code}`);
      assert.equal(res.statusCode, 200, section.code);
      const text = textOf(res.body);
      for (const list of [section.visions, section.issues, section.directions]) {
        for (const item of list) {
          // Text around a marker is verbatim; the marker itself becomes a link.
          for (const piece of item.split(/\*\d/)) assert.ok(text.includes(piece), `${section.code}: ${piece}`);
        }
      }
      for (const g of section.glossary) {
        assert.ok(text.includes(g.term), g.term);
        assert.ok(text.includes(g.definition), g.definition);
      }
      assert.ok(text.includes(section.perceptionQuestion.text));
      assert.ok(text.includes('市民意識調査の結果はまだ公開されていません'));
    }
    const res = await client.get('/plan/sections/6-1');
    assert.match(res.body, /パートナーシップ<sup class="footnote-ref"><a href="#term-1">\*1<span class="visually-hidden">/);
    assert.ok(res.body.includes('<dt id="term-1" tabindex="-1">*1 パートナーシップ</dt>'));
    const third = await client.get('/plan/sections/6-3');
    assert.ok(third.body.includes('ソーシャルメディア<sup class="footnote-ref"><a href="#term-1">'));
    assert.ok(third.body.includes('国民ID制度<sup class="footnote-ref"><a href="#term-2">'));
  });

  it('plan text is escaped and only footnote markers become links', async () => {
    const doc = demoPlanDocument() as { code: string; chapters: { sections: { visions: string[] }[] }[] };
    doc.chapters[0]!.sections[0]!.visions = ['<script>alert("x")</script>と<b>協働</b>*1の<a href="https://evil.example">まち</a>'];
    // One Japanese vision now: its English list (two items) would no longer pair with it.
    delete (doc.chapters[0]!.sections[0]! as { visionsEn?: unknown }).visionsEn;
    const tenant = await tenantWithPlan(doc);
    const { client } = await clientFor(tenant);
    const res = await client.get('/plan/sections/6-1');
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('<script>alert'));
    assert.ok(!res.body.includes('<b>協働</b>'));
    assert.ok(!res.body.includes('href="https://evil.example"'));
    assert.ok(res.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;と&lt;b&gt;協働&lt;/b&gt;<sup class="footnote-ref"><a href="#term-1">'));
  });

  it('the chart, the one piece of markup a page does not escape itself, escapes plan text too', async () => {
    const doc = demoPlanDocument() as { chapters: { sections: { indicators: { code: string; name: string; unit: string }[] }[] }[] };
    const indicator = doc.chapters[0]!.sections[0]!.indicators[0]!;
    indicator.unit = '<img src=x>';
    indicator.name = '<script>alert(2)</script>';
    const tenant = await tenantWithPlan(doc);
    const { client } = await clientFor(tenant);
    const res = await client.get(`/plan/indicators/${indicator.code}`);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('<svg'));
    assert.ok(!res.body.includes('<img src=x'), 'unit escaped');
    assert.ok(!res.body.includes('<script>alert(2)'), 'name escaped');
  });

  it('the indicator page contains an SVG chart and a data table with the numbers', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const res = await client.get('/plan/indicators/6-1-1');
    assert.equal(res.statusCode, 200);
    const svg = /<svg[^>]*>[\s\S]*?<\/svg>/.exec(res.body)?.[0] ?? '';
    assert.match(svg, /^<svg role="img" aria-labelledby="chart-6-1-1-title"/);
    assert.match(svg, /<title id="chart-6-1-1-title">市民活動支援センターへの団体登録数の推移<\/title>/);
    assert.ok(svg.includes('<desc id="chart-6-1-1-desc">基準値 219団体（平成25年3月31日）、目標値 250団体（平成29年度）、最新値 244団体（平成29年3月31日）。実績値 4 時点'));
    assert.ok(svg.includes('実績値') && svg.includes('目標への道筋') && svg.includes('傾向（最小二乗法）'));
    const table = /<table class="history-table[^"]*">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    const rows = textOf(table);
    for (const figure of ['219団体', '226団体', '233団体', '238団体', '244団体', '250団体']) assert.ok(rows.includes(figure), figure);
    assert.match(rows, /平成26年3月31日 .*実績値 226団体/);
    const text = textOf(res.body);
    assert.ok(text.includes('市民活動支援センターに登録している市民活動団体数から'));
    assert.match(text, /80\.64% A/);
    // Expected progress on 2017-03-31: 1461 of the 1826 days from 2013-03-31 to 2018-03-31 =
    // 80.0109… %, shown 80.01 %; the rate 80.645… % is at least that: 順調.
    assert.match(res.body, /<span class="badge badge--on-track">順調<\/span><br><span class="small">[^<]*見込まれる達成率は 80\.01% です/);
    assert.ok(!res.body.includes('badge--behind'), 'not shown as behind');
    assert.ok(text.includes('登録市民活動団体数（groups.registered）'));
    assert.ok(text.includes('本システムが自動で集計します'), 'the groups module computes it now');
    assert.ok(text.includes('計画での表記：H25.3.31'));
    assert.ok(text.includes('デモデータ：実際の数値ではありません'));
  });

  it('judges on-track on exact figures and shows figures that read the same way (issue 7)', async () => {
    // Baseline 200 (2020-03-31), target 250 (2025-03-31): the expected line on 2022-03-31 is
    // 200 + 50 × 730 / 1826 = 219.98904…, i.e. an expected progress of 39.978094…%.
    const doc = (code: string, value: string) => ({
      code,
      title: '検証計画',
      current: true,
      period: { startFiscalYear: 2020, endFiscalYear: 2024 },
      chapters: [{ code: '1', title: '章', sections: [{ code: '1-1', title: '節', indicators: [
        { code: 'G', name: '登録数', unit: '件', direction: 'increase', baseline: { value: 200, asOf: '2020-03-31' }, target: { value: 250, fiscalYear: 2024 }, actuals: [{ value: Number(value), asOf: '2022-03-31' }] },
      ] }] }],
    });
    const badge = (html: string) => /<dd><span class="badge badge--(on-track|behind)">[^<]*<\/span><br><span class="small">([^<]*)<\/span>/.exec(html);
    // 219.9895: the rate 39.979 % is above the exact line (it was 遅れ against the rounded 39.98 %).
    const above = await clientFor(await tenantWithPlan(doc('above', '219.9895')));
    const onTrack = await above.client.get('/plan/indicators/G');
    assert.equal(onTrack.statusCode, 200);
    assert.equal(badge(onTrack.body)?.[1], 'on-track');
    assert.ok((badge(onTrack.body)?.[2] ?? '').includes('39.97%'), badge(onTrack.body)?.[2]);
    assert.match(textOf(onTrack.body), /39\.97% C/);
    // 219.98904: a hair below the line. Rate 39.97808 %, expected 39.978094 %: shown with the
    // digits it takes to read below it.
    const below = await clientFor(await tenantWithPlan(doc('below', '219.98904')));
    const behind = await below.client.get('/plan/indicators/G');
    assert.equal(badge(behind.body)?.[1], 'behind');
    assert.ok((badge(behind.body)?.[2] ?? '').includes('39.97809%'), badge(behind.body)?.[2]);
    assert.match(textOf(behind.body), /39\.97808% C/);
    // The rule is stated on the page.
    assert.ok(behind.body.includes('端数を処理する前の値で判定します'));
  });

  it('keeps the written precision of values: 38.0 % shows as 38.0 %', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const text = textOf((await client.get('/plan/indicators/6-1-3')).body);
    assert.match(text, /38\.0% /);
    assert.match(text, /43\.0% /);
    assert.match(text, /41\.5% /);
    const api = (await client.get('/api/v1/indicators')).json() as { items: { code: string; decimals: number | null }[] };
    assert.equal(api.items.find((i) => i.code === '6-1-3')?.decimals, 1);
    assert.equal(api.items.find((i) => i.code === '6-1-1')?.decimals, null);
    // Without `decimals` the number 38.0 is the number 38.
    const plain = demoPlanDocument() as { code: string; chapters: { sections: { indicators: { code: string; decimals?: number }[] }[] }[] };
    for (const i of plain.chapters.flatMap((c) => c.sections.flatMap((x) => x.indicators))) delete i.decimals;
    const other = await clientFor(await tenantWithPlan(plain));
    const plainText = textOf((await other.client.get('/plan/indicators/6-1-3')).body);
    assert.match(plainText, /38% /);
    assert.doesNotMatch(plainText, /38\.0%/);
  });

  it('draws a chart once per indicator, data version and language, for signed-in viewers too', async () => {
    const tenant = await tenantWithPlan();
    const staff = await clientFor(tenant, 'staff');
    const manager = await clientFor(tenant, 'plan_manager');
    const { client: visitor } = await clientFor(tenant);
    const before = chartsDrawn();
    const first = await staff.client.get('/plan/indicators/6-1-1');
    assert.equal(first.statusCode, 200);
    assert.ok(first.body.includes('<svg role="img"'));
    assert.equal(chartsDrawn(), before + 1);
    await staff.client.get('/plan/indicators/6-1-1');
    await manager.client.get('/plan/indicators/6-1-1');
    await visitor.get('/plan/indicators/6-1-1');
    assert.equal(chartsDrawn(), before + 1, 'the same chart for every viewer');
    await staff.client.get('/plan/indicators/6-1-1?lang=en');
    assert.equal(chartsDrawn(), before + 2, 'one per language');
    // A new approved value is a new data version: the chart is drawn again, with it.
    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '247', asOf: '2018-03-31' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 303);
    const [pending] = await pendingActuals(ctx.db, tenant.id);
    await manager.client.submit(`/staff/plan/approvals/${pending!.id}`, { code: '6-1-1', decision: 'approved' }, { csrf: manager.csrf });
    const after = await staff.client.get('/plan/indicators/6-1-1?lang=ja');
    assert.equal(chartsDrawn(), before + 3);
    assert.ok(/<desc id="chart-6-1-1-desc">[^<]*247団体/.test(after.body), 'the new chart shows the new value');
  });

  it('the indicator page of the computed average has no baseline line and says how it is computed', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    const res = await client.get('/plan/indicators/6-2-4');
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    assert.ok(text.includes('基準値なし'));
    assert.ok(text.includes('plan.averageAchievement'));
    assert.ok(res.body.includes('<svg role="img"'));
  });

  it('unknown sections and indicators are 404 pages', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant);
    assert.equal((await client.get('/plan/sections/9-9')).statusCode, 404);
    assert.equal((await client.get('/plan/indicators/9-9-9')).statusCode, 404);
  });

  it('unapproved values are not shown publicly', async () => {
    const tenant = await tenantWithPlan();
    const staff = await clientFor(tenant, 'staff');
    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '12,345', asOf: 'H30.3.31', note: '確認中' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 303);

    const { client } = await clientFor(tenant);
    for (const url of ['/plan', '/plan/sections/6-1', '/plan/indicators/6-1-1']) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 200);
      assert.ok(!res.body.includes('12,345'), `${url} hides the pending value`);
      assert.ok(!res.body.includes('確認中'), `${url} hides the pending note`);
    }
    const seen = await staff.client.get('/plan/indicators/6-1-1');
    assert.ok(seen.body.includes('12,345団体'), 'staff see the pending revision');
    assert.ok(seen.body.includes('承認待ち'));
  });
});

describe('plan pages (staff)', () => {
  it('the entry form with bad input re-renders 400 with every error', async () => {
    const tenant = await tenantWithPlan();
    const { client, csrf } = await clientFor(tenant, 'staff');
    const res = await client.submit('/staff/plan/actuals/new', { indicator: '', value: '12a', asOf: 'H31.5.1', note: 'x'.repeat(1001) }, { csrf });
    assert.equal(res.statusCode, 400);
    assert.ok(res.body.includes('class="error-summary"'));
    for (const field of ['indicator', 'value', 'asOf', 'note']) {
      assert.ok(res.body.includes(`href="#${field}"`), `summary links ${field}`);
      assert.ok(res.body.includes(`id="${field}-error"`), `message beside ${field}`);
    }
    assert.ok(res.body.includes('指標を選んでください'));
    assert.ok(res.body.includes('値は数値で入力してください'));
    assert.ok(res.body.includes('時点を読み取れません'));
    assert.ok(res.body.includes('備考は1000文字以内で入力してください'));
    assert.ok(res.body.includes('value="12a"'), 'keeps what was typed');

    const computed = await client.submit('/staff/plan/actuals/new', { indicator: '6-2-4', value: '90', asOf: '2018-03-31' }, { csrf });
    assert.equal(computed.statusCode, 400);
    assert.ok(computed.body.includes('この指標は自動で計算されるため入力できません'));
    const unknown = await client.submit('/staff/plan/actuals/new', { indicator: '9-9-9', value: '1', asOf: '2018-03-31' }, { csrf });
    assert.equal(unknown.statusCode, 400);
    assert.ok(unknown.body.includes('選んだ指標が見つかりません'));
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });

  it('entry and approval through the forms make the value public', async () => {
    const tenant = await tenantWithPlan();
    const staff = await clientFor(tenant, 'staff');
    const form = await staff.client.get('/staff/plan/actuals/new');
    assert.equal(form.statusCode, 200);
    assert.ok(form.body.includes('<option value="6-1-1">'));
    assert.ok(!form.body.includes('<option value="6-2-4">'), 'the computed average is not offered');

    const posted = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '261', asOf: '平成29年度', note: '登録台帳より' }, { csrf: staff.csrf });
    assert.equal(posted.statusCode, 303);
    assert.match(String(posted.headers.location), /^\/staff\/plan\/actuals\/new\?recorded=6-1-1&asOf=2018-03-31&id=[0-9a-f-]{36}$/);
    const confirmation = await staff.client.get(posted.headers.location as string);
    assert.ok(confirmation.body.includes('6-1-1の平成30年3月31日（2018-03-31）時点の実績値を承認待ちとして登録しました'));

    const { client: citizenView } = await clientFor(tenant);
    assert.ok(!(await citizenView.get('/plan/indicators/6-1-1')).body.includes('261団体'));
    // Visitors who are not signed in are served from the versioned page cache.
    assert.ok(!(await citizenView.get('/plan')).body.includes('261団体'));

    const manager = await clientFor(tenant, 'plan_manager');
    const queue = await manager.client.get('/staff/plan/approvals');
    assert.equal(queue.statusCode, 200);
    assert.ok(textOf(queue.body).includes('261団体'));
    const action = /action="(\/staff\/plan\/approvals\/[0-9a-f-]+)"/.exec(queue.body)?.[1];
    assert.ok(action, 'the queue has an approve form');
    const decided = await manager.client.submit(action, { code: '6-1-1', decision: 'approved' }, { csrf: manager.csrf });
    assert.equal(decided.statusCode, 303);
    assert.equal(decided.headers.location, '/staff/plan/approvals?done=approved');
    const after = await manager.client.get('/staff/plan/approvals?done=approved');
    assert.ok(after.body.includes('実績値を承認しました'));
    assert.ok(after.body.includes('承認待ちの実績値はありません'));

    assert.ok((await citizenView.get('/plan')).body.includes('261団体'), 'the approval reaches the cached overview');
    const page = await citizenView.get('/plan/indicators/6-1-1');
    const text = textOf(page.body);
    assert.match(text, /最新値 261団体 （平成30年3月31日/);
    // (261 − 219) / (250 − 219) = 135.48 %: grade S.
    assert.match(text, /135\.48% S/);
    assert.ok(!text.includes('manager-'), 'the public does not see who approved');
  });

  it('a rejected entry stays unpublished', async () => {
    const tenant = await tenantWithPlan();
    const staff = await clientFor(tenant, 'staff');
    await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-2', value: '999,999', asOf: '2018-03-31' }, { csrf: staff.csrf });
    const manager = await clientFor(tenant, 'plan_manager');
    const queue = await manager.client.get('/staff/plan/approvals');
    const action = /action="(\/staff\/plan\/approvals\/[0-9a-f-]+)"/.exec(queue.body)![1]!;
    const decided = await manager.client.submit(action, { code: '6-1-2', decision: 'rejected', reason: '桁の誤り' }, { csrf: manager.csrf });
    assert.equal(decided.statusCode, 303);
    const { client } = await clientFor(tenant);
    assert.ok(!(await client.get('/plan/indicators/6-1-2')).body.includes('999,999'));
  });

  it('the CSV preview lists every bad row and imports nothing', async () => {
    const tenant = await tenantWithPlan();
    const { client, csrf } = await clientFor(tenant, 'staff');
    const csv = [
      'code,as_of,value,note',
      '6-1-1,2018-03-31,251,ok',
      '9-9-9,2018-03-31,1,',
      '6-1-2,2017-02-30,20,',
      '6-1-3,H30.3.31,四十,',
      '6-1-1,平成29年度,252,',
      '6-2-4,2018-03-31,90,',
      '6-3-1,2018-03-31',
    ].join('\n');
    for (const mode of ['preview', 'import']) {
      const res = await client.submit('/staff/plan/import', { csv, mode }, { csrf });
      assert.equal(res.statusCode, 400, mode);
      const text = textOf(res.body);
      assert.ok(text.includes('指標コード「9-9-9」は計画にありません'), 'unknown code');
      assert.ok(text.includes('時点「2017-02-30」を日付として読み取れません'), 'bad date');
      assert.ok(text.includes('値「四十」は数値ではありません'), 'bad number');
      assert.ok(text.includes('2行目と同じ指標・時点です'), 'duplicate');
      assert.ok(text.includes('この指標は自動で計算されるため入力できません'), 'computed');
      assert.ok(text.includes('列の数が正しくありません'), 'columns');
      for (const line of [3, 4, 5, 6, 7, 8]) assert.ok(res.body.includes(`href="#row-${line}"`), `summary links line ${line}`);
      assert.ok(!res.body.includes('href="#row-2"'), 'the good row has no problem');
      assert.ok(text.includes('6行に問題があります（全7行）'));
      assert.ok(res.body.includes('6-1-1,2018-03-31,251,ok'), 'the CSV is kept in the form');
    }
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });

  it('the CSV import creates pending actuals', async () => {
    const tenant = await tenantWithPlan();
    const { client, csrf } = await clientFor(tenant, 'staff');
    const csv = '6-1-1,平成29年度,251,台帳\r\n6-1-2,H30.3.31,"1,024",\r\n6-1-3,2018-03-31,41.75\r\n';
    const preview = await client.submit('/staff/plan/import', { csv, mode: 'preview' }, { csrf });
    assert.equal(preview.statusCode, 200);
    assert.ok(textOf(preview.body).includes('3行すべてに問題はありません'));
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), [], 'the preview stores nothing');

    const res = await client.submit('/staff/plan/import', { csv, mode: 'import' }, { csrf });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/staff/plan/import?imported=3');
    assert.ok((await client.get('/staff/plan/import?imported=3')).body.includes('3件の実績値を承認待ちとして登録しました'));
    const pending = await pendingActuals(ctx.db, tenant.id);
    assert.deepEqual(
      pending.map((p) => [p.code, p.as_of, Number(p.value), p.note, p.status]).sort(),
      [
        ['6-1-1', '2018-03-31', 251, '台帳', 'pending'],
        ['6-1-2', '2018-03-31', 1024, null, 'pending'],
        ['6-1-3', '2018-03-31', 41.75, null, 'pending'],
      ],
    );
    const { client: anonymous } = await clientFor(tenant);
    assert.ok(!(await anonymous.get('/plan/indicators/6-1-1')).body.includes('251団体'));
  });

  it('the CSV import accepts an uploaded Shift_JIS file', async () => {
    const tenant = await tenantWithPlan();
    const { client, csrf } = await clientFor(tenant, 'staff');
    // "6-1-1,平成29年度,253,台帳" in Shift_JIS, as Excel saves it.
    const sjis = Buffer.concat([
      Buffer.from('6-1-1,'),
      Buffer.from([0x95, 0xbd, 0x90, 0xac, 0x32, 0x39, 0x94, 0x4e, 0x93, 0x78]),
      Buffer.from(',253,'),
      Buffer.from([0x91, 0xe4, 0x92, 0xa0]),
      Buffer.from('\r\n'),
    ]);
    const { payload, contentType } = multipart({ _csrf: csrf, csv: '', mode: 'import' }, { name: 'file', filename: 'actuals.csv', content: sjis });
    const res = await client.request({ method: 'POST', url: '/staff/plan/import', payload, headers: { 'content-type': contentType, accept: 'text/html' } });
    assert.equal(res.statusCode, 303, res.body);
    const pending = await pendingActuals(ctx.db, tenant.id);
    assert.deepEqual(pending.map((p) => [p.code, p.as_of, Number(p.value), p.note]), [['6-1-1', '2018-03-31', 253, '台帳']]);
  });

  it('the report shows per-section averages as of the fiscal year end', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant, 'plan_manager');
    const res = await client.get('/staff/plan/report?fy=2016');
    assert.equal(res.statusCode, 200);
    const text = textOf(res.body);
    assert.ok(text.includes('平成28年度（FY2016） 成果指標の評価報告'));
    // By hand from the demo values at 2017-03-31 (each rate cut to 2 places): 6-1-1 80.64,
    // 6-1-2 75, 6-1-3 70, 6-2-1 68.75, 6-2-2 100, 6-2-3 54.76, 6-3-1 75.56, 6-3-2 70; 6-2-4 is
    // their mean 74.33. Sections: 6-1 225.64 / 3 = 75.21, 6-2 297.84 / 4 = 74.46, 6-3 145.56 / 2
    // = 72.78; the plan 669.04 / 9 = 74.33.
    const sectionRows = textOf(/<table class="report-sections[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '');
    for (const [label, average] of [['第1節', '75.21%'], ['第2節', '74.46%'], ['第3節', '72.78%']] as const) {
      assert.match(sectionRows, new RegExp(`${label}[^%]*? ${average.replace('.', '\\.')}`), `${label} ${average}`);
    }
    assert.ok(text.includes('74.33%'), 'the plan average');
    assert.match(text, /244団体 デモ 平成29年3月31日/);

    // Two years earlier the latest value of 6-1-1 was 233 (31 March 2015).
    const earlier = textOf((await client.get('/staff/plan/report?fy=2014')).body);
    assert.match(earlier, /233団体 デモ 平成27年3月31日/);
    assert.ok(!earlier.includes('244団体'));

    const csv = await client.get('/staff/plan/report.csv?fy=2016');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.ok(csv.body.startsWith('\uFEFF'));
    assert.ok(csv.body.includes('6-1-1,市民活動支援センターへの団体登録数,団体,244,2017-03-31,80.64,A'));

    assert.equal((await client.get('/staff/plan/report?fy=1990')).statusCode, 400);
  });

  it('a citizen gets 403 on staff pages and an anonymous visitor is sent to /login', async () => {
    const tenant = await tenantWithPlan();
    const urls = ['/staff/plan', '/staff/plan/actuals/new', '/staff/plan/approvals', '/staff/plan/import', '/staff/plan/report?fy=2016', '/staff/plan/report.csv?fy=2016'];
    const { client: anonymous } = await clientFor(tenant);
    const citizen = await clientFor(tenant, 'citizen');
    for (const url of urls) {
      const a = await anonymous.get(url);
      assert.equal(a.statusCode, 303, url);
      assert.equal(a.headers.location, `/login?next=${encodeURIComponent(url)}`);
      assert.equal((await citizen.client.get(url)).statusCode, 403, url);
    }
    const posted = await citizen.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '1', asOf: '2018-03-31' }, { csrf: citizen.csrf });
    assert.equal(posted.statusCode, 403);
    // Staff enter actuals but do not approve them.
    const staff = await clientFor(tenant, 'staff');
    assert.equal((await staff.client.get('/staff/plan/approvals')).statusCode, 403);
    assert.equal((await staff.client.get('/staff/plan/actuals/new')).statusCode, 200);
    // A form without its CSRF token is refused.
    const forged = await staff.client.submit('/staff/plan/actuals/new', { indicator: '6-1-1', value: '1', asOf: '2018-03-31' }, { csrf: null });
    assert.equal(forged.statusCode, 403);
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });
});

describe('reading what staff type (pure functions)', () => {
  it('reads figures with separators and full-width digits, and refuses anything else', () => {
    const cases: [string, number | null][] = [
      ['219', 219],
      ['5,913,107', 5913107],
      ['５，９１３，１０７', 5913107],
      [' 99.985 ', 99.985],
      ['-3.5', -3.5],
      ['.5', 0.5],
      ['', null],
      ['12a', null],
      ['1e5', null],
      ['四十', null],
      ['1.2.3', null],
      ['Infinity', null],
    ];
    for (const [text, expected] of cases) assert.equal(parseFigureText(text), expected, text);
  });

  it('reads dates as ISO or in the plan’s notations, fiscal years as their last day', () => {
    const cases: [string, string | null][] = [
      ['2017-03-31', '2017-03-31'],
      ['H29.3.31', '2017-03-31'],
      ['平成28年度', '2017-03-31'],
      ['H23年度末', '2012-03-31'],
      ['R6.4.1', '2024-04-01'],
      ['令和元年度', '2020-03-31'],
      ['2017-02-30', null],
      ['H31.5.1', null],
      ['someday', null],
      ['', null],
    ];
    for (const [text, expected] of cases) assert.equal(parseAsOfText(text), expected, text);
  });

  it('reads an uploaded CSV as UTF-8 without its BOM, or as Shift_JIS', () => {
    assert.equal(decodeCsvBytes(Buffer.from('\uFEFF6-1-1,H29,1\r\n')), '6-1-1,H29,1\r\n');
    assert.equal(decodeCsvBytes(Buffer.from([0x82, 0xa0])), 'あ', 'Shift_JIS when not UTF-8');
  });

  it('splits footnote markers out of plan text without marking anything safe', () => {
    const glossary = [{ id: 'term-1', marker: '*1', term: 'パートナーシップ', definition: '…' }];
    assert.deepEqual(withFootnotes('A<b>*1の*2 and *¹', glossary, '', 'ja'), [
      { text: 'A<b>' },
      { marker: '*1', href: '#term-1', label: '用語の説明：パートナーシップ' },
      { text: 'の*2 and ' },
      { marker: '*¹', href: '#term-1', label: '用語の説明：パートナーシップ' },
    ]);
    assert.deepEqual(withFootnotes('plain', glossary, '/plan/sections/6-1', 'en'), [{ text: 'plain' }]);
  });

  it('labels an SVG with an escaped title and description', () => {
    const svg = labelSvg('<svg width="1" viewBox="0 0 1 1"><rect/></svg>', 'c', { title: 'a<b>&"', description: "d'" });
    assert.equal(
      svg,
      '<svg role="img" aria-labelledby="c-title" aria-describedby="c-desc" focusable="false" width="1" viewBox="0 0 1 1">' +
        '<title id="c-title">a&lt;b&gt;&amp;&quot;</title><desc id="c-desc">d&#39;</desc><rect/></svg>',
    );
  });
});

describe('plan pages (edge cases)', () => {
  it('a malformed upload is refused with 400 and stores nothing', async () => {
    const tenant = await tenantWithPlan();
    const { client, csrf } = await clientFor(tenant, 'staff');
    const res = await client.request({
      method: 'POST',
      url: '/staff/plan/import',
      payload: `--B\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}`,
      headers: { 'content-type': 'multipart/form-data; boundary=B', accept: 'text/html' },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(await pendingActuals(ctx.db, tenant.id), []);
  });

  it('an impossible date in the confirmation link is ignored, not an error', async () => {
    const tenant = await tenantWithPlan();
    const { client } = await clientFor(tenant, 'staff');
    const res = await client.get('/staff/plan/actuals/new?recorded=6-1-1&asOf=2018-02-30');
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes('notice--success'));
  });

  it('the report CSV neutralises text a spreadsheet would run as a formula', async () => {
    const doc = demoPlanDocument() as { chapters: { sections: { indicators: { name: string }[] }[] }[] };
    doc.chapters[0]!.sections[0]!.indicators[0]!.name = '=HYPERLINK("http://evil.example")';
    const tenant = await tenantWithPlan(doc);
    const { client } = await clientFor(tenant, 'plan_manager');
    const csv = await client.get('/staff/plan/report.csv?fy=2016');
    assert.ok(csv.body.includes(`"'=HYPERLINK(""http://evil.example"")"`));
  });
});
