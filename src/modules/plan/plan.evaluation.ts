/**
 * 施策評価 — the fiscal-year evaluation as cities write it: per section (節のまとめ) and per
 * measure (施策) the responsible department's 評価・課題・今後の方向性, entered by the
 * department and approved by the plan manager (four-eyes, as for actuals), combined with the
 * value report (plan.report.ts) into the year's report, published once the year has ended
 * and frozen from then on.
 *
 * Who writes what (the rule chosen): a measure's department is the one the plan names for it
 * (plan_measures.department_code); a measure without one, and the section's summary, belong
 * to the departments of the section's indicators (the summary also to its measures'
 * departments). Staff of any of those departments write it; where no department is named,
 * any staff member may. Plan managers and admins may write too, but nobody decides their own
 * text.
 */
import { stringify } from 'csv-stringify/sync';
import type { AuthUser } from '../../core/auth.ts';
import { appendAudit } from '../../core/audit.ts';
import { inertCell, toCsv } from '../../core/csv.ts';
import { fiscalYearEnd, fiscalYearOf, todayJst } from '../../core/dates.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { listDepartments, type Tenant } from '../../core/tenancy.ts';
import { canApproveActual } from './plan.policy.ts';
import { reportView, type ReportView } from './plan.report.ts';
import * as repo from './plan.repository.ts';
import * as evalRepo from './plan.evaluation.repository.ts';
import type { EvaluationRow, EvaluationStatus } from './plan.evaluation.repository.ts';
import { evaluatePlan, type EvaluatedPlan, type EvaluatedSection, type PlanEnv } from './plan.service.ts';
import { dateText, fiscalYearLine, type DateText } from './plan.view-model.ts';
import './plan.evaluation.messages.ts';

/** Field limits shared by the form and the database checks. */
export const EVALUATION_LIMITS = { text: 2000, reason: 1000, code: 64 } as const;

/** What one evaluation text is about: a section's summary (measure '') or one of its measures. */
export interface EvaluationSubject {
  sectionCode: string;
  sectionTitle: string;
  /** '' for the section summary. */
  measureCode: string;
  measureTitle: string | null;
  /** The departments whose staff write it (empty: any staff). */
  departments: string[];
}

/** The departments responsible for a section's summary or one of its measures. */
export function subjectDepartments(section: Pick<EvaluatedSection, 'indicators' | 'measures'>, measureCode: string): string[] {
  const ofIndicators = section.indicators.map((i) => i.departmentCode).filter((d): d is string => d !== null);
  if (measureCode) {
    const measure = section.measures.find((m) => m.code === measureCode);
    if (measure?.departmentCode) return [measure.departmentCode];
    return [...new Set(ofIndicators)];
  }
  const ofMeasures = section.measures.map((m) => m.departmentCode).filter((d): d is string => d !== null);
  return [...new Set([...ofIndicators, ...ofMeasures])];
}

/** Every subject of a plan: each section's summary, then its measures. */
export function evaluationSubjects(plan: EvaluatedPlan): EvaluationSubject[] {
  return plan.chapters.flatMap((c) =>
    c.sections.flatMap((s) => [
      { sectionCode: s.code, sectionTitle: s.title, measureCode: '', measureTitle: null, departments: subjectDepartments(s, '') },
      ...s.measures.map((m) => ({ sectionCode: s.code, sectionTitle: s.title, measureCode: m.code, measureTitle: m.title, departments: subjectDepartments(s, m.code) })),
    ]),
  );
}

/** 担当課 staff of the subject's departments (any staff when none is named), plan managers and admins write a text. */
export function canWriteEvaluation(user: AuthUser | null, subject: { departments: readonly string[] }): boolean {
  if (!user) return false;
  if (user.role === 'plan_manager' || user.role === 'admin') return true;
  if (user.role !== 'staff') return false;
  return subject.departments.length === 0 || (user.departmentCode !== null && subject.departments.includes(user.departmentCode));
}

/** Four-eyes: the plan manager (or an admin) decides a submitted text someone else wrote. */
export function canDecideEvaluation(user: AuthUser | null, entry: { status: EvaluationStatus; enteredBy: string | null }): boolean {
  if (!canApproveActual(user)) return false;
  return entry.status === 'submitted' && (entry.enteredBy === null || entry.enteredBy !== user!.id);
}

/** The fiscal years a plan may be evaluated for: its period up to the current fiscal year. */
export function evaluationYears(plan: Pick<EvaluatedPlan, 'period'>, today: string): { min: number; max: number; initial: number } {
  const min = plan.period.startFiscalYear;
  const current = fiscalYearOf(today);
  const max = Math.max(min, Math.min(plan.period.endFiscalYear, current));
  return { min, max, initial: Math.max(min, Math.min(max, current - 1)) };
}

