/**
 * 総合計画の進行管理 — the plan's service: import and export of the plan document, the plan
 * evaluated (achievement, grades, on-track, projections, averages), and the life of actuals
 * (entered by staff, approved by the plan manager, corrected by new revisions).
 */
import type { Db, Sql } from '../../core/db/database.ts';
import { isSqlState } from '../../core/db/database.ts';
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion, currentDataVersion, currentDataVersions, VersionedCache } from '../../core/data-version.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { Clock } from '../../core/clock.ts';
import { compareIsoDate, fiscalYearEnd, fiscalYearOf, todayJst } from '../../core/dates.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { Lang } from '../../core/i18n.ts';
import type { MetricObservation, MetricRegistry } from '../../core/metrics.ts';
import type { Tenant } from '../../core/tenancy.ts';
import { fieldErrorsOf } from '../../core/validation.ts';
import {
  averageClampedRate,
  evaluateIndicator,
  gradeCounts,
  type GradeCounts,
  type IndicatorEvaluation,
  type Observation,
} from './achievement.ts';
import { canApproveActual, canDecideActual, canEnterActual, canManagePlans, canReadEvidence } from './plan.policy.ts';
import { plausibilityWarnings, type PlausibilityWarning } from './plan.plausibility.ts';
import type { WorkItem } from '../module.ts';
import { checkUpload, loadFile, storeFile, type FileKind } from '../../core/files.ts';
import { enqueueMail } from '../../core/mail.ts';
import { translate } from '../../core/i18n.ts';
import './plan.messages.ts';
import * as repo from './plan.repository.ts';
import { LIMITS, PlanDocumentSchema, type PlanDocument } from './plan.schema.ts';

export const AVERAGE_METRIC = 'plan.averageAchievement';

/**
 * The data-version scope of the plans themselves. A plan's public reads depend on it and on
 * the scopes of the metrics bound to its indicators (each module bumps its own).
 */
export const PLAN_SCOPE = 'plan';

/** What the plan's service needs from the platform: the metrics and the clock. */
export interface PlanEnv {
  metrics: MetricRegistry;
  clock: Clock;
}

export interface Actor {
  id: string | null;
  label: string;
}

/** One value on an indicator's chart and table. */
export interface ActualPoint {
  value: number;
  asOf: string;
  note: string | null;
  /** Where it came from: an approved staff/import record, or the bound metric. */
  origin: 'record' | 'metric';
  isDemo: boolean;
}

export interface EvaluatedIndicator {
  id: string;
  code: string;
  name: string;
  nameNote: string | null;
  unit: string;
  /** The English texts beside the Japanese ones (null: not translated). */
  en: { name: string | null; nameNote: string | null; unit: string | null; description: string | null; baselineLabel: string | null; targetLabel: string | null };
  /** Decimal places the plan writes the values with; null: as the baseline and target are written. */
  decimals: number | null;
  direction: repo.IndicatorRow['direction'];
  description: string | null;
  sectionCode: string;
  departmentCode: string | null;
  baseline: { value: number; asOf: string; label: string | null } | null;
  target: { value: number; fiscalYear: number | null; date: string | null; label: string | null; dueDate: string };
  source: { kind: 'manual' } | { kind: 'metric'; metric: string };
  /** True while the bound metric has no implementation yet (values come from records only). */
  metricPending: boolean;
  /** What the bound metric measures (from the module that declares it). */
  metricDescription: { ja: string; en: string } | null;
  actuals: ActualPoint[];
  evaluation: IndicatorEvaluation;
}

export interface EvaluatedSection {
  id: string;
  code: string;
  title: string;
  visions: string[];
  issues: string[];
  directions: string[];
  glossary: { marker: string | null; term: string; definition: string; en: { term: string | null; definition: string | null } }[];
  measures: { code: string; title: string; departmentCode: string | null; en: { title: string | null } }[];
  perceptionQuestion: { code: string; text: string; en: { text: string | null } } | null;
  /** The English texts beside the Japanese ones (null, or a null list entry: not translated). */
  en: { title: string | null; visions: (string | null)[]; issues: (string | null)[]; directions: (string | null)[] };
  indicators: EvaluatedIndicator[];
  average: number | null;
  grades: GradeCounts;
  onTrack: number;
  behind: number;
}

export interface EvaluatedPlan {
  code: string;
  title: string;
  en: { title: string | null };
  current: boolean;
  period: { startFiscalYear: number; endFiscalYear: number };
  chapters: { code: string; title: string; en: { title: string | null }; sections: EvaluatedSection[]; average: number | null }[];
  average: number | null;
  grades: GradeCounts;
  indicators: EvaluatedIndicator[];
}

const toNumber = (v: string | number) => (typeof v === 'number' ? v : Number(v));

/**
 * Validates a plan document; throws a validation AppError listing every problem, metric
 * bindings to metrics no module declares included.
 */
