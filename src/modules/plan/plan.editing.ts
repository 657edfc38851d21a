/**
 * 計画の編集 — the plan edited in place by plan managers: its header, sections and indicators
 * created, edited and retired. Every change is validated exactly as an import is: the plan
 * is exported, the change applied to the document, and the whole document checked by the
 * import's schema (parsePlanDocument, metric bindings included); only then is the change
 * written, audited and kept in the plan's history.
 */
import { appendAudit } from '../../core/audit.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import './plan.messages.ts';
import type { Tenant } from '../../core/tenancy.ts';
import * as edits from './plan.editing.repository.ts';
import { canManagePlans } from './plan.policy.ts';
import * as repo from './plan.repository.ts';
import type { PlanDocument } from './plan.schema.ts';
import { exportPlan, importPlan, parsePlanDocument, PLAN_SCOPE, type PlanEnv } from './plan.service.ts';

export type SectionDoc = PlanDocument['chapters'][number]['sections'][number];
export type IndicatorDoc = SectionDoc['indicators'][number];
/** A section as its form gives it (no indicators: they are edited one by one). */
export type SectionInput = Omit<SectionDoc, 'indicators'>;
/** An indicator as its form gives it (actuals are entered, never edited here). */
export type IndicatorInput = Omit<IndicatorDoc, 'actuals'>;

interface Editing {
  tx: Sql;
  tenantId: string;
  plan: repo.PlanRow;
  contents: repo.PlanContents;
  /** The plan as its exchange document, to apply a change to and validate. */
  doc: PlanDocument;
}

function requireManager(user: AuthUser): void {
  if (!canManagePlans(user)) throw new AppError('forbidden');
}

/** Runs an edit in one transaction with the plan locked. */
async function withPlan<T>(db: Db, tenantId: string, planCode: string, edit: (e: Editing) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    if (!(await edits.lockPlan(tx, tenantId, planCode))) throw new AppError('not_found', { ja: `計画 ${planCode} はありません`, en: `No plan ${planCode}` });
    const plan = (await repo.findPlanByCode(tx, tenantId, planCode))!;
    const contents = await repo.loadPlanContents(tx, tenantId, plan.id);
    const doc = await exportPlan(tx, tenantId, planCode);
    return edit({ tx, tenantId, plan, contents, doc });
  });
}

/**
 * Checks the changed document with the import's rules; throws the problems found under
 * `prefix` (the edited part) with paths relative to it, so a form can show them at its fields.
 */
function validateWhole(env: PlanEnv, doc: unknown, prefix: string, lang: Lang): void {
  try {
    parsePlanDocument(doc, lang, env.metrics);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'validation') throw err;
    const errors: FieldError[] = err.errors.map((e) => ({
      path: prefix === '' ? e.path : e.path === prefix ? '' : e.path.startsWith(`${prefix}.`) ? e.path.slice(prefix.length + 1) : '',
      message: e.message,
    }));
    throw new AppError('validation', undefined, errors);
  }
}

function locate(doc: PlanDocument, sectionCode: string): { ci: number; si: number } | null {
  for (const [ci, c] of doc.chapters.entries()) {
    const si = c.sections.findIndex((s) => s.code === sectionCode);
    if (si >= 0) return { ci, si };
  }
  return null;
}

/** An indicator in force: its row, and its place in the document (the list it is in, its index and path); 404 when retired or unknown. */
function indicatorIn(e: Editing, doc: PlanDocument, code: string) {
  const row = e.contents.indicators.find((i) => i.code === code);
  if (!row) throw notFound(`指標 ${code}`);
  // loadPlanContents holds only indicators of sections in force, so the section is in the document.
  const section = e.contents.sections.find((s) => s.id === row.section_id)!;
  const at = locate(doc, section.code)!;
  const list = doc.chapters[at.ci]!.sections[at.si]!.indicators;
  const ii = list.findIndex((i) => i.code === code);
  return { row, list, ii, path: `chapters.${at.ci}.sections.${at.si}.indicators.${ii}` };
}

async function record(
  e: Editing,
  tenant: Tenant,
  user: AuthUser,
  change: { action: edits.ChangeRow['action']; entityType: edits.ChangeRow['entity_type']; entityCode: string; before?: unknown; after?: unknown },
): Promise<void> {
  await edits.insertChange(e.tx, tenant.id, e.plan.id, { actorId: user.id, actorLabel: user.email, before: undefined, after: undefined, ...change });
  await appendAudit(e.tx, {
    tenantId: tenant.id,
    actorId: user.id,
    actorLabel: user.email,
    action: `plan.${change.entityType}.${change.action}`,
    entityType: change.entityType === 'plan' ? 'plan' : `plan_${change.entityType}`,
    entityId: `${e.plan.code}/${change.entityCode}`,
    details: { plan: e.plan.code, changed: changedKeys(change.before, change.after) },
  });
  await bumpDataVersion(e.tx, tenant.id, PLAN_SCOPE);
}

