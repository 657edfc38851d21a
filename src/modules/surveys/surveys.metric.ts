/**
 * What the module gives the plan: the metric `surveys.positiveShare` (indicator 6-1-3 and any
 * indicator a question is bound to: one value per fiscal year, dated 31 March, in percent to
 * one decimal as cities publish it, with the survey as its source) and the 市民の実感 panel of
 * each plan section (the 100 % stacked bar by year with its table).
 */
import { compareIsoDate, fiscalYearEnd } from '../../core/dates.ts';
import type { Sql } from '../../core/db/database.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { MetricDefinition, MetricObservation } from '../../core/metrics.ts';
import type { SectionPanel, SectionPanelQuery } from '../module.ts';
import { stackedBarSvg, yearLabel } from './surveys.chart.ts';
import './surveys.messages.ts';
import * as repo from './surveys.repository.ts';
import { questionResult, type QuestionResult } from './surveys.results.ts';
import { PLAN_SCALE_EN } from './surveys.scale.ts';
import { SURVEYS_SCOPE } from './surveys.service.ts';
import { percent1 } from './surveys.stats.ts';

type Published = Awaited<ReturnType<typeof repo.publishedQuestions>>[number];

/** Each published question's result, the last published survey of a fiscal year winning. */
async function perYear(sql: Sql, tenantId: string, questions: Published[]) {
  const tallies = await repo.talliesOf(sql, tenantId, [...new Set(questions.map((q) => q.surveyId))]);
  return questions.map((q) => ({
    q,
    result: questionResult(q, tallies.filter((t) => t.surveyId === q.surveyId), q.respondents, q.population),
  }));
}

export const positiveShareMetric: MetricDefinition = {
  name: 'surveys.positiveShare',
  description: { ja: '市民意識調査の肯定的回答の割合', en: 'Positive share of a perception-survey question' },
  scopes: [SURVEYS_SCOPE],
  async observe({ sql, tenantId, bindings }) {
    const questions = await repo.publishedQuestions(sql, tenantId, { indicators: bindings.map((b) => b.indicatorCode) });
    const results = await perYear(sql, tenantId, questions);
    const out = new Map<string, MetricObservation[]>();
    for (const b of bindings) {
      const byYear = new Map<number, MetricObservation>();
      for (const { q, result } of results) {
        if (q.indicatorCode !== b.indicatorCode || !result.positiveShare) continue;
        const asOf = fiscalYearEnd(q.fiscalYear);
        if (b.since && compareIsoDate(asOf, b.since) < 0) continue;
        byYear.set(q.fiscalYear, { value: percent1(result.positiveShare.value), asOf, note: `${q.surveyTitle}（${q.surveyCode} ${q.code}）`, demo: q.isDemo });
      }
      out.set(b.indicatorCode, [...byYear.values()].sort((x, y) => compareIsoDate(x.asOf, y.asOf)));
    }
    return out;
  },
};

const pct = (v: number, lang: Lang) => (lang === 'ja' ? `${percent1(v).toFixed(1)}%` : `${percent1(v).toFixed(1)} %`);

export function choiceLabel(c: { code: string; label: string }, ownScale: boolean, lang: Lang): string {
  return lang === 'en' && !ownScale ? (PLAN_SCALE_EN[c.code] ?? c.label) : c.label;
}

/** The year-by-year figures of one series of questions (a section's, or one question's). */
export async function perceptionSeries(
  years: readonly { q: Pick<repo.Question, 'choices' | 'ownScale' | 'text'> & { fiscalYear: number; respondents: number; isDemo: boolean; surveyCode: string }; result: QuestionResult }[],
  lang: Lang,
  idPrefix: string,
) {
  const latest = years[years.length - 1]!;
  const choices = latest.q.choices;
  const labels = choices.map((c) => choiceLabel(c, latest.q.ownScale, lang));
  const rows = years.map(({ q, result }) => ({
    fiscalYear: q.fiscalYear,
    shares: choices.map((c) => (q.respondents ? (result.counts[c.code] ?? 0) / q.respondents : 0)),
  }));
  const t = (key: string, params?: Record<string, string | number>) => translate(lang, key, params);
  const first = years[0]!;
  const description = t('surveys.panel.description', {
    from: yearLabel(first.q.fiscalYear, lang),
    to: yearLabel(latest.q.fiscalYear, lang),
    share: latest.result.positiveShare ? pct(latest.result.positiveShare.value, lang) : '—',
  });
  const chartSvg = await stackedBarSvg(rows, labels, lang, { title: latest.q.text, description, idPrefix });
  // Three short-headed columns, the breakdown as one wrapping cell: the table fits a phone.
  const sep = lang === 'ja' ? '、' : ', ';
  const table = {
    caption: t('surveys.panel.caption', { question: latest.q.text }),
    columns: [t('surveys.field.year'), t('surveys.field.positiveShort'), t('surveys.field.breakdown')],
    rows: years.map(({ q, result }) => [
      t('surveys.panel.yearCell', { year: yearLabel(q.fiscalYear, lang), n: q.respondents }) + (q.isDemo ? t('surveys.demo.suffix') : ''),
      result.positiveShare ? pct(result.positiveShare.value, lang) : '—',
      choices.map((c, i) => `${labels[i]} ${q.respondents ? pct((result.counts[c.code] ?? 0) / q.respondents, lang) : '—'}`).join(sep),
    ]),
  };
  return { chartSvg, table, demo: years.some((y) => y.q.isDemo), latest };
}

/** The section page's 市民の実感: its perception question across the published years. */
export async function sectionPanels(q: SectionPanelQuery): Promise<SectionPanel[]> {
  const questions = (await repo.publishedQuestions(q.sql, q.tenantId, { section: q.sectionCode })).filter((x) => x.kind === 'perception');
  if (questions.length === 0) return [];
  const byYear = new Map<number, { q: Published; result: QuestionResult }>();
  for (const r of await perYear(q.sql, q.tenantId, questions)) byYear.set(r.q.fiscalYear, r);
  const years = [...byYear.values()].sort((a, b) => a.q.fiscalYear - b.q.fiscalYear);
  const series = await perceptionSeries(years, q.lang, `perception-${q.sectionCode}`);
  const t = (key: string, params?: Record<string, string | number>) => translate(q.lang, key, params);
  const latest = series.latest;
  return [
    {
      heading: t('surveys.panel.heading'),
      lead: t('surveys.panel.lead', {
        year: yearLabel(latest.q.fiscalYear, q.lang),
        share: latest.result.positiveShare ? pct(latest.result.positiveShare.value, q.lang) : '—',
        n: latest.q.respondents,
      }),
      chartSvg: series.chartSvg,
      table: series.table,
      links: [{ href: `/surveys/${encodeURIComponent(latest.q.surveyCode)}`, label: t('surveys.panel.link') }],
      demo: series.demo,
    },
  ];
}