export function parsePlanDocument(input: unknown, lang: Lang, metrics: MetricRegistry): PlanDocument {
  const parsed = PlanDocumentSchema.safeParse(input);
  const errors: FieldError[] = parsed.success ? [] : fieldErrorsOf(parsed.error.issues, lang);
  const chapters = (input as { chapters?: unknown })?.chapters;
  if (Array.isArray(chapters)) {
    chapters.forEach((c: { sections?: unknown }, ci) =>
      (Array.isArray(c?.sections) ? c.sections : []).forEach((sec: { indicators?: unknown }, si: number) =>
        (Array.isArray(sec?.indicators) ? sec.indicators : []).forEach((ind: { source?: { kind?: unknown; metric?: unknown } }, ii: number) => {
          const metric = ind?.source?.kind === 'metric' ? ind.source.metric : undefined;
          if (typeof metric === 'string' && !metrics.has(metric)) {
            errors.push({
              path: `chapters.${ci}.sections.${si}.indicators.${ii}.source.metric`,
              message: lang === 'ja' ? `不明な指標ソースです: ${metric.slice(0, 60)}` : `Unknown metric: ${metric.slice(0, 60)}`,
            });
          }
        }),
      ),
    );
  }
  if (!parsed.success || errors.length) throw new AppError('validation', undefined, errors);
  return parsed.data;
}

/** Imports a whole plan in one transaction (refused whole when invalid or when the code exists). */
export async function importPlan(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  actor: Actor,
  input: unknown,
  lang: Lang,
  options: {
    demoActuals?: boolean;
    user?: AuthUser | null;
    /** What the caller keeps beside the new plan (the editors' history), written in the import's transaction. */
    then?: (tx: Sql, plan: { code: string; id: string }) => Promise<void>;
  } = {},
): Promise<{ code: string; id: string }> {
  if (options.user !== undefined && !canManagePlans(options.user)) throw new AppError('forbidden');
  const doc = parsePlanDocument(input, lang, env.metrics);
  return db.transaction(async (tx) => {
    if (await repo.findPlanByCode(tx, tenant.id, doc.code)) {
      throw new AppError('conflict', {
        ja: `計画コード ${doc.code} は既に登録されています`,
        en: `A plan with code ${doc.code} already exists`,
      });
    }
    try {
      const id = await repo.insertPlanDocument(tx, tenant.id, doc, actor.label, options);
      await bumpDataVersion(tx, tenant.id, PLAN_SCOPE);
      await appendAudit(tx, {
        tenantId: tenant.id,
        actorId: actor.id,
        actorLabel: actor.label,
        action: 'plan.import',
        entityType: 'plan',
        entityId: doc.code,
        details: { indicators: doc.chapters.flatMap((c) => c.sections.flatMap((s) => s.indicators)).length },
      });
      await options.then?.(tx, { code: doc.code, id });
      return { code: doc.code, id };
    } catch (err) {
      if (isSqlState(err, '23505')) throw new AppError('conflict');
      throw err;
    }
  });
}

/** The plan with this code, or the current plan; 404 when there is none. */
async function planOrThrow(sql: Sql, tenantId: string, code?: string): Promise<repo.PlanRow> {
  const plan = code ? await repo.findPlanByCode(sql, tenantId, code) : await repo.findCurrentPlan(sql, tenantId);
  if (!plan) {
    throw new AppError('not_found', code
      ? { ja: `計画 ${code} はありません`, en: `No plan ${code}` }
      : { ja: '現行の計画が登録されていません', en: 'No current plan is set up' });
  }
  return plan;
}