/** True once the fiscal year has ended (its report may be published). */
export function fiscalYearClosed(fy: number, today: string): boolean {
  return fiscalYearEnd(fy) < today;
}

const frozen = (fy: number) => ({ ja: translate('ja', 'evaluation.frozen', { fy: fiscalYearLine(fy, 'ja') }), en: translate('en', 'evaluation.frozen', { fy: fiscalYearLine(fy, 'en') }) });
const both = (key: string, params: Record<string, string | number> = {}) => ({ ja: translate('ja', key, params), en: translate('en', key, params) });

/** A fiscal year's evaluation: the plan as of the year's end, its subjects and texts, and its publication. */
export interface EvaluationYear {
  planId: string;
  plan: EvaluatedPlan;
  fy: number;
  years: { min: number; max: number; initial: number };
  subjects: (EvaluationSubject & { entry: EvaluationRow | null })[];
  publication: evalRepo.PublicationRow | null;
  closed: boolean;
}

/** True when the municipality has a current plan to evaluate. */
export async function hasCurrentPlan(sql: Sql, tenantId: string): Promise<boolean> {
  return (await repo.findCurrentPlan(sql, tenantId)) !== undefined;
}

/**
 * Loads a fiscal year's evaluation (fy defaults to the last ended year of the plan's period).
 * With lock, inside the caller's transaction, first locks the plan against publishing ('write')
 * or against writers ('publish').
 */
export async function evaluationYear(
  sql: Sql,
  env: Pick<PlanEnv, 'metrics'>,
  tenantId: string,
  requested: number | undefined,
  today: string,
  lang: Lang,
  lock?: 'write' | 'publish',
): Promise<EvaluationYear> {
  const planRow = await repo.findCurrentPlan(sql, tenantId);
  if (!planRow) throw new AppError('not_found', { ja: '現行の計画が登録されていません', en: 'No current plan is set up' });
  if (lock) await evalRepo.lockPlan(sql, tenantId, planRow.id, lock);
  const years = evaluationYears({ period: { startFiscalYear: planRow.start_fiscal_year, endFiscalYear: planRow.end_fiscal_year } }, today);
  const fy = requested ?? years.initial;
  if (fy < years.min || fy > years.max) {
    throw new AppError('validation', undefined, [{ path: 'fy', message: translate(lang, 'evaluation.badFy', { min: years.min, max: years.max }) }]);
  }
  const end = fiscalYearEnd(fy);
  const [plan, rows, publication] = await Promise.all([
    evaluatePlan(sql, env, tenantId, undefined, end < today ? end : today, { asOf: end }),
    evalRepo.listEvaluations(sql, tenantId, planRow.id, fy),
    evalRepo.findPublication(sql, tenantId, planRow.id, fy),
  ]);
  const byKey = new Map(rows.map((r) => [`${r.section_code}\u0000${r.measure_code}`, r]));
  const subjects = evaluationSubjects(plan).map((s) => ({ ...s, entry: byKey.get(`${s.sectionCode}\u0000${s.measureCode}`) ?? null }));
  return { planId: planRow.id, plan, fy, years, subjects, publication: publication ?? null, closed: fiscalYearClosed(fy, today) };
}

/** One subject of a year, or 404 (an unknown section or measure). */
export function subjectOf(year: EvaluationYear, section: string, measure: string, lang: Lang): EvaluationYear['subjects'][number] {
  const s = year.subjects.find((x) => x.sectionCode === section && x.measureCode === measure);
  if (s) return s;
  const known = year.subjects.some((x) => x.sectionCode === section);
  throw new AppError('not_found', known ? both('evaluation.unknownMeasure', { code: measure }) : both('evaluation.unknownSection', { code: section }), [
    { path: known ? 'measure' : 'section', message: translate(lang, known ? 'evaluation.unknownMeasure' : 'evaluation.unknownSection', { code: known ? measure : section }) },
  ]);
}

/** The texts as written; every field's problem at once (submitting needs all three). */
export function checkTexts(t: { evaluation: string; issues: string; nextSteps: string }, submit: boolean, lang: Lang): FieldError[] {
  const errors: FieldError[] = [];
  for (const [path, value] of Object.entries(t) as [keyof typeof t, string][]) {
    const field = translate(lang, `evaluation.field.${path}`);
    if (value.length > EVALUATION_LIMITS.text) errors.push({ path, message: translate(lang, 'evaluation.error.tooLong', { field, max: EVALUATION_LIMITS.text }) });
    else if (submit && value.trim() === '') errors.push({ path, message: translate(lang, 'evaluation.error.required', { field }) });
  }
  return errors;
}