/** The top-level keys whose values differ (for the audit entry and the history). */
export function changedKeys(before: unknown, after: unknown): string[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).sort();
}

const fieldError = (path: string, key: string, lang: Lang, params?: Record<string, string>) =>
  new AppError('validation', undefined, [{ path, message: translate(lang, key, params) }]);

/** A code is never reused in a plan, retired sections and indicators included (the unique index holds it too). */
async function refuseTakenCode(e: Editing, table: 'plan_sections' | 'indicators', code: string, lang: Lang): Promise<void> {
  if (await edits.codeTaken(e.tx, e.tenantId, e.plan.id, table, code)) {
    throw fieldError('code', table === 'indicators' ? 'plan.edit.indicatorCodeTaken' : 'plan.edit.sectionCodeTaken', lang, { code });
  }
}

const notFound = (what: string) => new AppError('not_found', { ja: `${what} はありません`, en: `No ${what}` });

/** 計画の新規作成: a plan with its first chapter and section, through the import itself. */
export async function createPlan(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  user: AuthUser,
  input: { code: string; title: string; startFiscalYear: number; endFiscalYear: number; chapter: { code: string; title: string }; section: { code: string; title: string } },
  lang: Lang,
): Promise<{ code: string }> {
  requireManager(user);
  const doc = {
    code: input.code,
    title: input.title,
    current: false,
    period: { startFiscalYear: input.startFiscalYear, endFiscalYear: input.endFiscalYear },
    chapters: [{ code: input.chapter.code, title: input.chapter.title, sections: [{ code: input.section.code, title: input.section.title }] }],
  };
  // The plan and its first history entry are one transaction: no plan without its creation on record.
  const created = await importPlan(db, env, tenant, { id: user.id, label: user.email }, doc, lang, {
    user,
    then: (tx, plan) => edits.insertChange(tx, tenant.id, plan.id, { actorId: user.id, actorLabel: user.email, action: 'create', entityType: 'plan', entityCode: plan.code, before: undefined, after: doc }),
  });
  return { code: created.code };
}

/** The plan's title and period. */
export async function editPlanHeader(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  user: AuthUser,
  planCode: string,
  input: { title: string; titleEn?: string | undefined; startFiscalYear: number; endFiscalYear: number },
  lang: Lang,
): Promise<void> {
  requireManager(user);
  await withPlan(db, tenant.id, planCode, async (e) => {
    const before = { title: e.doc.title, ...(e.doc.titleEn ? { titleEn: e.doc.titleEn } : {}), period: e.doc.period };
    const after = {
      title: input.title,
      ...(input.titleEn ? { titleEn: input.titleEn } : {}),
      period: { startFiscalYear: input.startFiscalYear, endFiscalYear: input.endFiscalYear },
    };
    const { titleEn: _old, ...rest } = e.doc;
    validateWhole(env, { ...rest, ...after }, '', lang);
    await edits.updatePlanHeader(e.tx, tenant.id, e.plan.id, input);
    await record(e, tenant, user, { action: 'edit', entityType: 'plan', entityCode: planCode, before, after });
  });
}

/** Creates (existing = null, with the chapter to add it to) or edits a section. */
export async function saveSection(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  user: AuthUser,
  planCode: string,
  existing: string | null,
  input: SectionInput & { chapter?: string },
  lang: Lang,
): Promise<{ code: string }> {
  requireManager(user);
  const { chapter, ...section } = input;
  return withPlan(db, tenant.id, planCode, async (e) => {
    const doc = structuredClone(e.doc);
    let prefix: string;
    let before: SectionDoc | undefined;
    let sectionId: string;
    if (existing === null) {
      const ci = doc.chapters.findIndex((c) => c.code === chapter);
      if (ci < 0) throw fieldError('chapter', 'plan.edit.chooseChapter', lang);
      await refuseTakenCode(e, 'plan_sections', section.code, lang);
      doc.chapters[ci]!.sections.push({ ...section, indicators: [] });
      prefix = `chapters.${ci}.sections.${doc.chapters[ci]!.sections.length - 1}`;
      validateWhole(env, doc, prefix, lang);
      sectionId = await edits.insertSection(e.tx, tenant.id, e.plan.id, e.contents.chapters[ci]!.id, section.code);
    } else {
      const at = locate(doc, existing);
      const row = e.contents.sections.find((s) => s.code === existing);
      if (!at || !row) throw notFound(`節 ${existing}`);
      before = doc.chapters[at.ci]!.sections[at.si]!;
      doc.chapters[at.ci]!.sections[at.si] = { ...section, code: existing, indicators: before.indicators };
      prefix = `chapters.${at.ci}.sections.${at.si}`;
      validateWhole(env, doc, prefix, lang);
      sectionId = row.id;
    }
    const saved = { ...section, code: existing ?? section.code };
    await edits.writeSection(e.tx, tenant.id, sectionId, { ...saved, indicators: [] });
    const strip = (s: SectionDoc | undefined) => {
      if (!s) return undefined;
      const { indicators: _ignored, ...rest } = s;
      return rest;
    };
    await record(e, tenant, user, { action: existing === null ? 'create' : 'edit', entityType: 'section', entityCode: saved.code, before: strip(before), after: saved });
    return { code: saved.code };
  });
}