/** The plan exchange document, as import takes it (approved values in force, no metric values). */
export async function exportPlan(sql: Sql, tenantId: string, code: string): Promise<PlanDocument> {
  const plan = await planOrThrow(sql, tenantId, code);
  const contents = await repo.loadPlanContents(sql, tenantId, plan.id);
  const actuals = await repo.loadApprovedActuals(sql, tenantId, plan.id);
  return {
    code: plan.code,
    title: plan.title,
    ...en('titleEn', plan.title_en),
    current: plan.is_current,
    period: { startFiscalYear: plan.start_fiscal_year, endFiscalYear: plan.end_fiscal_year },
    chapters: contents.chapters.map((c) => ({
      code: c.code,
      title: c.title,
      ...en('titleEn', c.title_en),
      sections: contents.sections
        .filter((s) => s.chapter_id === c.id)
        .map((s) => {
          const measures = contents.measures.filter((m) => m.section_id === s.id);
          return {
            code: s.code,
            title: s.title,
            ...en('titleEn', s.title_en),
            visions: s.visions,
            ...(s.visions_en ? { visionsEn: s.visions_en } : {}),
            issues: s.issues,
            ...(s.issues_en ? { issuesEn: s.issues_en } : {}),
            directions: s.directions,
            ...(s.directions_en ? { directionsEn: s.directions_en } : {}),
            glossary: contents.glossary
              .filter((g) => g.section_id === s.id)
              .map((g) => ({
                ...(g.marker ? { marker: g.marker } : {}),
                term: g.term,
                ...en('termEn', g.term_en),
                definition: g.definition,
                ...en('definitionEn', g.definition_en),
              })),
            ...(s.perception_code
              ? { perceptionQuestion: { code: s.perception_code, text: s.perception_text!, ...en('textEn', s.perception_text_en) } }
              : {}),
            ...(measures.length
              ? {
                  measures: measures.map((m) => ({
                    code: m.code,
                    title: m.title,
                    ...en('titleEn', m.title_en),
                    ...(m.department_code ? { department: m.department_code } : {}),
                  })),
                }
              : {}),
            indicators: contents.indicators
              .filter((i) => i.section_id === s.id)
              .map((i) => ({
                code: i.code,
                name: i.name,
                ...en('nameEn', i.name_en),
                ...(i.name_note ? { nameNote: i.name_note } : {}),
                ...en('nameNoteEn', i.name_note_en),
                unit: i.unit,
                ...en('unitEn', i.unit_en),
                ...(i.decimals !== null ? { decimals: i.decimals } : {}),
                direction: i.direction,
                ...(i.description !== null ? { description: i.description } : {}),
                ...en('descriptionEn', i.description_en),
                ...(i.department_code ? { department: i.department_code } : {}),
                baseline:
                  i.baseline_value === null
                    ? null
                    : {
                        value: toNumber(i.baseline_value),
                        asOf: i.baseline_as_of!,
                        ...(i.baseline_label ? { label: i.baseline_label } : {}),
                        ...en('labelEn', i.baseline_label_en),
                      },
                target: {
                  value: toNumber(i.target_value),
                  ...(i.target_fiscal_year !== null ? { fiscalYear: i.target_fiscal_year } : { date: i.target_date! }),
                  ...(i.target_label ? { label: i.target_label } : {}),
                  ...en('labelEn', i.target_label_en),
                },
                source: i.source_kind === 'metric' ? { kind: 'metric' as const, metric: i.source_metric! } : { kind: 'manual' as const },
                actuals: actuals
                  .filter((a) => a.indicator_id === i.id)
                  .map((a) => ({ value: toNumber(a.value), asOf: a.as_of, ...(a.note ? { note: a.note } : {}) })),
              })),
          };
        }),
    })),
  };
}

/** An English text as the document writes it: present only when translated. */
function en<K extends string>(key: K, value: string | null): { [P in K]?: string } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: string };
}

function dueDateOf(i: repo.IndicatorRow): string {
  return i.target_date ?? fiscalYearEnd(i.target_fiscal_year!);
}

function specOf(i: repo.IndicatorRow) {
  return {
    direction: i.direction,
    baseline: i.baseline_value === null ? null : { value: i.baseline_value, asOf: i.baseline_as_of! },
    target: { value: i.target_value, dueDate: dueDateOf(i) },
  };
}

/**
 * Merges an indicator's records with its metric: the metric supplies the dates from its
 * first observation on, records keep the years before the platform held the data.
 */
function mergeObservations(records: ActualPoint[], metric: ActualPoint[]): ActualPoint[] {
  if (metric.length === 0) return records;
  const first = metric.reduce((min, m) => (compareIsoDate(m.asOf, min) < 0 ? m.asOf : min), metric[0]!.asOf);
  return [...records.filter((r) => compareIsoDate(r.asOf, first) < 0), ...metric].sort((a, b) => compareIsoDate(a.asOf, b.asOf));
}

/**
 * The current plan (or the plan with this code), every indicator evaluated. With
 * `options.asOf` only values dated on or before that day count (the fiscal-year report).
 */
