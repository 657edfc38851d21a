/**
 * What the plan's pages show, built from the evaluated plan: figures with their units and
 * thousands separators, dates in 和暦 with the western date beside, grades and on-track
 * words, and plan texts split around their footnote markers (*1) so the templates can link
 * the markers to the glossary while escaping every piece of text. Pure functions, no I/O.
 */
import type { AuthUser } from '../../core/auth.ts';
import { formatDateEn, formatJapaneseDate, formatJapaneseFiscalYear, formatWesternFiscalYear } from '../../core/dates.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { achievementRate, comparedFigures, expectedValueAt, projectAtTarget, type Grade, type GradeCounts } from './achievement.ts';
import type { CsvCheck } from './plan.csv-import.ts';
import { canDecideActual, canEnterActual } from './plan.policy.ts';
import type { PlausibilityWarning } from './plan.plausibility.ts';
import type { ActualRow } from './plan.repository.ts';
import {
  AVERAGE_METRIC,
  type ActualPoint,
  type EvaluatedIndicator,
  type EvaluatedPlan,
  type EvaluatedSection,
  type indicatorRevisions,
  type pendingActuals,
} from './plan.service.ts';
import './plan.messages.ts';

/**
 * A plan text in the reader's language: on an English page its English text where the plan
 * gives one, otherwise the Japanese text, whose `lang` the template marks (WCAG 3.1.2).
 */
export interface PlanText {
  text: string;
  /** The language the text is written in. */
  lang: Lang;
}

/** The English text on English pages when there is one, else the Japanese. */
export function planText(ja: string, en: string | null | undefined, lang: Lang): PlanText {
  return lang === 'en' && en ? { text: en, lang: 'en' } : { text: ja, lang: 'ja' };
}

/** An indicator's name in the reader's language (page titles, chart titles, select options). */
export function indicatorName(indicator: Pick<EvaluatedIndicator, 'name' | 'en'>, lang: Lang): string {
  return planText(indicator.name, indicator.en.name, lang).text;
}

/** A section's title in the reader's language. */
export function sectionTitle(section: Pick<EvaluatedSection, 'title' | 'en'>, lang: Lang): PlanText {
  return planText(section.title, section.en.title, lang);
}

/** A date (or fiscal year) in the reader's calendar first and the other one beside it. */
export interface DateText {
  main: string;
  alt: string;
  /** Language of `alt` when it differs from the page (和暦 on an English page). */
  altLang: Lang | null;
}

/** 2013-03-31 → 平成25年3月31日 beside 2013-03-31 (Japanese), 31 March 2013 beside 平成25年3月31日 (English). */
export function dateText(iso: string, lang: Lang): DateText {
  return lang === 'ja'
    ? { main: formatJapaneseDate(iso), alt: iso, altLang: null }
    : { main: formatDateEn(iso), alt: formatJapaneseDate(iso), altLang: 'ja' };
}

/** 2017 → 平成29年度 beside FY2017 (Japanese), FY2017 beside 平成29年度 (English). */
export function fiscalYearText(fy: number, lang: Lang): DateText {
  return lang === 'ja'
    ? { main: formatJapaneseFiscalYear(fy), alt: formatWesternFiscalYear(fy), altLang: null }
    : { main: formatWesternFiscalYear(fy), alt: formatJapaneseFiscalYear(fy), altLang: 'ja' };
}

/** A date in one line, e.g. '平成25年3月31日（2013-03-31）' (CSV cells, chart descriptions). */
export function dateLine(iso: string, lang: Lang): string {
  const d = dateText(iso, lang);
  return lang === 'ja' ? `${d.main}（${d.alt}）` : `${d.main} (${d.alt})`;
}

/** A fiscal year in one line, e.g. '平成29年度（FY2017）'. */
export function fiscalYearLine(fy: number, lang: Lang): string {
  const d = fiscalYearText(fy, lang);
  return lang === 'ja' ? `${d.main}（${d.alt}）` : `${d.main} (${d.alt})`;
}

const dateTimeFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }),
};

/** An instant in Japan time, e.g. '2026/11/24 10:20'. */
export function formatDateTime(isoInstant: string, lang: Lang): string {
  return dateTimeFormats[lang].format(new Date(isoInstant));
}

