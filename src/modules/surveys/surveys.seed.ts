/**
 * Demo surveys, marked as demonstration data wherever they show: the yearly 市民意識調査 for
 * FY2012–FY2016 with the three section questions of the plan (市民の実感, the plan's six
 * codes), the 男女共同参画週間市民アンケート behind indicator 6-1-3 for the same years on a
 * five-choice own scale (its positive shares 38.0 % in FY2012, the plan's baseline, then
 * 39.2, 40.1, 40.8 and 41.5 %, the demo actuals of the plan), and an open survey of the current
 * fiscal year that takes answers with the printed demo codes. The answers are generated with
 * fixed counts, so the published shares are exact.
 */
import { sha256 } from '../../core/crypto.ts';
import { fiscalYearOf, todayJst } from '../../core/dates.ts';
import type { Sql } from '../../core/db/database.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { SeedContext } from '../module.ts';
import * as repo from './surveys.repository.ts';
import { ownScale, PLAN_SCALE, type Choice } from './surveys.scale.ts';
import { hashCode, SURVEYS_SCOPE } from './surveys.service.ts';

const SECTION_QUESTIONS = [
  { code: 'Q6-1', section: '6-1', text: '市役所の行うさまざまな活動が、市民や地域の協力を得ながら取り組まれていると感じますか' },
  { code: 'Q6-2', section: '6-2', text: '市役所は、適正な予算で質の高い行政サービスを提供できていると感じますか' },
  { code: 'Q6-3', section: '6-3', text: '日々の暮らしや、まちづくりの中で、パソコンや携帯電話などの情報通信機器が活用されていると感じますか' },
];

/** Shares per code 1, 2, 3, 4, 8, 9 by section and year (demonstration figures). */
const SECTION_SHARES: Record<string, number[][]> = {
  '6-1': [[0.05, 0.25, 0.33, 0.1, 0.22, 0.05], [0.05, 0.26, 0.33, 0.1, 0.21, 0.05], [0.06, 0.26, 0.32, 0.09, 0.22, 0.05], [0.06, 0.27, 0.32, 0.09, 0.21, 0.05], [0.06, 0.28, 0.31, 0.09, 0.21, 0.05]],
  '6-2': [[0.03, 0.2, 0.35, 0.14, 0.23, 0.05], [0.03, 0.21, 0.35, 0.13, 0.23, 0.05], [0.04, 0.21, 0.34, 0.13, 0.23, 0.05], [0.04, 0.22, 0.34, 0.12, 0.23, 0.05], [0.04, 0.23, 0.33, 0.12, 0.23, 0.05]],
  '6-3': [[0.08, 0.3, 0.28, 0.08, 0.21, 0.05], [0.09, 0.31, 0.27, 0.08, 0.2, 0.05], [0.1, 0.32, 0.26, 0.07, 0.2, 0.05], [0.1, 0.33, 0.26, 0.07, 0.19, 0.05], [0.11, 0.34, 0.25, 0.06, 0.19, 0.05]],
};

const GENDER_SCALE = ownScale({
  choices: [
    { code: '1', label: '賛成', positive: true },
    { code: '2', label: 'どちらかといえば賛成', positive: true },
    { code: '3', label: 'どちらかといえば反対' },
    { code: '4', label: '反対' },
    { code: '8', label: 'わからない', substantive: false },
  ],
});
/** The positive share of 6-1-3 per year (per mille of 1,000 respondents): the plan's baseline, then the demo actuals. */
const GENDER_POSITIVE = [380, 392, 401, 408, 415];

const YEARS = [2012, 2013, 2014, 2015, 2016];
const SEXES = ['女性', '男性'];
const AGES = ['18-29歳', '30-39歳', '40-49歳', '50-59歳', '60-69歳', '70歳以上'];

/** Integer counts summing to n from shares (largest remainder). */
function countsOf(n: number, shares: readonly number[]): number[] {
  const total = shares.reduce((s, x) => s + x, 0);
  const raw = shares.map((s) => (s / total) * n);
  const counts = raw.map(Math.floor);
  const order = raw.map((r, i) => ({ i, rest: r - Math.floor(r) })).sort((a, b) => b.rest - a.rest);
  for (let k = 0; k < n - counts.reduce((s, x) => s + x, 0); k++) counts[order[k % order.length]!.i]! += 1;
  return counts;
}