export async function evaluatePlan(
  sql: Sql,
  env: Pick<PlanEnv, 'metrics'>,
  tenantId: string,
  code: string | undefined,
  today: string,
  options: { asOf?: string } = {},
): Promise<EvaluatedPlan> {
  const upToAsOf = (p: ActualPoint) => options.asOf === undefined || compareIsoDate(p.asOf, options.asOf) <= 0;
  const plan = await planOrThrow(sql, tenantId, code);
  const contents = await repo.loadPlanContents(sql, tenantId, plan.id);
  const approved = await repo.loadApprovedActuals(sql, tenantId, plan.id);
  const sectionCode = new Map(contents.sections.map((s) => [s.id, s.code]));

  // One batch per metric for the whole plan, not one query per indicator.
  const observed = new Map<string, MetricObservation[]>();
  const boundTo = new Map<string, repo.IndicatorRow[]>();
  for (const i of contents.indicators) {
    if (i.source_metric && i.source_metric !== AVERAGE_METRIC) boundTo.set(i.source_metric, [...(boundTo.get(i.source_metric) ?? []), i]);
  }
  await Promise.all(
    [...boundTo].map(async ([name, bound]) => {
      const metric = env.metrics.get(name);
      if (!metric?.observe) return;
      const result = await metric.observe({
        sql,
        tenantId,
        planId: plan.id,
        today,
        bindings: bound.map((b) => ({ indicatorCode: b.code, since: b.baseline_as_of })),
      });
      for (const b of bound) observed.set(b.id, result.get(b.code) ?? []);
    }),
  );

  const indicators: EvaluatedIndicator[] = [];
  for (const i of contents.indicators) {
    const records: ActualPoint[] = approved
      .filter((a) => a.indicator_id === i.id)
      .map((a) => ({ value: toNumber(a.value), asOf: a.as_of, note: a.note, origin: 'record', isDemo: a.is_demo }));
    const metricPoints: ActualPoint[] = (observed.get(i.id) ?? []).map((o) => ({
      value: toNumber(o.value),
      asOf: o.asOf,
      note: o.note ?? null,
      origin: 'metric',
      isDemo: o.demo ?? false,
    }));
    const impl = i.source_metric && i.source_metric !== AVERAGE_METRIC ? env.metrics.get(i.source_metric)?.observe : undefined;
    const actuals = mergeObservations(records, metricPoints).filter(upToAsOf).sort((a, b) => compareIsoDate(a.asOf, b.asOf));
    indicators.push({
      id: i.id,
      code: i.code,
      name: i.name,
      nameNote: i.name_note,
      unit: i.unit,
      en: {
        name: i.name_en,
        nameNote: i.name_note_en,
        unit: i.unit_en,
        description: i.description_en,
        baselineLabel: i.baseline_label_en,
        targetLabel: i.target_label_en,
      },
      decimals: i.decimals,
      direction: i.direction,
      description: i.description,
      sectionCode: sectionCode.get(i.section_id) ?? '',
      departmentCode: i.department_code,
      baseline: i.baseline_value === null ? null : { value: toNumber(i.baseline_value), asOf: i.baseline_as_of!, label: i.baseline_label },
      target: { value: toNumber(i.target_value), fiscalYear: i.target_fiscal_year, date: i.target_date, label: i.target_label, dueDate: dueDateOf(i) },
      source: i.source_kind === 'metric' ? { kind: 'metric', metric: i.source_metric! } : { kind: 'manual' },
      metricPending: i.source_kind === 'metric' && i.source_metric !== AVERAGE_METRIC && !impl,
      metricDescription: i.source_metric ? (env.metrics.get(i.source_metric)?.description ?? null) : null,
      actuals,
      evaluation: evaluateIndicator({ ...specOf(i), actuals: actuals as Observation[] }),
    });
  }

  // 6-2-4: the plan's own average, computed at each fiscal-year end where the other
  // indicators have data; never typed in.
  for (const avg of indicators.filter((x) => x.source.kind === 'metric' && x.source.metric === AVERAGE_METRIC)) {
    const others = indicators.filter((x) => !(x.source.kind === 'metric' && x.source.metric === AVERAGE_METRIC));
    const dates = others.flatMap((o) => o.actuals.map((a) => a.asOf)).sort(compareIsoDate);
    const points: ActualPoint[] = [];
    if (dates.length) {
      const lastFy = Math.min(fiscalYearOf(dates[dates.length - 1]!), fiscalYearOf(today));
      for (let fy = fiscalYearOf(dates[0]!); fy <= lastFy; fy++) {
        // The running fiscal year is dated today, not its future year end.
        const end = compareIsoDate(fiscalYearEnd(fy), today) <= 0 ? fiscalYearEnd(fy) : today;
        const rates = others.map((o) => {
          const upTo = o.actuals.filter((a) => compareIsoDate(a.asOf, end) <= 0);
          const spec = specOf(contents.indicators.find((c) => c.id === o.id)!);
          return evaluateIndicator({ ...spec, actuals: upTo as Observation[] }).achievement?.clampedRate ?? null;
        });
        const average = averageClampedRate(rates);
        if (average !== null) {
          points.push({ value: average, asOf: end, note: null, origin: 'metric', isDemo: others.some((o) => o.actuals.some((a) => a.isDemo)) });
        }
      }
    }
    const row = contents.indicators.find((c) => c.id === avg.id)!;
    // Computed only: records for this indicator (refused at import and entry) are ignored.
    const merged = points;
    avg.actuals = merged;
    avg.evaluation = evaluateIndicator({ ...specOf(row), actuals: merged as Observation[] });
  }

  const sectionsOut: EvaluatedSection[] = contents.sections.map((s) => {
    const own = indicators.filter((x) => x.sectionCode === s.code);
    return {
      id: s.id,
      code: s.code,
      title: s.title,
      visions: s.visions,
      issues: s.issues,
      directions: s.directions,
      glossary: contents.glossary
        .filter((g) => g.section_id === s.id)
        .map((g) => ({ marker: g.marker, term: g.term, definition: g.definition, en: { term: g.term_en, definition: g.definition_en } })),
      measures: contents.measures
        .filter((m) => m.section_id === s.id)
        .map((m) => ({ code: m.code, title: m.title, departmentCode: m.department_code, en: { title: m.title_en } })),
      perceptionQuestion: s.perception_code ? { code: s.perception_code, text: s.perception_text!, en: { text: s.perception_text_en } } : null,
      en: { title: s.title_en, visions: s.visions_en ?? [], issues: s.issues_en ?? [], directions: s.directions_en ?? [] },
      indicators: own,
      average: averageClampedRate(own.map((x) => x.evaluation.achievement?.clampedRate ?? null)),
      grades: gradeCounts(own.map((x) => x.evaluation.achievement?.grade ?? null)),
      onTrack: own.filter((x) => x.evaluation.onTrack === true).length,
      behind: own.filter((x) => x.evaluation.onTrack === false).length,
    };
  });
  const rates = (list: EvaluatedIndicator[]) => list.map((x) => x.evaluation.achievement?.clampedRate ?? null);
  return {
    code: plan.code,
    title: plan.title,
    en: { title: plan.title_en },
    current: plan.is_current,
    period: { startFiscalYear: plan.start_fiscal_year, endFiscalYear: plan.end_fiscal_year },
    chapters: contents.chapters.map((c) => {
      const secs = sectionsOut.filter((s) => contents.sections.find((x) => x.id === s.id)?.chapter_id === c.id);
      return { code: c.code, title: c.title, en: { title: c.title_en }, sections: secs, average: averageClampedRate(rates(secs.flatMap((s) => s.indicators))) };
    }),
    average: averageClampedRate(rates(indicators)),
    grades: gradeCounts(indicators.map((x) => x.evaluation.achievement?.grade ?? null)),
    indicators,
  };
}