/** A number with thousands separators and between minDigits and maxDigits decimals. */
export function formatNumber(value: number, lang: Lang, minDigits = 0, maxDigits = Math.max(minDigits, 3)): string {
  const max = Math.max(minDigits, maxDigits);
  const key = `${lang}|${minDigits}|${max}`;
  let format = numberFormats.get(key);
  if (!format) {
    // Made once per combination: constructing a NumberFormat costs far more than formatting.
    format = new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { minimumFractionDigits: minDigits, maximumFractionDigits: max });
    numberFormats.set(key, format);
  }
  return format.format(value);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A rate as shown everywhere: two decimals (more only beside an expected progress it would
 * otherwise read equal to) and a percent sign, e.g. '92.86%'. Rates arrive already cut toward
 * the lower value (achievement.ts), so this never rounds them up.
 */
export function formatRate(rate: number, lang: Lang, decimals = 2): string {
  return `${formatNumber(rate, lang, decimals, decimals)}%`;
}

/** English words for the plan's units; other units are shown as written. */
const UNIT_EN: Record<string, string> = {
  団体: 'groups',
  件: 'cases',
  人: 'staff',
  万円: '× 10,000 yen',
  '㎡': 'm²',
  '%': '%',
};

/** The unit as the reader sees it: the plan's own English unit when it gives one. */
export function unitText(unit: string, lang: Lang, unitEn?: string | null): string {
  return lang === 'ja' ? unit : (unitEn || (UNIT_EN[unit] ?? unit));
}

function decimalsOf(value: number): number {
  const s = String(value);
  const dot = s.indexOf('.');
  return /e/i.test(s) ? 0 : dot < 0 ? 0 : s.length - dot - 1;
}

/** Formats an indicator's values with its unit, keeping the precision the plan writes (30.2 → 26.0万円). */
export interface FigureFormat {
  /** An exact value (baseline, target, actual). */
  value(n: number): string;
  /** A computed value (projection, expected line): one more decimal, then rounded. */
  computed(n: number): string;
  /** Just the number, no unit (chart axes). */
  number(n: number): string;
}

/**
 * The figure format of one indicator in lang. The written precision is the indicator's
 * `decimals` when the plan gives it (38.0 % → 1: 38 shows as 38.0 %), else the most decimals
 * its baseline and target are written with (30.2 → 26 shows as 26.0万円).
 */
export function figureFormat(
  indicator: Pick<EvaluatedIndicator, 'unit' | 'baseline' | 'target'> & { decimals?: number | null; en?: { unit: string | null } },
  lang: Lang,
): FigureFormat {
  const written = indicator.decimals ?? null;
  const min = written ?? Math.min(3, Math.max(decimalsOf(indicator.target.value), indicator.baseline ? decimalsOf(indicator.baseline.value) : 0));
  const unit = unitText(indicator.unit, lang, indicator.en?.unit);
  const withUnit = (s: string) => (lang === 'ja' || unit === '%' ? `${s}${unit}` : `${s} ${unit}`);
  return {
    value: (n) => withUnit(formatNumber(n, lang, min, Math.max(min, written === null ? 4 : decimalsOf(n)))),
    computed: (n) => withUnit(formatNumber(n, lang, min, min + 1)),
    number: (n) => formatNumber(n, lang, 0, Math.max(min, 4)),
  };
}

// ---------------------------------------------------------------------------------------------
// Footnotes: "*1" in a plan text links to the section's glossary entry.

/** A piece of plan text: plain text (escaped by the template) or a footnote marker linking to the glossary. */
export type TextPart = { text: string } | { marker: string; href: string; label: string };

/** A glossary entry with the anchor its markers link to. */
export interface GlossaryView {
  id: string;
  marker: string | null;
  term: string;
  termLang: Lang;
  definition: string;
  definitionLang: Lang;
}

const MARKER_RE = /\*\s?([0-9０-９¹²³⁴-⁹]+)/g;

/** The digits of a footnote marker: '*1', '* 1', '*¹', '＊１' all give '1'. */
function markerKey(marker: string): string {
  return marker.normalize('NFKC').replace(/[^0-9]/g, '');
}

