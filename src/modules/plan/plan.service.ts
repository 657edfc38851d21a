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
import { canApproveActual, canEnterActual, canManagePlans } from './plan.policy.ts';
import * as repo from './plan.repository.ts';
import { PlanDocumentSchema, type PlanDocument } from './plan.schema.ts';

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
  glossary: { marker: string | null; term: string; definition: string }[];
  measures: { code: string; title: string; departmentCode: string | null }[];
  perceptionQuestion: { code: string; text: string } | null;
  indicators: EvaluatedIndicator[];
  average: number | null;
  grades: GradeCounts;
  onTrack: number;
  behind: number;
}

export interface EvaluatedPlan {
  code: string;
  title: string;
  current: boolean;
  period: { startFiscalYear: number; endFiscalYear: number };
  chapters: { code: string; title: string; sections: EvaluatedSection[]; average: number | null }[];
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
  options: { demoActuals?: boolean; user?: AuthUser | null } = {},
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
    current: plan.is_current,
    period: { startFiscalYear: plan.start_fiscal_year, endFiscalYear: plan.end_fiscal_year },
    chapters: contents.chapters.map((c) => ({
      code: c.code,
      title: c.title,
      sections: contents.sections
        .filter((s) => s.chapter_id === c.id)
        .map((s) => {
          const measures = contents.measures.filter((m) => m.section_id === s.id);
          return {
            code: s.code,
            title: s.title,
            visions: s.visions,
            issues: s.issues,
            directions: s.directions,
            glossary: contents.glossary
              .filter((g) => g.section_id === s.id)
              .map((g) => ({ ...(g.marker ? { marker: g.marker } : {}), term: g.term, definition: g.definition })),
            ...(s.perception_code ? { perceptionQuestion: { code: s.perception_code, text: s.perception_text! } } : {}),
            ...(measures.length
              ? { measures: measures.map((m) => ({ code: m.code, title: m.title, ...(m.department_code ? { department: m.department_code } : {}) })) }
              : {}),
            indicators: contents.indicators
              .filter((i) => i.section_id === s.id)
              .map((i) => ({
                code: i.code,
                name: i.name,
                ...(i.name_note ? { nameNote: i.name_note } : {}),
                unit: i.unit,
                ...(i.decimals !== null ? { decimals: i.decimals } : {}),
                direction: i.direction,
                ...(i.description !== null ? { description: i.description } : {}),
                ...(i.department_code ? { department: i.department_code } : {}),
                baseline:
                  i.baseline_value === null
                    ? null
                    : {
                        value: toNumber(i.baseline_value),
                        asOf: i.baseline_as_of!,
                        ...(i.baseline_label ? { label: i.baseline_label } : {}),
                      },
                target: {
                  value: toNumber(i.target_value),
                  ...(i.target_fiscal_year !== null ? { fiscalYear: i.target_fiscal_year } : { date: i.target_date! }),
                  ...(i.target_label ? { label: i.target_label } : {}),
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
      glossary: contents.glossary.filter((g) => g.section_id === s.id).map((g) => ({ marker: g.marker, term: g.term, definition: g.definition })),
      measures: contents.measures.filter((m) => m.section_id === s.id).map((m) => ({ code: m.code, title: m.title, departmentCode: m.department_code })),
      perceptionQuestion: s.perception_code ? { code: s.perception_code, text: s.perception_text! } : null,
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
    current: plan.is_current,
    period: { startFiscalYear: plan.start_fiscal_year, endFiscalYear: plan.end_fiscal_year },
    chapters: contents.chapters.map((c) => {
      const secs = sectionsOut.filter((s) => contents.sections.find((x) => x.id === s.id)?.chapter_id === c.id);
      return { code: c.code, title: c.title, sections: secs, average: averageClampedRate(rates(secs.flatMap((s) => s.indicators))) };
    }),
    average: averageClampedRate(rates(indicators)),
    grades: gradeCounts(indicators.map((x) => x.evaluation.achievement?.grade ?? null)),
    indicators,
  };
}

const evaluated = new VersionedCache<Promise<EvaluatedPlan>>(100);
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
export function indicatorItem(x: EvaluatedIndicator) {
  const e = x.evaluation;
  return {
    code: x.code,
    name: x.name,
    unit: x.unit,
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
    latest: e.latest ? { value: toNumber(e.latest.value), asOf: e.latest.asOf } : null,
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

/** Every revision of an indicator's records; the public sees approved ones only, and not who entered them. */
export async function indicatorRevisions(sql: Sql, tenantId: string, indicatorId: string, forStaff: boolean) {
  const rows = await repo.listActualRevisions(sql, tenantId, indicatorId);
  return rows
    .filter((r) => forStaff || r.status === 'approved')
    .map((r) => ({
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
    }));
}

/** Staff enter an actual: a pending revision that is neither public nor counted until approved. */
export async function recordActual(
  db: Db,
  tenant: Tenant,
  user: AuthUser,
  code: string,
  input: { value: number; asOf: string; note?: string | undefined },
) {
  return db.transaction(async (tx) => {
    const plan = await planOrThrow(tx, tenant.id);
    const contents = await repo.loadPlanContents(tx, tenant.id, plan.id);
    const indicator = contents.indicators.find((i) => i.code === code);
    if (!indicator) throw new AppError('not_found', { ja: `指標 ${code} はありません`, en: `No indicator ${code}` });
    if (!canEnterActual(user, { departmentCode: indicator.department_code })) throw new AppError('forbidden');
    if (indicator.source_metric === AVERAGE_METRIC) {
      throw new AppError('validation', undefined, [
        { path: 'value', message: '主要施策の目標達成率は自動で計算されるため入力できません / This indicator is computed and cannot be entered' },
      ]);
    }
    const row = await appendPendingActual(tx, tenant, user, indicator, input);
    return { id: row.id, indicator: code, asOf: row.as_of, revision: row.revision, value: toNumber(row.value), status: row.status };
  });
}

/**
 * Stores one entered value as a pending revision and audits it, inside the caller's
 * transaction (after the caller has checked who may enter it).
 */
export async function appendPendingActual(
  tx: Sql,
  tenant: Tenant,
  user: AuthUser,
  indicator: { id: string; code: string },
  input: { value: number; asOf: string; note?: string | undefined },
  via: 'form' | 'api' | 'csv' = 'api',
): Promise<repo.ActualRow> {
  const row = await repo.insertPendingActual(tx, tenant.id, {
    indicatorId: indicator.id,
    asOf: input.asOf,
    value: String(input.value),
    note: input.note?.trim() || null,
    enteredBy: user.id,
    enteredLabel: user.email,
  });
  await appendAudit(tx, {
    tenantId: tenant.id,
    actorId: user.id,
    actorLabel: user.email,
    action: 'actual.record',
    entityType: 'indicator_actual',
    entityId: row.id,
    details: { indicator: indicator.code, asOf: row.as_of, value: String(input.value), revision: row.revision, via },
  });
  return row;
}

/** The plan manager approves (or rejects) a pending actual. */
export async function decideActual(
  db: Db,
  tenant: Tenant,
  user: AuthUser,
  code: string,
  actualId: string,
  decision: 'approved' | 'rejected',
) {
  if (!canApproveActual(user)) throw new AppError('forbidden');
  return db.transaction(async (tx) => {
    const plan = await planOrThrow(tx, tenant.id);
    const contents = await repo.loadPlanContents(tx, tenant.id, plan.id);
    const indicator = contents.indicators.find((i) => i.code === code);
    if (!indicator) throw new AppError('not_found', { ja: `指標 ${code} はありません`, en: `No indicator ${code}` });
    const row = await repo.decideActual(tx, tenant.id, {
      indicatorId: indicator.id,
      actualId,
      status: decision,
      decidedBy: user.id,
      decidedLabel: user.email,
    });
    if (!row) {
      throw new AppError('not_found', { ja: '承認待ちの実績が見つかりません', en: 'No pending actual with this id' });
    }
    await bumpDataVersion(tx, tenant.id, PLAN_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: user.id,
      actorLabel: user.email,
      action: decision === 'approved' ? 'actual.approve' : 'actual.reject',
      entityType: 'indicator_actual',
      entityId: row.id,
      details: { indicator: code, asOf: row.as_of, revision: row.revision },
    });
    return { id: row.id, indicator: code, asOf: row.as_of, revision: row.revision, value: toNumber(row.value), status: row.status };
  });
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