const evaluated = new VersionedCache<Promise<EvaluatedPlan>>(100);

/** Forgets every evaluation in memory, as a new process starts (tests of what outlives a restart). */
export function forgetEvaluatedPlans(): void {
  evaluated.clear();
}
const boundScopes = new VersionedCache<Promise<string[]>>(500);

/**
 * The data-version scopes a plan's public reads depend on: the plan's own and those of the
 * metrics bound to its indicators (remembered per plan version).
 */
export async function planScopes(sql: Sql, env: Pick<PlanEnv, 'metrics'>, tenantId: string, code?: string, memo?: object): Promise<string[]> {
  const version = await currentDataVersion(sql, tenantId, PLAN_SCOPE, memo);
  const key = `${tenantId}|${code ?? ''}|${version}`;
  let scopes = boundScopes.get(key);
  if (!scopes) {
    scopes = repo.boundMetrics(sql, tenantId, code).then((names) => [PLAN_SCOPE, ...env.metrics.scopesOf(names)]);
    boundScopes.set(key, scopes);
    scopes.catch(() => boundScopes.delete(key));
  }
  return scopes;
}

/** Today in Japan by the platform's clock. */
export function todayOf(env: Pick<PlanEnv, 'clock'>): string {
  return todayJst(env.clock.now());
}

/**
 * evaluatePlan() for public reads: reuses an evaluation while the versions of the plan's
 * scopes and the date are unchanged. Returns the version key too.
 */
export async function evaluatePlanCached(
  sql: Sql,
  env: PlanEnv,
  tenantId: string,
  code?: string,
  memo?: object,
): Promise<{ plan: EvaluatedPlan; version: string }> {
  const today = todayOf(env);
  const scopes = await planScopes(sql, env, tenantId, code, memo);
  const version = `${await currentDataVersions(sql, tenantId, scopes, memo)}|${today}`;
  const key = `${tenantId}|${code ?? ''}|${version}`;
  let plan = evaluated.get(key);
  if (!plan) {
    plan = evaluatePlan(sql, env, tenantId, code, today);
    evaluated.set(key, plan);
    // A failed evaluation (e.g. 404) is not kept.
    plan.catch(() => evaluated.delete(key));
  }
  return { plan: await plan, version };
}

/** The API's view of an evaluated indicator (DESIGN.md contract). */
/** Whether the actual behind an indicator's latest value is demonstration data. */
export function latestIsDemo(x: EvaluatedIndicator): boolean {
  const latest = x.evaluation.latest;
  if (!latest) return false;
  for (let i = x.actuals.length - 1; i >= 0; i--) if (x.actuals[i]!.asOf === latest.asOf) return x.actuals[i]!.isDemo;
  return false;
}

export function indicatorItem(x: EvaluatedIndicator) {
  const e = x.evaluation;
  return {
    code: x.code,
    name: x.name,
    /** English beside the Japanese (null: not translated). */
    nameEn: x.en.name,
    unit: x.unit,
    unitEn: x.en.unit,
    decimals: x.decimals,
    direction: x.direction,
    sectionCode: x.sectionCode,
    department: x.departmentCode,
    baseline: x.baseline ? { value: x.baseline.value, asOf: x.baseline.asOf, ...(x.baseline.label ? { label: x.baseline.label } : {}) } : null,
    target: {
      value: x.target.value,
      ...(x.target.fiscalYear !== null ? { fiscalYear: x.target.fiscalYear } : { date: x.target.date! }),
      dueDate: x.target.dueDate,
    },
    // demo: the latest value is demonstration data (the demo tenant's seeded actuals), flagged
    // in every answer and open-data file as it is on the pages.
    latest: e.latest ? { value: toNumber(e.latest.value), asOf: e.latest.asOf, demo: latestIsDemo(x) } : null,
    achievement: e.achievement ? { rate: e.achievement.rate, clampedRate: e.achievement.clampedRate, grade: e.achievement.grade } : null,
    onTrack: e.onTrack,
    projection: e.projection,
    source: x.source,
  };
}