/** The glossary in the reader's language; the anchor id of an entry: term-1 for marker *1, else term-<position>. */
export function glossaryViews(section: Pick<EvaluatedSection, 'glossary'>, lang: Lang = 'ja'): GlossaryView[] {
  return section.glossary.map((g, i) => {
    const key = g.marker ? markerKey(g.marker) : '';
    const term = planText(g.term, g.en.term, lang);
    const definition = planText(g.definition, g.en.definition, lang);
    return { id: `term-${key || `n${i + 1}`}`, marker: g.marker, term: term.text, termLang: term.lang, definition: definition.text, definitionLang: definition.lang };
  });
}

/**
 * Splits text around its footnote markers. A marker with a glossary entry in the section
 * becomes a link to `${base}#term-N`; any other marker stays text. Nothing is marked safe:
 * the template escapes every text part.
 */
export function withFootnotes(text: string, glossary: readonly Pick<GlossaryView, 'id' | 'marker' | 'term'>[], base: string, lang: Lang): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKER_RE)) {
    const key = markerKey(m[1]!);
    const entry = glossary.find((g) => g.marker !== null && markerKey(g.marker) === key);
    if (!entry) continue;
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ marker: m[0], href: `${base}#${entry.id}`, label: translate(lang, 'plan.footnoteLink', { term: entry.term }) });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Indicators, sections, the plan

/** Grade counts in display order, each with its label. */
export interface GradeCountView {
  key: Grade | 'none';
  label: string;
  count: number;
}

export function gradeCountViews(counts: GradeCounts, lang: Lang): GradeCountView[] {
  return (['S', 'A', 'B', 'C', 'D', 'none'] as const).map((key) => ({ key, label: translate(lang, `plan.grade.${key}`), count: counts[key] }));
}

/** The approved point behind the latest value (for its demo mark and note). */
export function latestPoint(indicator: EvaluatedIndicator): ActualPoint | null {
  const latest = indicator.evaluation.latest;
  if (!latest) return null;
  return [...indicator.actuals].reverse().find((a) => a.asOf === latest.asOf) ?? null;
}

export interface IndicatorView {
  code: string;
  href: string;
  /** The name in the reader's language where the plan gives it (so the note and description). */
  name: string;
  /** The language name (and nameParts) is written in: 'ja' on an English page when untranslated. */
  nameLang: Lang;
  nameParts: TextPart[];
  nameNote: string | null;
  nameNoteLang: Lang;
  unit: string;
  direction: string;
  description: string | null;
  descriptionLang: Lang;
  baseline: { value: string; date: DateText; label: string | null; labelLang: Lang } | null;
  target: { value: string; due: DateText; atMostBaseline: boolean; label: string | null; labelLang: Lang };
  latest: { value: string; date: DateText; isDemo: boolean } | null;
  rate: string | null;
  grade: { key: Grade | 'none'; label: string };
  onTrack: boolean | null;
  onTrackLabel: string | null;
  expectedProgress: string | null;
  projection: string | null;
  dueDate: DateText;
  source: { text: string; pending: string | null };
  isDemo: boolean;
}