/** Creates (existing = null, in the section named) or edits an indicator. */
export async function saveIndicator(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  user: AuthUser,
  planCode: string,
  existing: string | null,
  input: IndicatorInput & { section: string },
  lang: Lang,
): Promise<{ code: string }> {
  requireManager(user);
  const { section: sectionCode, ...indicator } = input;
  return withPlan(db, tenant.id, planCode, async (e) => {
    const doc = structuredClone(e.doc);
    let before: IndicatorInput | undefined;
    let prefix: string;
    if (existing === null) {
      const at = locate(doc, sectionCode);
      if (!at) throw fieldError('section', 'plan.edit.chooseSection', lang);
      await refuseTakenCode(e, 'indicators', indicator.code, lang);
      const list = doc.chapters[at.ci]!.sections[at.si]!.indicators;
      list.push({ ...indicator, actuals: [] });
      prefix = `chapters.${at.ci}.sections.${at.si}.indicators.${list.length - 1}`;
      validateWhole(env, doc, prefix, lang);
      const sectionRow = e.contents.sections.find((s) => s.code === sectionCode)!;
      await edits.insertIndicator(e.tx, tenant.id, e.plan.id, sectionRow.id, { ...indicator, actuals: [] });
    } else {
      const { row, list, ii, path } = indicatorIn(e, doc, existing);
      const { actuals, ...old } = list[ii]!;
      before = old;
      list[ii] = { ...indicator, code: existing, actuals };
      prefix = path;
      validateWhole(env, doc, prefix, lang);
      await edits.updateIndicator(e.tx, tenant.id, row.id, { ...indicator, code: existing, actuals: [] });
    }
    const code = existing ?? indicator.code;
    await record(e, tenant, user, { action: existing === null ? 'create' : 'edit', entityType: 'indicator', entityCode: code, before, after: { ...indicator, code } });
    return { code };
  });
}

/** Retires a section (with its indicators) or an indicator: gone from the plan, its records kept. */
export async function retireEntity(
  db: Db,
  env: PlanEnv,
  tenant: Tenant,
  user: AuthUser,
  planCode: string,
  kind: 'section' | 'indicator',
  code: string,
  lang: Lang,
  now: Date,
): Promise<void> {
  requireManager(user);
  await withPlan(db, tenant.id, planCode, async (e) => {
    const doc = structuredClone(e.doc);
    let before: unknown;
    let id: string;
    if (kind === 'section') {
      const at = locate(doc, code);
      const row = e.contents.sections.find((s) => s.code === code);
      if (!at || !row) throw notFound(`節 ${code}`);
      before = doc.chapters[at.ci]!.sections.splice(at.si, 1)[0];
      id = row.id;
    } else {
      const { row, list, ii } = indicatorIn(e, doc, code);
      before = list.splice(ii, 1)[0];
      id = row.id;
    }
    // The plan must stay a valid document without it (e.g. a chapter keeps at least one section).
    validateWhole(env, doc, '', lang);
    await edits.retire(e.tx, tenant.id, kind === 'section' ? 'plan_sections' : 'indicators', id, now);
    const { actuals: _a, indicators: _i, ...shown } = before as Record<string, unknown>;
    await record(e, tenant, user, { action: 'retire', entityType: kind, entityCode: code, before: shown });
  });
}

/** The plan as its editors see it: the document (without actuals) and its history. */
export async function planForEditing(sql: Sql, tenantId: string, user: AuthUser, planCode: string) {
  requireManager(user);
  const plan = await repo.findPlanByCode(sql, tenantId, planCode);
  if (!plan) throw notFound(`計画 ${planCode}`);
  const doc = await exportPlan(sql, tenantId, planCode);
  return { plan, doc };
}

/** Every change made through the forms, newest first. */
export async function planHistory(sql: Sql, tenantId: string, user: AuthUser, planCode: string, limit = 500) {
  requireManager(user);
  const plan = await repo.findPlanByCode(sql, tenantId, planCode);
  if (!plan) throw notFound(`計画 ${planCode}`);
  return edits.listChanges(sql, tenantId, plan.id, limit);
}