/** One indicator of the current plan (or of planCode), evaluated. */
export async function getIndicator(sql: Sql, env: PlanEnv, tenantId: string, code: string, planCode?: string) {
  const { plan } = await evaluatePlanCached(sql, env, tenantId, planCode);
  const indicator = plan.indicators.find((i) => i.code === code);
  if (!indicator) throw new AppError('not_found', { ja: `指標 ${code} はありません`, en: `No indicator ${code}` });
  return { plan, indicator };
}

/**
 * Every revision of an indicator's records; the public sees approved ones only, and not who
 * entered them. An evidence file is listed only for a reader who may download it.
 */
export async function indicatorRevisions(
  sql: Sql,
  tenantId: string,
  indicatorId: string,
  forStaff: boolean,
  viewer: AuthUser | null = null,
  departmentCode: string | null = null,
) {
  const rows = await repo.listActualRevisions(sql, tenantId, indicatorId);
  return rows
    .filter((r) => forStaff || r.status === 'approved')
    .map((r) => {
      const readable =
        r.evidence_file_id !== null &&
        canReadEvidence(forStaff ? viewer : null, { status: r.status, evidencePublic: r.evidence_public, enteredBy: r.entered_by, departmentCode });
      return {
        id: r.id,
        asOf: r.as_of,
        revision: r.revision,
        value: toNumber(r.value),
        note: r.note,
        status: r.status,
        isDemo: r.is_demo,
        // Who entered and approved is staff information (their e-mail addresses).
        enteredBy: forStaff ? r.entered_label : null,
        enteredAt: r.entered_at.toISOString(),
        decidedBy: forStaff ? r.decided_label : null,
        decidedAt: r.decided_at?.toISOString() ?? null,
        rejectReason: forStaff ? r.reject_reason : null,
        evidence: readable
          ? { href: `/plan/actuals/${r.id}/evidence`, filename: r.evidence_filename ?? 'file', byteSize: r.evidence_bytes ?? 0, public: r.evidence_public }
          : null,
      };
    });
}

/** An evidence file sent with an entry (checked by content before anything is stored). */
export interface EvidenceUpload {
  filename: string;
  bytes: Uint8Array;
  /** 公開: shown to everyone once the actual is approved; otherwise to staff only. */
  public: boolean;
}

/** 根拠資料 — the kinds and size an evidence file may have (DESIGN.md "Uploaded files"). */
export const EVIDENCE_RULES = { kinds: ['pdf', 'png', 'jpeg', 'xlsx', 'csv'] as FileKind[], maxBytes: 5 * 1024 * 1024 } as const;

/** The owner name of the plan's files in core's stored_files. */
export const EVIDENCE_OWNER = 'plan.evidence';

/**
 * Staff enter an actual: a pending revision that is neither public nor counted until approved.
 * Implausible values are stored with their warnings (never refused); an evidence file, when
 * given, is checked by its content and stored with the entry.
 */
export async function recordActual(
  db: Db,
  tenant: Tenant,
  user: AuthUser,
  code: string,
  input: { value: number; asOf: string; note?: string | undefined },
  options: { today: string; evidence?: EvidenceUpload | null; via?: 'form' | 'api' },
) {
  const evidenceKind = options.evidence ? await checkUpload(options.evidence.bytes, EVIDENCE_RULES, 'evidence') : null;
  return db.transaction(async (tx) => {
    const plan = await planOrThrow(tx, tenant.id);
    const contents = await repo.loadPlanContents(tx, tenant.id, plan.id);
    const indicator = contents.indicators.find((i) => i.code === code);
    if (!indicator) throw new AppError('not_found', { ja: `指標 ${code} はありません`, en: `No indicator ${code}` });
    if (!canEnterActual(user, { departmentCode: indicator.department_code })) {
      throw new AppError('forbidden', { ja: 'この指標は担当課の職員だけが入力できます', en: 'Only the responsible department’s staff enter this indicator' });
    }
    if (indicator.source_metric === AVERAGE_METRIC) {
      throw new AppError('validation', undefined, [
        { path: 'value', message: '主要施策の目標達成率は自動で計算されるため入力できません / This indicator is computed and cannot be entered' },
      ]);
    }
    let evidence: { fileId: string; public: boolean } | null = null;
    if (options.evidence && evidenceKind) {
      const stored = await storeFile(tx, tenant.id, { owner: EVIDENCE_OWNER, filename: options.evidence.filename, kind: evidenceKind, bytes: options.evidence.bytes });
      evidence = { fileId: stored.id, public: options.evidence.public };
    }
    const row = await appendPendingActual(tx, tenant, user, plan, indicator, input, { today: options.today, via: options.via ?? 'api', evidence });
    return {
      id: row.id,
      indicator: code,
      asOf: row.as_of,
      revision: row.revision,
      value: toNumber(row.value),
      status: row.status,
      warnings: row.warnings,
      evidence: row.evidence_file_id ? { filename: row.evidence_filename, public: row.evidence_public } : null,
    };
  });
}