/** Saves a subject's texts as a draft or submits them for approval. */
export async function saveEvaluation(
  db: Db,
  env: Pick<PlanEnv, 'metrics'>,
  tenant: Tenant,
  user: AuthUser,
  input: { fy: number; section: string; measure: string; evaluation: string; issues: string; nextSteps: string; submit: boolean },
  today: string,
  lang: Lang,
): Promise<EvaluationRow> {
  const texts = { evaluation: input.evaluation.trim(), issues: input.issues.trim(), nextSteps: input.nextSteps.trim() };
  return db.transaction(async (tx) => {
    const year = await evaluationYear(tx, env, tenant.id, input.fy, today, lang, 'write');
    const subject = subjectOf(year, input.section, input.measure, lang);
    if (!canWriteEvaluation(user, subject)) throw new AppError('forbidden', both('evaluation.notAllowed', { departments: subject.departments.join(', ') }));
    if (year.publication) throw new AppError('conflict', frozen(input.fy));
    const errors = checkTexts(texts, input.submit, lang);
    if (errors.length) throw new AppError('validation', undefined, errors);
    const row = await evalRepo.saveEvaluation(tx, tenant.id, {
      planId: year.planId,
      fy: input.fy,
      section: input.section,
      measure: input.measure,
      ...texts,
      status: input.submit ? 'submitted' : 'draft',
      by: user.id,
      label: user.email,
    });
    if (!row) throw new AppError('conflict', both('evaluation.locked'));
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: input.submit ? 'evaluation.submit' : 'evaluation.save',
      entityType: 'plan_evaluation',
      entityId: row.id,
      details: { fiscalYear: input.fy, section: input.section, measure: input.measure || null, ...texts },
    });
    return row;
  });
}

/** Approves or returns (with a reason) a submitted text; never its author's own (four-eyes). */
export async function decideEvaluation(
  db: Db,
  env: Pick<PlanEnv, 'metrics'>,
  tenant: Tenant,
  user: AuthUser,
  input: { fy: number; section: string; measure: string; decision: 'approved' | 'returned'; reason: string },
  today: string,
  lang: Lang,
): Promise<EvaluationRow> {
  if (!canApproveActual(user)) throw new AppError('forbidden');
  const reason = input.reason.trim();
  if (input.decision === 'returned' && !reason) throw new AppError('validation', undefined, [{ path: 'reason', message: translate(lang, 'evaluation.error.reasonRequired') }]);
  if (reason.length > EVALUATION_LIMITS.reason) {
    throw new AppError('validation', undefined, [{ path: 'reason', message: translate(lang, 'evaluation.error.reasonTooLong', { max: EVALUATION_LIMITS.reason }) }]);
  }
  return db.transaction(async (tx) => {
    const year = await evaluationYear(tx, env, tenant.id, input.fy, today, lang, 'write');
    const subject = subjectOf(year, input.section, input.measure, lang);
    if (year.publication) throw new AppError('conflict', frozen(input.fy));
    const entry = subject.entry;
    if (!entry || entry.status !== 'submitted') throw new AppError('not_found', both('evaluation.noSubmitted'));
    if (!canDecideEvaluation(user, { status: entry.status, enteredBy: entry.entered_by })) throw new AppError('forbidden', both('evaluation.fourEyes'));
    const row = await evalRepo.decideEvaluation(tx, tenant.id, {
      id: entry.id,
      status: input.decision,
      by: user.id,
      label: user.email,
      reason: input.decision === 'returned' ? reason : null,
    });
    if (!row) throw new AppError('conflict', both('evaluation.noSubmitted'));
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: input.decision === 'approved' ? 'evaluation.approve' : 'evaluation.return',
      entityType: 'plan_evaluation',
      entityId: row.id,
      details: { fiscalYear: input.fy, section: input.section, measure: input.measure || null, ...(input.decision === 'returned' ? { reason } : {}) },
    });
    return row;
  });
}

// ------------------------------------------------------------------ the report

/** Approved texts as the report shows them. */
export interface TextsView {
  evaluation: string;
  issues: string;
  nextSteps: string;
  approvedOn: DateText;
}

export interface EvaluationSectionView {
  departments: string;
  summary: TextsView | null;
  measures: { code: string; title: string; departments: string; texts: TextsView | null }[];
}

