/**
 * 年度評価 — the fiscal-year evaluation report: the plan evaluated on the values approved up
 * to the end of one fiscal year, per section (average, grade counts, 順調/遅れ) and per
 * indicator (value at the year end, rate, grade). As a printable page and as CSV (UTF-8 BOM).
 */
import { toCsv } from '../../core/csv.ts';
import { fiscalYearEnd } from '../../core/dates.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import type { EvaluatedPlan } from './plan.service.ts';
import {
  dateText,
  fiscalYearLine,
  fiscalYearText,
  gradeCountViews,
  indicatorView,
  sectionLabel,
  sectionTitle,
  type DateText,
  type GradeCountView,
  type IndicatorView,
} from './plan.view-model.ts';
import './plan.messages.ts';

export interface ReportView {
  fy: number;
  title: string;
  fyText: DateText;
  end: DateText;
  average: string | null;
  indicatorCount: number;
  grades: GradeCountView[];
  sections: {
    code: string;
    label: string;
    title: string;
    titleLang: Lang;
    average: string | null;
    grades: GradeCountView[];
    onTrack: number;
    behind: number;
    indicators: IndicatorView[];
  }[];
  isDemo: boolean;
  csvHref: string;
}

/** The report page's content for a plan evaluated as of the end of fiscal year fy. */
export function reportView(plan: EvaluatedPlan, fy: number, lang: Lang): ReportView {
  const sections = plan.chapters.flatMap((c) => c.sections);
  const fmtAverage = (n: number | null) => (n === null ? null : `${new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)}%`);
  const sectionViews = sections.map((s) => ({
    code: s.code,
    label: sectionLabel(s.code, lang),
    title: sectionTitle(s, lang).text,
    titleLang: sectionTitle(s, lang).lang,
    average: fmtAverage(s.average),
    grades: gradeCountViews(s.grades, lang),
    onTrack: s.onTrack,
    behind: s.behind,
    // Footnote links are not needed in a report; names are shown as written.
    indicators: s.indicators.map((i) => indicatorView(i, [], '', lang)),
  }));
  return {
    fy,
    title: translate(lang, 'plan.report.title', { fy: fiscalYearLine(fy, lang) }),
    fyText: fiscalYearText(fy, lang),
    end: dateText(fiscalYearEnd(fy), lang),
    average: fmtAverage(plan.average),
    indicatorCount: plan.indicators.length,
    grades: gradeCountViews(plan.grades, lang),
    sections: sectionViews,
    isDemo: sectionViews.some((s) => s.indicators.some((i) => i.isDemo)),
    csvHref: `/staff/plan/report.csv?fy=${fy}`,
  };
}

/** The report as CSV: one row per indicator with its section's average beside it. */
export function reportCsv(plan: EvaluatedPlan, fy: number, lang: Lang): string {
  const header = [
    '年度 fiscal year',
    '節 section',
    '節の平均達成率 section average (%)',
    '指標コード code',
    '指標名 name',
    '単位 unit',
    '年度末時点の値 value',
    '値の日付 as of',
    '達成率 rate (%)',
    '評価 grade',
    '進捗 on track',
    'デモデータ demo',
  ];
  const rows = plan.chapters.flatMap((c) =>
    c.sections.flatMap((s) =>
      s.indicators.map((i) => {
        const e = i.evaluation;
        const latest = e.latest ? i.actuals.filter((a) => a.asOf === e.latest!.asOf).pop() : undefined;
        return [
          fy,
          `${s.code} ${s.title}`,
          s.average ?? '',
          i.code,
          i.name,
          i.unit,
          e.latest ? Number(e.latest.value) : '',
          e.latest?.asOf ?? '',
          e.achievement?.rate.toFixed(2) ?? '',
          e.achievement?.grade ?? translate(lang, 'plan.grade.none'),
          e.onTrack === null ? '' : translate(lang, e.onTrack ? 'plan.onTrack' : 'plan.behind'),
          latest?.isDemo ? 'demo' : '',
        ];
      }),
    ),
  );
  const total = [fy, translate(lang, 'plan.average'), plan.average ?? '', '', '', '', '', '', '', '', '', ''];
  return toCsv([header, ...rows, total]);
}