/** Everything the pages show about one indicator. */
export function indicatorView(indicator: EvaluatedIndicator, glossary: readonly GlossaryView[], glossaryBase: string, lang: Lang): IndicatorView {
  const f = figureFormat(indicator, lang);
  const e = indicator.evaluation;
  const point = latestPoint(indicator);
  const grade = e.achievement?.grade ?? 'none';
  // The rate beside its expected progress: as many decimals as it takes not to read the other way.
  const compared = e.achievement && e.exactExpectedProgress !== null ? comparedFigures(e.achievement.exactRate, e.exactExpectedProgress) : null;
  const t = indicator.target;
  const source = indicator.source;
  let sourceText: string;
  if (source.kind === 'manual') sourceText = translate(lang, 'plan.source.manual');
  else if (source.metric === AVERAGE_METRIC) sourceText = translate(lang, 'plan.source.average', { metric: source.metric });
  else {
    sourceText = translate(lang, 'plan.source.metric', {
      metric: source.metric,
      description: indicator.metricDescription?.[lang] ?? source.metric,
    });
  }
  const name = planText(indicator.name, indicator.en.name, lang);
  const nameNote = indicator.nameNote === null ? null : planText(indicator.nameNote, indicator.en.nameNote, lang);
  const description = indicator.description === null ? null : planText(indicator.description, indicator.en.description, lang);
  const baselineLabel = indicator.baseline?.label ? planText(indicator.baseline.label, indicator.en.baselineLabel, lang) : null;
  const targetLabel = t.label ? planText(t.label, indicator.en.targetLabel, lang) : null;
  return {
    code: indicator.code,
    href: `/plan/indicators/${encodeURIComponent(indicator.code)}`,
    name: name.text,
    nameLang: name.lang,
    nameParts: withFootnotes(name.text, glossary, glossaryBase, lang),
    nameNote: nameNote?.text ?? null,
    nameNoteLang: nameNote?.lang ?? lang,
    unit: unitText(indicator.unit, lang, indicator.en.unit),
    direction: translate(lang, `plan.direction.${indicator.direction}`),
    description: description?.text ?? null,
    descriptionLang: description?.lang ?? lang,
    baseline: indicator.baseline
      ? {
          value: f.value(indicator.baseline.value),
          date: dateText(indicator.baseline.asOf, lang),
          label: baselineLabel?.text ?? null,
          labelLang: baselineLabel?.lang ?? lang,
        }
      : null,
    target: {
      value: f.value(t.value),
      due: t.fiscalYear !== null ? fiscalYearText(t.fiscalYear, lang) : dateText(t.dueDate, lang),
      atMostBaseline: indicator.direction === 'at_most_baseline',
      label: targetLabel?.text ?? null,
      labelLang: targetLabel?.lang ?? lang,
    },
    latest: e.latest ? { value: f.value(Number(e.latest.value)), date: dateText(e.latest.asOf, lang), isDemo: point?.isDemo ?? false } : null,
    rate: e.achievement ? formatRate(compared?.rate ?? e.achievement.rate, lang, compared?.decimals) : null,
    grade: { key: grade, label: translate(lang, `plan.grade.${grade}`) },
    onTrack: e.onTrack,
    onTrackLabel: e.onTrack === null ? null : translate(lang, e.onTrack ? 'plan.onTrack' : 'plan.behind'),
    expectedProgress: e.expectedProgress === null ? null : formatRate(compared?.expected ?? e.expectedProgress, lang, compared?.decimals),
    projection: e.projection === null ? null : f.computed(e.projection),
    dueDate: dateText(t.dueDate, lang),
    source: { text: sourceText, pending: indicator.metricPending ? translate(lang, 'plan.source.pending') : null },
    isDemo: point?.isDemo ?? false,
  };
}

/** '第1節' for section 6-1, else the section's code. */
export function sectionLabel(code: string, lang: Lang): string {
  const m = /^\d+-(\d+)$/.exec(code);
  return m ? translate(lang, 'plan.sectionLabel', { n: m[1]! }) : code;
}

export function sectionHref(code: string): string {
  return `/plan/sections/${encodeURIComponent(code)}`;
}

/** A list item of a section (a vision, issue or direction) with its footnotes, and its language. */
export interface SectionItemView {
  parts: TextPart[];
  lang: Lang;
}

export interface SectionView {
  code: string;
  label: string;
  /** The title in the reader's language where the plan gives it. */
  title: string;
  titleLang: Lang;
  href: string;
  average: string | null;
  grades: GradeCountView[];
  onTrack: number;
  behind: number;
  indicators: IndicatorView[];
  visions: SectionItemView[];
  issues: SectionItemView[];
  directions: SectionItemView[];
  glossary: GlossaryView[];
  measures: { code: string; title: string; titleLang: Lang }[];
  perceptionQuestion: string | null;
  perceptionQuestionLang: Lang;
  isDemo: boolean;
}

/**
 * A section with its indicators. `onPage` is true on the section's own page (footnote links
 * stay on the page); elsewhere they point at the section page's glossary.
 */