/** A fixed pseudo-random permutation (a linear congruential shuffle: same answers on every seed). */
function shuffled<T>(items: T[], seed: number): T[] {
  let x = seed >>> 0 || 1;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The answers of n respondents to a question: each choice given exactly its count. */
function answersFor(choices: readonly Choice[], counts: readonly number[], seed: number): string[] {
  return shuffled(
    choices.flatMap((c, i) => Array<string>(counts[i]!).fill(c.code)),
    seed,
  );
}

interface DemoSurvey {
  code: string;
  title: string;
  fiscalYear: number;
  population: number;
  invited: number;
  questions: repo.Question[];
  answers: Record<string, string[]>;
  n: number;
}

async function insertDemo(tx: Sql, tenant: Tenant, d: DemoSurvey, state: { published: boolean; receivedOn: string }) {
  const survey = await repo.insertSurvey(tx, tenant.id, { code: d.code, title: d.title, fiscalYear: d.fiscalYear, population: d.population, isDemo: true });
  for (const q of d.questions) await repo.insertQuestion(tx, tenant.id, survey.id, q);
  const hashes = Array.from({ length: d.invited }, (_, i) => sha256(`demo-invitation:${d.code}:${i}`));
  await repo.insertInvitations(tx, tenant.id, survey.id, hashes);
  await tx.query('update survey_invitations set used = true where tenant_id = $1 and survey_id = $2 and code_hash = any($3::text[])', [tenant.id, survey.id, hashes.slice(0, d.n)]);
  const rows: repo.ResponseRow[] = Array.from({ length: d.n }, (_, i) => ({
    channel: i % 4 === 0 ? 'web' : 'paper',
    receivedOn: state.receivedOn,
    sex: SEXES[(i * 7) % SEXES.length]!,
    ageGroup: AGES[(i * 11) % AGES.length]!,
    area: null,
    answers: Object.fromEntries(Object.entries(d.answers).map(([q, list]) => [q, list[i]!])),
    isDemo: true,
  }));
  await repo.insertResponses(tx, tenant.id, survey.id, rows, 'survey_responses');
  // The tallies and the respondent count (d.n) from the responses just stored.
  await repo.rebuildTallies(tx, tenant.id, survey.id);
  await tx.query(
    `update surveys set state = $3, opened_on = $4, closed_on = $5, published_on = $6 where tenant_id = $1 and id = $2`,
    state.published
      ? [tenant.id, survey.id, 'published', `${d.fiscalYear}-07-01`, `${d.fiscalYear}-07-31`, `${d.fiscalYear + 1}-03-01`]
      : [tenant.id, survey.id, 'open', state.receivedOn, null, null],
  );
  return survey;
}

/** The demo codes of the open survey (printed at start-up; demonstration only). */
export function demoCodes(fy: number): string[] {
  return Array.from({ length: 20 }, (_, i) => `DEMO-${fy}-0000-${String(i + 1).padStart(4, '0')}`);
}

export async function seedDemoSurveys(tx: Sql, tenant: Tenant, ctx: SeedContext): Promise<string[]> {
  const notes: string[] = [];
  let changed = false;
  for (const [k, fy] of YEARS.entries()) {
    const ishiki = `shimin-ishiki-${fy}`;
    if (!(await repo.findSurvey(tx, tenant.id, ishiki))) {
      const n = 1200;
      const questions: repo.Question[] = SECTION_QUESTIONS.map((q, position) => ({
        code: q.code,
        position,
        kind: 'perception',
        text: q.text,
        required: false,
        choices: [...PLAN_SCALE],
        ownScale: false,
        sectionCode: q.section,
        indicatorCode: null,
      }));
      const answers = Object.fromEntries(SECTION_QUESTIONS.map((q, i) => [q.code, answersFor(PLAN_SCALE, countsOf(n, SECTION_SHARES[q.section]![k]!), fy * 10 + i)]));
      await insertDemo(tx, tenant, { code: ishiki, title: `${fy}年度 市民意識調査（デモ）`, fiscalYear: fy, population: 280_000, invited: 3000, questions, answers, n }, { published: true, receivedOn: `${fy}-07-20` });
      changed = true;
    }
    const danjo = `danjo-kyodo-${fy}`;
    if (!(await repo.findSurvey(tx, tenant.id, danjo))) {
      const n = 1000;
      const positive = GENDER_POSITIVE[k]!;
      const strong = Math.round(positive * 0.3);
      const rest = n - positive;
      const counts = [strong, positive - strong, ...countsOf(rest, [0.45, 0.2, 0.35])];
      const questions: repo.Question[] = [
        {
          code: 'G1',
          position: 0,
          kind: 'perception',
          text: '女性が子育てをしながら働くことを支持しますか',
          required: false,
          choices: GENDER_SCALE,
          ownScale: true,
          sectionCode: null,
          indicatorCode: '6-1-3',
        },
      ];
      await insertDemo(
        tx,
        tenant,
        { code: danjo, title: `${fy}年度 男女共同参画週間市民アンケート（デモ）`, fiscalYear: fy, population: 280_000, invited: 2500, questions, answers: { G1: answersFor(GENDER_SCALE, counts, fy) }, n },
        { published: true, receivedOn: `${fy}-06-25` },
      );
      changed = true;
    }
  }
  const fy = fiscalYearOf(todayJst(ctx.clock.now()));
  const open = `shimin-ishiki-${fy}`;
  if (!YEARS.includes(fy) && !(await repo.findSurvey(tx, tenant.id, open))) {
    const survey = await repo.insertSurvey(tx, tenant.id, { code: open, title: `${fy}年度 市民意識調査（デモ・回答受付中）`, fiscalYear: fy, population: 280_000, isDemo: true });
    for (const [position, q] of SECTION_QUESTIONS.entries()) {
      await repo.insertQuestion(tx, tenant.id, survey.id, { code: q.code, position, kind: 'perception', text: q.text, required: false, choices: [...PLAN_SCALE], ownScale: false, sectionCode: q.section, indicatorCode: null });
    }
    await repo.insertQuestion(tx, tenant.id, survey.id, {
      code: 'Q99',
      position: SECTION_QUESTIONS.length,
      kind: 'text',
      text: '市政へのご意見があればお書きください',
      required: false,
      choices: [],
      ownScale: false,
      sectionCode: null,
      indicatorCode: null,
    });
    await repo.insertInvitations(tx, tenant.id, survey.id, demoCodes(fy).map(hashCode));
    await tx.query(`update surveys set state = 'open', opened_on = $3 where tenant_id = $1 and id = $2`, [tenant.id, survey.id, todayJst(ctx.clock.now())]);
    notes.push(`デモ調査 /surveys/${open}/answer の回答用コード（デモ） / demo survey codes: ${demoCodes(fy)[0]} … ${demoCodes(fy)[19]}`);
    changed = true;
  }
  if (changed) await bumpDataVersion(tx, tenant.id, SURVEYS_SCOPE);
  return notes;
}