/** The combined report: the value report (grades, rates) with the approved texts of each section and measure. */
export interface EvaluationReportView {
  fy: number;
  planTitle: string;
  values: ReportView;
  /** In the order of values.sections. */
  sections: EvaluationSectionView[];
  published: DateText | null;
}

/** A frozen report: both languages' views and CSV rows, as they were when published. */
export interface EvaluationSnapshot {
  version: 1;
  views: Record<Lang, EvaluationReportView>;
  rows: Record<Lang, (string | number)[][]>;
}

const jstDate = (d: Date) => todayJst(d);

function textsOf(entry: EvaluationRow | null, lang: Lang): TextsView | null {
  if (!entry || entry.approved_at === null) return null;
  return { evaluation: entry.approved_evaluation!, issues: entry.approved_issues!, nextSteps: entry.approved_next_steps!, approvedOn: dateText(jstDate(entry.approved_at), lang) };
}

type DepartmentNames = Map<string, { ja: string; en: string }>;

function departmentText(codes: readonly string[], names: DepartmentNames, lang: Lang): string {
  if (codes.length === 0) return translate(lang, 'evaluation.anyDepartment');
  return codes.map((c) => names.get(c)?.[lang] ?? c).join(lang === 'ja' ? '、' : ', ');
}

/** The tenant's department names by code. */
export async function departmentNames(sql: Sql, tenantId: string): Promise<DepartmentNames> {
  return new Map((await listDepartments(sql, tenantId)).map((d) => [d.code, { ja: d.nameJa, en: d.nameEn }]));
}

/** The report of a year as it stands: current values as of the year's end and the approved texts only. */
export function evaluationReportView(year: EvaluationYear, names: DepartmentNames, lang: Lang, publishedAt: Date | null = null): EvaluationReportView {
  const values = reportView(year.plan, year.fy, lang);
  const sections = year.plan.chapters.flatMap((c) => c.sections);
  return {
    fy: year.fy,
    planTitle: year.plan.title,
    values,
    sections: sections.map((s) => {
      const mine = year.subjects.filter((x) => x.sectionCode === s.code);
      const summary = mine.find((x) => x.measureCode === '')!;
      return {
        departments: departmentText(summary.departments, names, lang),
        summary: textsOf(summary.entry, lang),
        measures: mine
          .filter((x) => x.measureCode !== '')
          .map((x) => ({ code: x.measureCode, title: x.measureTitle ?? '', departments: departmentText(x.departments, names, lang), texts: textsOf(x.entry, lang) })),
      };
    }),
    published: publishedAt ? dateText(jstDate(publishedAt), lang) : null,
  };
}

/**
 * The report as rows (header first): per section its summary, its measures and its
 * indicators, each row of one kind, with the approved texts and the values.
 */
export function evaluationRows(year: EvaluationYear, names: DepartmentNames, lang: Lang): (string | number)[][] {
  const header = [
    '年度 fiscal year',
    '節 section',
    '種別 kind',
    'コード code',
    '名称 name',
    '担当課 department',
    '評価 evaluation',
    '課題 issues',
    '今後の方向性 next steps',
    '年度末時点の値 value',
    '単位 unit',
    '達成率 rate (%)',
    '評価区分 grade',
    '進捗 on track',
    '節の平均達成率 section average (%)',
  ];
  const rows: (string | number)[][] = [header];
  const kind = (k: string) => translate(lang, `evaluation.kind.${k}`);
  for (const s of year.plan.chapters.flatMap((c) => c.sections)) {
    const section = `${s.code} ${s.title}`;
    for (const subject of year.subjects.filter((x) => x.sectionCode === s.code)) {
      const t = textsOf(subject.entry, lang);
      const isSummary = subject.measureCode === '';
      rows.push([
        year.fy,
        section,
        kind(isSummary ? 'section' : 'measure'),
        isSummary ? s.code : subject.measureCode,
        isSummary ? s.title : subject.measureTitle ?? '',
        departmentText(subject.departments, names, lang),
        t?.evaluation ?? '',
        t?.issues ?? '',
        t?.nextSteps ?? '',
        '',
        '',
        '',
        '',
        '',
        isSummary && s.average !== null ? s.average.toFixed(2) : '',
      ]);
    }
    for (const i of s.indicators) {
      const e = i.evaluation;
      rows.push([
        year.fy,
        section,
        kind('indicator'),
        i.code,
        i.name,
        departmentText(i.departmentCode ? [i.departmentCode] : [], names, lang),
        '',
        '',
        '',
        e.latest ? String(e.latest.value) : '',
        i.unit,
        e.achievement?.rate.toFixed(2) ?? '',
        e.achievement?.grade ?? translate(lang, 'plan.grade.none'),
        e.onTrack === null ? '' : translate(lang, e.onTrack ? 'plan.onTrack' : 'plan.behind'),
        '',
      ]);
    }
  }
  return rows;
}