export function sectionView(section: EvaluatedSection, lang: Lang, onPage: boolean): SectionView {
  const glossary = glossaryViews(section, lang);
  const base = onPage ? '' : sectionHref(section.code);
  const rich = (list: string[], en: (string | null)[]) =>
    list.map((ja, i) => {
      const item = planText(ja, en[i], lang);
      return { parts: withFootnotes(item.text, glossary, base, lang), lang: item.lang };
    });
  const indicators = section.indicators.map((i) => indicatorView(i, glossary, base, lang));
  const title = sectionTitle(section, lang);
  const question = section.perceptionQuestion ? planText(section.perceptionQuestion.text, section.perceptionQuestion.en.text, lang) : null;
  return {
    code: section.code,
    label: sectionLabel(section.code, lang),
    title: title.text,
    titleLang: title.lang,
    href: sectionHref(section.code),
    average: section.average === null ? null : formatRate(section.average, lang),
    grades: gradeCountViews(section.grades, lang),
    onTrack: section.onTrack,
    behind: section.behind,
    indicators,
    visions: rich(section.visions, section.en.visions),
    issues: rich(section.issues, section.en.issues),
    directions: rich(section.directions, section.en.directions),
    glossary,
    measures: section.measures.map((m) => {
      const t = planText(m.title, m.en.title, lang);
      return { code: m.code, title: t.text, titleLang: t.lang };
    }),
    perceptionQuestion: question?.text ?? null,
    perceptionQuestionLang: question?.lang ?? lang,
    isDemo: indicators.some((i) => i.isDemo),
  };
}

export interface PlanView {
  code: string;
  title: string;
  titleLang: Lang;
  period: { start: DateText; end: DateText };
  average: string | null;
  indicatorCount: number;
  grades: GradeCountView[];
  chapters: { code: string; title: string; titleLang: Lang; sections: SectionView[] }[];
  isDemo: boolean;
}

/** The overview: the plan, its chapters and sections with their indicators. */
export function planView(plan: EvaluatedPlan, lang: Lang): PlanView {
  const chapters = plan.chapters.map((c) => {
    const title = planText(c.title, c.en.title, lang);
    return { code: c.code, title: title.text, titleLang: title.lang, sections: c.sections.map((s) => sectionView(s, lang, false)) };
  });
  const title = planText(plan.title, plan.en.title, lang);
  return {
    code: plan.code,
    title: title.text,
    titleLang: title.lang,
    period: { start: fiscalYearText(plan.period.startFiscalYear, lang), end: fiscalYearText(plan.period.endFiscalYear, lang) },
    average: plan.average === null ? null : formatRate(plan.average, lang),
    indicatorCount: plan.indicators.length,
    grades: gradeCountViews(plan.grades, lang),
    chapters,
    isDemo: chapters.some((c) => c.sections.some((s) => s.isDemo)),
  };
}

/** The section holding an indicator. */
export function sectionOf(plan: EvaluatedPlan, sectionCode: string): EvaluatedSection | undefined {
  return plan.chapters.flatMap((c) => c.sections).find((s) => s.code === sectionCode);
}

/** Indicators a user may enter actuals for: not computed ones, and for staff only their department's. */
export function enterableIndicators(plan: EvaluatedPlan, user: AuthUser): EvaluatedIndicator[] {
  return plan.indicators.filter(
    (i) =>
      !(i.source.kind === 'metric' && i.source.metric === AVERAGE_METRIC) &&
      canEnterActual(user, { departmentCode: i.departmentCode }),
  );
}

// ---------------------------------------------------------------------------------------------
// Tables of the indicator page and the staff pages

export interface HistoryRow {
  date: DateText;
  kind: string;
  value: string;
  expected: string | null;
  trend: string | null;
  rate: string | null;
  note: string | null;
  /** The note's language: staff notes are kept as written (Japanese), a plan label as the plan gives it. */
  noteLang: Lang;
  isDemo: boolean;
}