/** The plausibility warnings a value would raise for an indicator (inside the caller's transaction). */
export async function warningsFor(
  sql: Sql,
  tenantId: string,
  plan: repo.PlanRow,
  indicator: repo.IndicatorRow,
  input: { value: number; asOf: string },
  today: string,
): Promise<PlausibilityWarning[]> {
  const previous = await repo.previousApprovedActual(sql, tenantId, indicator.id, input.asOf);
  return plausibilityWarnings({
    value: input.value,
    asOf: input.asOf,
    unit: indicator.unit,
    baseline: indicator.baseline_value === null ? null : { value: toNumber(indicator.baseline_value), asOf: indicator.baseline_as_of! },
    target: { value: toNumber(indicator.target_value), dueDate: dueDateOf(indicator) },
    period: { startFiscalYear: plan.start_fiscal_year, endFiscalYear: plan.end_fiscal_year },
    previous: previous ? { value: toNumber(previous.value), asOf: previous.as_of } : null,
    today,
  });
}

/**
 * Stores one entered value as a pending revision with its plausibility warnings and audits
 * it, inside the caller's transaction (after the caller has checked who may enter it).
 */
export async function appendPendingActual(
  tx: Sql,
  tenant: Tenant,
  user: AuthUser,
  plan: repo.PlanRow,
  indicator: repo.IndicatorRow,
  input: { value: number; asOf: string; note?: string | undefined },
  options: { today: string; via: 'form' | 'api' | 'csv'; evidence?: { fileId: string; public: boolean } | null },
): Promise<repo.ActualRow> {
  const warnings = await warningsFor(tx, tenant.id, plan, indicator, input, options.today);
  const row = await repo.insertPendingActual(tx, tenant.id, {
    indicatorId: indicator.id,
    asOf: input.asOf,
    value: String(input.value),
    note: input.note?.trim() || null,
    enteredBy: user.id,
    enteredLabel: user.email,
    warnings,
    evidence: options.evidence ?? null,
  });
  await appendAudit(tx, {
    tenantId: tenant.id,
    actorId: user.id,
    actorLabel: user.email,
    action: 'actual.record',
    entityType: 'indicator_actual',
    entityId: row.id,
    details: {
      indicator: indicator.code,
      asOf: row.as_of,
      value: String(input.value),
      revision: row.revision,
      via: options.via,
      ...(warnings.length ? { warnings: warnings.map((w) => w.code) } : {}),
      ...(options.evidence ? { evidence: options.evidence.fileId, evidencePublic: options.evidence.public } : {}),
    },
  });
  return row;
}

/**
 * The plan manager approves or rejects a pending actual. Never their own entry (four-eyes);
 * a rejection names its reason, which reaches the author by mail and on their entries page.
 */
export async function decideActual(
  db: Db,
  tenant: Tenant,
  user: AuthUser,
  code: string,
  actualId: string,
  decision: 'approved' | 'rejected',
  reason?: string | null,
  publicUrl = '',
): Promise<{ id: string; indicator: string; asOf: string; revision: number; value: number; status: string; mailed: boolean }> {
  if (!canApproveActual(user)) throw new AppError('forbidden');
  const why = reason?.trim() ?? '';
  if (decision === 'rejected' && !why) {
    throw new AppError('validation', undefined, [{ path: 'reason', message: '差し戻す理由を入力してください / Give the reason for rejecting' }]);
  }
  if (why.length > LIMITS.note) {
    throw new AppError('validation', undefined, [
      { path: 'reason', message: `理由は${LIMITS.note}文字以内で入力してください / The reason must be at most ${LIMITS.note} characters` },
    ]);
  }
  return db.transaction(async (tx) => {
    const plan = await planOrThrow(tx, tenant.id);
    const contents = await repo.loadPlanContents(tx, tenant.id, plan.id);
    const indicator = contents.indicators.find((i) => i.code === code);
    if (!indicator) throw new AppError('not_found', { ja: `指標 ${code} はありません`, en: `No indicator ${code}` });
    const existing = await repo.findActual(tx, tenant.id, actualId);
    if (!existing || existing.indicator_id !== indicator.id || existing.status !== 'pending') {
      throw new AppError('not_found', { ja: '承認待ちの実績が見つかりません', en: 'No pending actual with this id' });
    }
    if (!canDecideActual(user, { enteredBy: existing.entered_by })) throw new AppError('forbidden', FOUR_EYES);
    const row = await repo.decideActual(tx, tenant.id, {
      indicatorId: indicator.id,
      actualId,
      status: decision,
      decidedBy: user.id,
      decidedLabel: user.email,
      reason: decision === 'rejected' ? why : why || null,
    });
    if (!row) throw new AppError('conflict', { ja: 'この実績は既に処理されています', en: 'This actual has already been decided' });
    if (decision === 'approved') await bumpDataVersion(tx, tenant.id, PLAN_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: decision === 'approved' ? 'actual.approve' : 'actual.reject',
      entityType: 'indicator_actual',
      entityId: row.id,
      details: { indicator: code, asOf: row.as_of, revision: row.revision, ...(decision === 'rejected' ? { reason: why } : {}) },
    });
    let mailed = false;
    if (decision === 'rejected' && row.entered_by) {
      await mailRejection(tx, tenant, { code, name: indicator.name, asOf: row.as_of, value: row.value, reason: why, to: row.entered_label, url: `${publicUrl}/staff/plan/mine` });
      mailed = true;
    }
    return { id: row.id, indicator: code, asOf: row.as_of, revision: row.revision, value: toNumber(row.value), status: row.status, mailed };
  });
}