/** Rows as CSV (UTF-8 with BOM, core/csv.ts). */
export function rowsCsv(rows: readonly (readonly (string | number)[])[]): string {
  return toCsv(rows);
}

/**
 * Rows for Excel: tab-separated UTF-16LE with a byte-order mark, the text format Excel itself
 * writes as 「Unicode テキスト」 and opens by double-click with every character intact (no
 * Shift_JIS encoder is installed; see docs/decisions.md).
 */
export function rowsExcel(rows: readonly (readonly (string | number)[])[]): Buffer {
  const text = stringify(rows.map((r) => r.map(inertCell)), { delimiter: '\t', record_delimiter: '\r\n' });
  return Buffer.from(`\uFEFF${text}`, 'utf16le');
}

/** Publishes a closed fiscal year's report: the snapshot is stored and never changes. */
export async function publishEvaluation(db: Db, env: PlanEnv, tenant: Tenant, user: AuthUser, fy: number, lang: Lang): Promise<void> {
  const now = env.clock.now();
  const today = todayJst(now);
  if (!canApproveActual(user)) throw new AppError('forbidden');
  await db.transaction(async (tx) => {
    const year = await evaluationYear(tx, env, tenant.id, fy, today, lang, 'publish');
    if (!year.closed) {
      const params = (l: Lang) => ({ fy: fiscalYearLine(fy, l), date: dateText(fiscalYearEnd(fy), l).main });
      throw new AppError('conflict', { ja: translate('ja', 'evaluation.notEnded', params('ja')), en: translate('en', 'evaluation.notEnded', params('en')) });
    }
    if (year.publication) throw new AppError('conflict', { ja: translate('ja', 'evaluation.alreadyPublished', { fy: fiscalYearLine(fy, 'ja') }), en: translate('en', 'evaluation.alreadyPublished', { fy: fiscalYearLine(fy, 'en') }) });
    const names = await departmentNames(tx, tenant.id);
    const snapshot: EvaluationSnapshot = {
      version: 1,
      views: { ja: evaluationReportView(year, names, 'ja', now), en: evaluationReportView(year, names, 'en', now) },
      rows: { ja: evaluationRows(year, names, 'ja'), en: evaluationRows(year, names, 'en') },
    };
    const stored = await evalRepo.insertPublication(tx, tenant.id, { planId: year.planId, fy, by: user.id, label: user.email, snapshot });
    if (!stored) throw new AppError('conflict', { ja: translate('ja', 'evaluation.alreadyPublished', { fy: fiscalYearLine(fy, 'ja') }), en: translate('en', 'evaluation.alreadyPublished', { fy: fiscalYearLine(fy, 'en') }) });
    const pending = year.subjects.filter((s) => s.entry && s.entry.status !== 'approved').length;
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: 'evaluation.publish',
      entityType: 'plan_evaluation_publication',
      entityId: null,
      details: { plan: year.plan.code, fiscalYear: fy, approvedTexts: year.subjects.filter((s) => s.entry?.approved_at).length, notApproved: pending },
    });
  });
}

/** The published years of the current plan (public). */
export async function publishedYears(sql: Sql, tenantId: string): Promise<{ fy: number; publishedAt: Date }[]> {
  const plan = await repo.findCurrentPlan(sql, tenantId);
  if (!plan) return [];
  return (await evalRepo.listPublications(sql, tenantId, plan.id)).map((p) => ({ fy: p.fiscal_year, publishedAt: p.published_at }));
}

/** The frozen report of a published year, or 404. */
export async function publishedReport(sql: Sql, tenantId: string, fy: number): Promise<EvaluationSnapshot> {
  const plan = await repo.findCurrentPlan(sql, tenantId);
  const publication = plan ? await evalRepo.findPublication(sql, tenantId, plan.id, fy) : undefined;
  if (!publication) throw new AppError('not_found', { ja: `${fiscalYearLine(fy, 'ja')}の施策評価は公表されていません`, en: `The policy evaluation of ${fiscalYearLine(fy, 'en')} is not published` });
  const snapshot = (typeof publication.snapshot === 'string' ? JSON.parse(publication.snapshot) : publication.snapshot) as EvaluationSnapshot;
  return snapshot;
}