/** The chart's figures as table rows: baseline, actuals, projection and target, by date. */
export function historyTable(indicator: EvaluatedIndicator, lang: Lang): HistoryRow[] {
  const f = figureFormat(indicator, lang);
  const spec = {
    direction: indicator.direction,
    baseline: indicator.baseline,
    target: { value: indicator.target.value, dueDate: indicator.target.dueDate },
  };
  const expected = (date: string) =>
    indicator.baseline ? f.computed(expectedValueAt(indicator.baseline, spec.target, date)) : null;
  const canTrend = new Set(indicator.actuals.map((a) => a.asOf)).size >= 2;
  const trend = (date: string) => {
    const v = canTrend ? projectAtTarget(indicator.actuals, date) : null;
    return v === null ? null : f.computed(v);
  };
  const rows: HistoryRow[] = [];
  const labelNote = (label: string | null, en: string | null) => {
    if (!label) return { note: null, noteLang: lang };
    const l = planText(label, en, lang);
    return { note: translate(lang, 'plan.indicator.planLabel', { label: l.text }), noteLang: l.lang };
  };
  if (indicator.baseline) {
    rows.push({
      date: dateText(indicator.baseline.asOf, lang),
      kind: translate(lang, 'plan.chart.baseline'),
      value: f.value(indicator.baseline.value),
      expected: f.value(indicator.baseline.value),
      trend: null,
      rate: null,
      ...labelNote(indicator.baseline.label, indicator.en.baselineLabel),
      isDemo: false,
    });
  }
  for (const a of indicator.actuals) {
    const rate = achievementRate(spec, a);
    rows.push({
      date: dateText(a.asOf, lang),
      kind: translate(lang, 'plan.chart.actual'),
      value: f.value(a.value),
      expected: expected(a.asOf),
      trend: trend(a.asOf),
      rate: rate ? formatRate(rate.rate, lang) : null,
      note: a.note,
      noteLang: 'ja',
      isDemo: a.isDemo,
    });
  }
  const due = indicator.target.dueDate;
  const projection = indicator.evaluation.projection;
  if (projection !== null) {
    rows.push({
      date: dateText(due, lang),
      kind: translate(lang, 'plan.table.projectionKind'),
      value: f.computed(projection),
      expected: null,
      trend: f.computed(projection),
      rate: null,
      note: null,
      noteLang: lang,
      isDemo: indicator.actuals.some((a) => a.isDemo),
    });
  }
  rows.push({
    date: indicator.target.fiscalYear !== null ? fiscalYearText(indicator.target.fiscalYear, lang) : dateText(due, lang),
    kind: translate(lang, 'plan.chart.target'),
    value: f.value(indicator.target.value),
    expected: indicator.baseline ? f.value(indicator.target.value) : null,
    trend: null,
    rate: null,
    ...labelNote(indicator.target.label, indicator.en.targetLabel),
    isDemo: false,
  });
  return rows;
}

export interface RevisionRow {
  date: DateText;
  revision: number;
  value: string;
  status: 'pending' | 'approved' | 'rejected';
  statusLabel: string;
  enteredBy: string | null;
  enteredAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  isDemo: boolean;
  evidence: { href: string; label: string; visibility: string } | null;
}

/** Revision history rows; who entered and decided is shown to staff only. */
export function revisionRows(
  revisions: Awaited<ReturnType<typeof indicatorRevisions>>,
  indicator: EvaluatedIndicator,
  lang: Lang,
  staff: boolean,
): RevisionRow[] {
  const f = figureFormat(indicator, lang);
  return revisions.map((r) => ({
    date: dateText(r.asOf, lang),
    revision: r.revision,
    value: f.value(r.value),
    status: r.status,
    statusLabel: translate(lang, `plan.status.${r.status}`),
    enteredBy: staff ? r.enteredBy : null,
    enteredAt: formatDateTime(r.enteredAt, lang),
    decidedBy: staff ? r.decidedBy : null,
    decidedAt: r.decidedAt ? formatDateTime(r.decidedAt, lang) : null,
    note: r.note,
    isDemo: r.isDemo,
    evidence: r.evidence
      ? {
          href: r.evidence.href,
          label: translate(lang, 'plan.evidence.download', { name: r.evidence.filename, size: fileSizeText(r.evidence.byteSize) }),
          visibility: translate(lang, r.evidence.public ? 'plan.evidence.public' : 'plan.evidence.private'),
        }
      : null,
  }));
}