/** Why an approver may not decide their own entry (four-eyes). */
export const FOUR_EYES = {
  ja: '自分で入力した実績は承認・差し戻しできません。別の承認者が判断します',
  en: 'You entered this actual: another approver must decide it',
};

/** Queues the mail telling the author their entry was rejected, and why (in the caller's transaction). */
async function mailRejection(
  tx: Sql,
  tenant: Tenant,
  m: { code: string; name: string; asOf: string; value: string; reason: string; to: string; url: string },
): Promise<void> {
  if (!m.to.includes('@')) return;
  const params = { code: m.code, name: m.name, asOf: m.asOf, value: m.value, reason: m.reason, url: m.url };
  await enqueueMail(tx, {
    tenantId: tenant.id,
    to: m.to,
    subject: `${translate('ja', 'plan.mail.rejectedSubject', params)} / ${translate('en', 'plan.mail.rejectedSubject', params)}`,
    text: `${translate('ja', 'plan.mail.rejectedBody', { ...params, city: tenant.nameJa })}\n\n----\n\n${translate('en', 'plan.mail.rejectedBody', { ...params, city: tenant.nameEn })}\n`,
  });
}

/** The actuals the user entered, newest first, with their states and any rejection reason. */
export async function myEntries(sql: Sql, tenantId: string, user: AuthUser, limit = 200) {
  return repo.listActualsEnteredBy(sql, tenantId, user.id, limit);
}

/** One entered actual for its decision page: pending, and the approver is not its author. */
export async function actualForDecision(sql: Sql, tenantId: string, user: AuthUser, actualId: string) {
  if (!canApproveActual(user)) throw new AppError('forbidden');
  const row = await repo.findActual(sql, tenantId, actualId);
  const plan = await planOrThrow(sql, tenantId);
  if (!row || row.plan_id !== plan.id) throw new AppError('not_found', { ja: '実績が見つかりません', en: 'No such actual' });
  return { row, mayDecide: row.status === 'pending' && canDecideActual(user, { enteredBy: row.entered_by }) };
}

/**
 * An actual's evidence file for this reader: 404 when the actual has none or the reader may
 * not see it (a private file's existence is not revealed to those who may not read it).
 */
export async function evidenceFile(sql: Sql, tenantId: string, user: AuthUser | null, actualId: string, signedIn = user !== null) {
  const row = await repo.findActual(sql, tenantId, actualId);
  if (!row || !row.evidence_file_id) throw new AppError('not_found');
  const allowed = canReadEvidence(user, {
    status: row.status,
    evidencePublic: row.evidence_public,
    enteredBy: row.entered_by,
    departmentCode: row.department_code,
  });
  // Anonymous readers are asked to sign in; signed-in readers without the right see 404.
  if (!allowed) throw new AppError(signedIn ? 'not_found' : 'unauthenticated');
  const file = await loadFile(sql, tenantId, EVIDENCE_OWNER, row.evidence_file_id);
  if (!file) throw new AppError('not_found');
  return file;
}

/** The plan's lines of a staff member's work list: entries to decide, and their own rejected entries. */
export async function planWorkItems(sql: Sql, tenantId: string, user: AuthUser, lang: Lang, now: Date): Promise<WorkItem[]> {
  const items: WorkItem[] = [];
  const plan = await repo.findCurrentPlan(sql, tenantId);
  if (plan && canApproveActual(user)) {
    const n = await repo.countPendingFor(sql, tenantId, plan.id, user.id);
    if (n > 0) items.push({ label: translate(lang, 'plan.work.pending', { count: n }), count: n, href: '/staff/plan/approvals', kind: 'task' });
  }
  if (user.role !== 'citizen') {
    const n = await repo.countRecentlyRejected(sql, tenantId, user.id, new Date(now.getTime() - 30 * 24 * 3600 * 1000));
    if (n > 0) items.push({ label: translate(lang, 'plan.work.rejected', { count: n }), count: n, href: '/staff/plan/mine', kind: 'task' });
  }
  return items;
}

/** Pending actuals of the current plan, for the approval queue. */
export async function pendingActuals(sql: Sql, tenantId: string) {
  const plan = await planOrThrow(sql, tenantId);
  return repo.listPendingActuals(sql, tenantId, plan.id);
}

/** Plans of the tenant (code, title, current). */
export async function listPlanSummaries(sql: Sql, tenantId: string) {
  return (await repo.listPlans(sql, tenantId)).map((p) => ({ code: p.code, title: p.title, current: p.is_current }));
}

/** The sections of the tenant's current plan (code and title), for other modules to link to. */
export async function currentPlanSections(sql: Sql, tenantId: string): Promise<{ code: string; title: string }[]> {
  const plan = await repo.findCurrentPlan(sql, tenantId);
  if (!plan) return [];
  const contents = await repo.loadPlanContents(sql, tenantId, plan.id);
  return contents.sections.map((s) => ({ code: s.code, title: s.title }));
}