/** The indicator select of the entry form. */
export function entryChoices(indicators: readonly EvaluatedIndicator[], lang: Lang): { value: string; label: string }[] {
  return [
    { value: '', label: translate(lang, 'plan.entry.choose') },
    ...indicators.map((i) => ({ value: i.code, label: `${i.code} ${indicatorName(i, lang)}（${unitText(i.unit, lang, i.en.unit)}）` })),
  ];
}

/** Rows of the approval queue. */
/** Plausibility warnings as sentences in the reader's language (dates and figures formatted). */
export function warningTexts(warnings: readonly PlausibilityWarning[], lang: Lang): string[] {
  return warnings.map((w) => {
    const params: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(w.params ?? {})) {
      if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) params[k] = dateText(v, lang).main;
      else if (typeof v === 'number') params[k] = (k === 'change' && v > 0 ? '+' : '') + formatNumber(v, lang, 0, 3);
      else params[k] = String(v);
    }
    return translate(lang, `plan.warning.${w.code}`, params);
  });
}

/** A file size as people read it: 12 KB, 1.5 MB. */
export function fileSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(Math.round((bytes / 1024 / 1024) * 10) / 10).toFixed(1)} MB`;
}

type ActualWithIndicator = ActualRow & { code: string; name: string; unit: string };

/** An entry's evidence link, when it has a file. */
export function evidenceView(a: Pick<ActualRow, 'id' | 'evidence_file_id' | 'evidence_filename' | 'evidence_bytes' | 'evidence_public'>, lang: Lang) {
  if (!a.evidence_file_id) return null;
  return {
    href: `/plan/actuals/${a.id}/evidence`,
    label: translate(lang, 'plan.evidence.download', { name: a.evidence_filename ?? 'file', size: fileSizeText(a.evidence_bytes ?? 0) }),
    visibility: translate(lang, a.evidence_public ? 'plan.evidence.public' : 'plan.evidence.private'),
  };
}

/** One entered actual as the staff pages show it (queue, decision page, my entries). */
export function entryView(p: ActualWithIndicator, lang: Lang) {
  const value = Number(p.value);
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    href: `/plan/indicators/${encodeURIComponent(p.code)}`,
    date: dateText(p.as_of, lang),
    rowLabel: translate(lang, 'plan.approvals.rowLabel', { code: p.code, date: dateText(p.as_of, lang).main }),
    value: `${formatNumber(value, lang, 0, 4)}${lang === 'ja' || p.unit === '%' ? '' : ' '}${unitText(p.unit, lang)}`,
    revision: p.revision,
    note: p.note,
    status: p.status,
    statusLabel: translate(lang, `plan.status.${p.status}`),
    enteredBy: p.entered_label,
    enteredAt: formatDateTime(p.entered_at.toISOString(), lang),
    decidedBy: p.decided_label,
    decidedAt: p.decided_at ? formatDateTime(p.decided_at.toISOString(), lang) : null,
    reason: p.reject_reason,
    warnings: warningTexts(p.warnings ?? [], lang),
    evidence: evidenceView(p, lang),
  };
}

/** The approval queue: each entry, and whether this approver may decide it (four-eyes). */
export function approvalRows(pending: Awaited<ReturnType<typeof pendingActuals>>, lang: Lang, user: AuthUser) {
  return pending.map((p) => ({ ...entryView(p, lang), mayDecide: canDecideActual(user, { enteredBy: p.entered_by }) }));
}

export function importRows(check: CsvCheck, lang: Lang) {
  return check.rows.map((r) => ({
    line: r.line,
    id: `row-${r.line}`,
    code: r.code,
    name: r.indicatorName,
    date: r.asOf ? dateText(r.asOf, lang) : null,
    asOfText: r.asOfText,
    value:
      r.value !== null && r.unit !== null
        ? `${formatNumber(r.value, lang, 0, 4)}${lang === 'ja' || r.unit === '%' ? '' : ' '}${unitText(r.unit, lang)}`
        : r.valueText,
    note: r.note,
    problems: r.problems,
  }));
}
