/** SQL for the plan module's tables. Nothing outside the plan module reads these tables. */
import type { Sql } from '../../core/db/database.ts';
import type { PlausibilityWarning } from './plan.plausibility.ts';
import type { PlanDocument } from './plan.schema.ts';

export interface PlanRow {
  id: string;
  code: string;
  title: string;
  /** English beside the Japanese (null: not translated); so for every *_en column below. */
  title_en: string | null;
  is_current: boolean;
  start_fiscal_year: number;
  end_fiscal_year: number;
}

export interface ChapterRow {
  id: string;
  code: string;
  title: string;
  title_en: string | null;
}

export interface SectionRow {
  id: string;
  chapter_id: string;
  code: string;
  title: string;
  title_en: string | null;
  visions: string[];
  /** Paired with visions by position; a null entry is untranslated. */
  visions_en: (string | null)[] | null;
  issues: string[];
  issues_en: (string | null)[] | null;
  directions: string[];
  directions_en: (string | null)[] | null;
  perception_code: string | null;
  perception_text: string | null;
  perception_text_en: string | null;
}

export interface GlossaryRow {
  section_id: string;
  marker: string | null;
  term: string;
  term_en: string | null;
  definition: string;
  definition_en: string | null;
}

export interface MeasureRow {
  section_id: string;
  code: string;
  title: string;
  title_en: string | null;
  department_code: string | null;
}

export interface IndicatorRow {
  id: string;
  section_id: string;
  code: string;
  name: string;
  name_en: string | null;
  name_note: string | null;
  name_note_en: string | null;
  unit: string;
  unit_en: string | null;
  decimals: number | null;
  direction: 'increase' | 'decrease' | 'at_most_baseline';
  description: string | null;
  description_en: string | null;
  baseline_value: string | null;
  baseline_as_of: string | null;
  baseline_label: string | null;
  baseline_label_en: string | null;
  target_value: string;
  target_fiscal_year: number | null;
  target_date: string | null;
  target_label: string | null;
  target_label_en: string | null;
  department_code: string | null;
  source_kind: 'manual' | 'metric';
  source_metric: string | null;
}

export interface ActualRow {
  id: string;
  indicator_id: string;
  as_of: string;
  revision: number;
  value: string;
  note: string | null;
  is_demo: boolean;
  status: 'pending' | 'approved' | 'rejected';
  entered_label: string;
  entered_at: Date;
  decided_label: string | null;
  decided_at: Date | null;
  entered_by: string | null;
  decided_by: string | null;
  reject_reason: string | null;
  warnings: PlausibilityWarning[];
  evidence_file_id: string | null;
  evidence_public: boolean;
  evidence_filename: string | null;
  evidence_media_type: string | null;
  evidence_bytes: number | null;
}

const PLAN_COLUMNS = 'id, code, title, title_en, is_current, start_fiscal_year, end_fiscal_year';

export function findPlanByCode(sql: Sql, tenantId: string, code: string): Promise<PlanRow | undefined> {
  return sql.maybeOne<PlanRow>(`select ${PLAN_COLUMNS} from plans where tenant_id = $1 and code = $2`, [tenantId, code]);
}

export function findCurrentPlan(sql: Sql, tenantId: string): Promise<PlanRow | undefined> {
  return sql.maybeOne<PlanRow>(`select ${PLAN_COLUMNS} from plans where tenant_id = $1 and is_current`, [tenantId]);
}

export function listPlans(sql: Sql, tenantId: string): Promise<PlanRow[]> {
  return sql.query<PlanRow>(`select ${PLAN_COLUMNS} from plans where tenant_id = $1 order by code`, [tenantId]);
}

/** Writes a whole validated plan document; the caller holds the transaction. */
export async function insertPlanDocument(
  tx: Sql,
  tenantId: string,
  doc: PlanDocument,
  enteredLabel: string,
  options: { demoActuals?: boolean } = {},
): Promise<string> {
  if (doc.current) await tx.query('update plans set is_current = false where tenant_id = $1 and is_current', [tenantId]);
  const plan = await tx.one<{ id: string }>(
    `insert into plans (tenant_id, code, title, title_en, is_current, start_fiscal_year, end_fiscal_year)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [tenantId, doc.code, doc.title, doc.titleEn ?? null, doc.current, doc.period.startFiscalYear, doc.period.endFiscalYear],
  );
  for (const [ci, chapter] of doc.chapters.entries()) {
    const ch = await tx.one<{ id: string }>(
      'insert into plan_chapters (tenant_id, plan_id, code, title, title_en, position) values ($1, $2, $3, $4, $5, $6) returning id',
      [tenantId, plan.id, chapter.code, chapter.title, chapter.titleEn ?? null, ci],
    );
    for (const [si, s] of chapter.sections.entries()) {
      const sec = await tx.one<{ id: string }>(
        `insert into plan_sections (tenant_id, plan_id, chapter_id, code, title, position) values ($1, $2, $3, $4, $5, $6) returning id`,
        [tenantId, plan.id, ch.id, s.code, s.title, si],
      );
      await writeSectionContents(tx, tenantId, sec.id, s);
      for (const [ii, ind] of s.indicators.entries()) {
        const row = await insertIndicator(tx, tenantId, plan.id, sec.id, ind, ii);
        for (const a of ind.actuals) {
          await tx.query(
            `insert into indicator_actuals (tenant_id, indicator_id, as_of, revision, value, note, is_demo, status, entered_label, decided_label, decided_at)
             values ($1, $2, $3, 1, $4, $5, $6, 'approved', $7, $7, now())`,
            [tenantId, row.id, a.asOf, String(a.value), a.note ?? null, options.demoActuals ?? false, enteredLabel],
          );
        }
      }
    }
  }
  return plan.id;
}

type SectionDoc = PlanDocument['chapters'][number]['sections'][number];
type IndicatorDoc = SectionDoc['indicators'][number];

/** An English list as stored: null when no entry is translated. */
const englishList = (list: readonly (string | null)[] | undefined) => (list && list.some((x) => x !== null) ? [...list] : null);

/**
 * Writes a section's texts (Japanese and English), glossary and measures; the glossary and
 * measures are replaced whole. The caller holds the transaction.
 */
export async function writeSectionContents(tx: Sql, tenantId: string, sectionId: string, s: Omit<SectionDoc, 'indicators'>): Promise<void> {
  await tx.query(
    `update plan_sections set title = $3, title_en = $4, visions = $5, visions_en = $6, issues = $7, issues_en = $8,
       directions = $9, directions_en = $10, perception_code = $11, perception_text = $12, perception_text_en = $13
      where tenant_id = $1 and id = $2`,
    [
      tenantId, sectionId, s.title, s.titleEn ?? null, s.visions, englishList(s.visionsEn), s.issues, englishList(s.issuesEn),
      s.directions, englishList(s.directionsEn), s.perceptionQuestion?.code ?? null, s.perceptionQuestion?.text ?? null,
      s.perceptionQuestion?.textEn ?? null,
    ],
  );
  await tx.query('delete from plan_glossary_terms where tenant_id = $1 and section_id = $2', [tenantId, sectionId]);
  for (const [gi, g] of s.glossary.entries()) {
    await tx.query(
      `insert into plan_glossary_terms (tenant_id, section_id, position, marker, term, term_en, definition, definition_en)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenantId, sectionId, gi, g.marker ?? null, g.term, g.termEn ?? null, g.definition, g.definitionEn ?? null],
    );
  }
  await tx.query('delete from plan_measures where tenant_id = $1 and section_id = $2', [tenantId, sectionId]);
  for (const [mi, m] of (s.measures ?? []).entries()) {
    await tx.query(
      'insert into plan_measures (tenant_id, section_id, position, code, title, title_en, department_code) values ($1, $2, $3, $4, $5, $6, $7)',
      [tenantId, sectionId, mi, m.code, m.title, m.titleEn ?? null, m.department ?? null],
    );
  }
}

/** An indicator's columns (all but its place), in INDICATOR_WRITE_COLUMNS order. */
const INDICATOR_WRITE_COLUMNS = `name, name_en, name_note, name_note_en, unit, unit_en, direction, description, description_en,
  baseline_value, baseline_as_of, baseline_label, baseline_label_en, target_value, target_fiscal_year, target_date, target_label,
  target_label_en, department_code, source_kind, source_metric, decimals`;

const indicatorValues = (ind: Omit<IndicatorDoc, 'actuals'>) => [
  ind.name, ind.nameEn ?? null, ind.nameNote ?? null, ind.nameNoteEn ?? null, ind.unit, ind.unitEn ?? null, ind.direction,
  ind.description ?? null, ind.descriptionEn ?? null,
  ind.baseline ? String(ind.baseline.value) : null, ind.baseline?.asOf ?? null, ind.baseline?.label ?? null, ind.baseline?.labelEn ?? null,
  String(ind.target.value), ind.target.fiscalYear ?? null, ind.target.date ?? null, ind.target.label ?? null, ind.target.labelEn ?? null,
  ind.department ?? null, ind.source?.kind ?? 'manual', ind.source?.kind === 'metric' ? ind.source.metric : null, ind.decimals ?? null,
];

/** A new indicator of a section, at position (default: after the section's last). */
export function insertIndicator(
  tx: Sql,
  tenantId: string,
  planId: string,
  sectionId: string,
  ind: Omit<IndicatorDoc, 'actuals'>,
  position?: number,
): Promise<{ id: string }> {
  const values = indicatorValues(ind);
  const placeholders = values.map((_, i) => `$${i + 6}`).join(', ');
  return tx.one<{ id: string }>(
    `insert into indicators (tenant_id, plan_id, section_id, code, position, ${INDICATOR_WRITE_COLUMNS})
     values ($1, $2, $3, $4, coalesce($5::int, (select coalesce(max(position), -1) + 1 from indicators where tenant_id = $1 and section_id = $3)),
       ${placeholders}) returning id`,
    [tenantId, planId, sectionId, ind.code, position ?? null, ...values],
  );
}

/** Rewrites an indicator's columns (its code and place stay). */
export async function updateIndicator(tx: Sql, tenantId: string, indicatorId: string, ind: Omit<IndicatorDoc, 'actuals'>): Promise<void> {
  const values = indicatorValues(ind);
  const sets = INDICATOR_WRITE_COLUMNS.split(',').map((c, i) => `${c.trim()} = $${i + 3}`).join(', ');
  await tx.query(`update indicators set ${sets} where tenant_id = $1 and id = $2`, [tenantId, indicatorId, ...values]);
}

export interface PlanContents {
  chapters: ChapterRow[];
  sections: SectionRow[];
  glossary: GlossaryRow[];
  measures: MeasureRow[];
  indicators: IndicatorRow[];
}

/** Everything under a plan, each list in document order. */
export async function loadPlanContents(sql: Sql, tenantId: string, planId: string): Promise<PlanContents> {
  const p = [tenantId, planId];
  const [chapters, sections, glossary, measures, indicators] = await Promise.all([
    sql.query<ChapterRow>('select id, code, title, title_en from plan_chapters where tenant_id = $1 and plan_id = $2 order by position', p),
    sql.query<SectionRow>(
      `select s.id, s.chapter_id, s.code, s.title, s.title_en, s.visions, s.visions_en, s.issues, s.issues_en, s.directions,
              s.directions_en, s.perception_code, s.perception_text, s.perception_text_en
         from plan_sections s join plan_chapters c on c.tenant_id = s.tenant_id and c.id = s.chapter_id
        where s.tenant_id = $1 and s.plan_id = $2 and s.retired_at is null order by c.position, s.position`,
      p,
    ),
    sql.query<GlossaryRow>(
      `select g.section_id, g.marker, g.term, g.term_en, g.definition, g.definition_en from plan_glossary_terms g
         join plan_sections s on s.tenant_id = g.tenant_id and s.id = g.section_id
        where g.tenant_id = $1 and s.plan_id = $2 and s.retired_at is null order by g.section_id, g.position`,
      p,
    ),
    sql.query<MeasureRow>(
      `select m.section_id, m.code, m.title, m.title_en, m.department_code from plan_measures m
         join plan_sections s on s.tenant_id = m.tenant_id and s.id = m.section_id
        where m.tenant_id = $1 and s.plan_id = $2 and s.retired_at is null order by m.section_id, m.position`,
      p,
    ),
    sql.query<IndicatorRow>(
      `select i.id, i.section_id, i.code, i.name, i.name_en, i.name_note, i.name_note_en, i.unit, i.unit_en, i.direction,
              i.description, i.description_en, i.baseline_value, i.baseline_as_of, i.baseline_label, i.baseline_label_en,
              i.target_value, i.target_fiscal_year, i.target_date, i.target_label, i.target_label_en, i.department_code,
              i.source_kind, i.source_metric, i.decimals
         from indicators i
         join plan_sections s on s.tenant_id = i.tenant_id and s.id = i.section_id
         join plan_chapters c on c.tenant_id = s.tenant_id and c.id = s.chapter_id
        where i.tenant_id = $1 and i.plan_id = $2 and i.retired_at is null and s.retired_at is null order by c.position, s.position, i.position`,
      p,
    ),
  ]);
  return { chapters, sections, glossary, measures, indicators };
}

const ACTUAL_COLUMNS = `a.id, a.indicator_id, a.as_of, a.revision, a.value, a.note, a.is_demo, a.status,
  a.entered_label, a.entered_at, a.decided_label, a.decided_at, a.entered_by, a.decided_by, a.reject_reason, a.warnings,
  a.evidence_file_id, a.evidence_public,
  (select f.filename from stored_files f where f.tenant_id = a.tenant_id and f.id = a.evidence_file_id) as evidence_filename,
  (select f.media_type from stored_files f where f.tenant_id = a.tenant_id and f.id = a.evidence_file_id) as evidence_media_type,
  (select f.byte_size from stored_files f where f.tenant_id = a.tenant_id and f.id = a.evidence_file_id) as evidence_bytes`;

/** The value in force for each (indicator, date): its newest approved revision. */
export function loadApprovedActuals(sql: Sql, tenantId: string, planId: string): Promise<ActualRow[]> {
  return sql.query<ActualRow>(
    `select distinct on (a.indicator_id, a.as_of) ${ACTUAL_COLUMNS}
       from indicator_actuals a join indicators i on i.tenant_id = a.tenant_id and i.id = a.indicator_id
      where a.tenant_id = $1 and i.plan_id = $2 and a.status = 'approved'
      order by a.indicator_id, a.as_of, a.revision desc`,
    [tenantId, planId],
  );
}

/** Every revision of an indicator's actuals, newest first (statuses filtered by the caller). */
export function listActualRevisions(sql: Sql, tenantId: string, indicatorId: string): Promise<ActualRow[]> {
  return sql.query<ActualRow>(
    `select ${ACTUAL_COLUMNS} from indicator_actuals a where a.tenant_id = $1 and a.indicator_id = $2
      order by a.as_of desc, a.revision desc`,
    [tenantId, indicatorId],
  );
}

/** The newest approved value of an indicator dated before asOf (the value a new entry follows). */
export function previousApprovedActual(sql: Sql, tenantId: string, indicatorId: string, asOf: string): Promise<{ value: string; as_of: string } | undefined> {
  return sql.maybeOne(
    `select value, as_of from indicator_actuals where tenant_id = $1 and indicator_id = $2 and status = 'approved' and as_of < $3
      order by as_of desc, revision desc limit 1`,
    [tenantId, indicatorId, asOf],
  );
}

/** Joins an actual's indicator when it is in force (neither it nor its section retired): only those can be decided. */
const INDICATOR_IN_FORCE = `join indicators i on i.tenant_id = a.tenant_id and i.id = a.indicator_id and i.retired_at is null
  join plan_sections s on s.tenant_id = i.tenant_id and s.id = i.section_id and s.retired_at is null`;

/** Pending actuals of a plan's indicators in force awaiting a plan manager, oldest first. */
export function listPendingActuals(sql: Sql, tenantId: string, planId: string): Promise<(ActualRow & { code: string; name: string; unit: string })[]> {
  return sql.query(
    `select ${ACTUAL_COLUMNS}, i.code, i.name, i.unit
       from indicator_actuals a ${INDICATOR_IN_FORCE}
      where a.tenant_id = $1 and i.plan_id = $2 and a.status = 'pending' order by a.entered_at`,
    [tenantId, planId],
  );
}

/** Advisory-lock class of the revision numbering of one (indicator, date). */
const REVISION_LOCK = 7_414_201;

/**
 * Appends a pending revision for (indicator, date). Revisions are numbered max + 1 under a
 * unique key; a transaction-scoped advisory lock on (tenant, indicator, date) makes writers of
 * the same date take their turn, so concurrent corrections never collide (each reads the
 * newest committed revision once the previous writer has committed). Writers of other dates
 * and indicators do not wait for each other. The caller holds the transaction.
 */
export async function insertPendingActual(
  tx: Sql,
  tenantId: string,
  input: {
    indicatorId: string;
    asOf: string;
    value: string;
    note: string | null;
    enteredBy: string;
    enteredLabel: string;
    warnings?: readonly PlausibilityWarning[];
    evidence?: { fileId: string; public: boolean } | null;
  },
): Promise<ActualRow> {
  await tx.query(`select pg_advisory_xact_lock($1, hashtext($2::text || '|' || $3::text || '|' || $4::text))`, [
    REVISION_LOCK,
    tenantId,
    input.indicatorId,
    input.asOf,
  ]);
  return tx.one<ActualRow>(
    `insert into indicator_actuals as a (tenant_id, indicator_id, as_of, revision, value, note, status, entered_by, entered_label,
       warnings, evidence_file_id, evidence_public)
     values ($1, $2, $3,
       (select coalesce(max(revision), 0) + 1 from indicator_actuals where tenant_id = $1 and indicator_id = $2 and as_of = $3),
       $4, $5, 'pending', $6, $7, $8::jsonb, $9, $10)
     returning ${ACTUAL_COLUMNS}`,
    [
      tenantId, input.indicatorId, input.asOf, input.value, input.note, input.enteredBy, input.enteredLabel,
      JSON.stringify(input.warnings ?? []), input.evidence?.fileId ?? null, input.evidence?.public ?? false,
    ],
  );
}

/** Approves or rejects a pending actual; undefined when it is not pending (or not this indicator's). */
export function decideActual(
  tx: Sql,
  tenantId: string,
  input: {
    indicatorId: string;
    actualId: string;
    status: 'approved' | 'rejected';
    decidedBy: string;
    decidedLabel: string;
    reason: string | null;
  },
): Promise<ActualRow | undefined> {
  // Never the author's own entry (the four-eyes check holds in the table too).
  return tx.maybeOne<ActualRow>(
    `update indicator_actuals a set status = $4, decided_by = $5, decided_label = $6, decided_at = now(), reject_reason = $7
      where a.tenant_id = $1 and a.indicator_id = $2 and a.id = $3 and a.status = 'pending'
        and (a.entered_by is null or a.entered_by <> $5)
      returning ${ACTUAL_COLUMNS}`,
    [tenantId, input.indicatorId, input.actualId, input.status, input.decidedBy, input.decidedLabel, input.reason],
  );
}

/** One actual of the plan with its indicator's code and department (any status). */
export function findActual(
  sql: Sql,
  tenantId: string,
  actualId: string,
): Promise<(ActualRow & { code: string; name: string; unit: string; department_code: string | null; plan_id: string }) | undefined> {
  return sql.maybeOne(
    `select ${ACTUAL_COLUMNS}, i.code, i.name, i.unit, i.department_code, i.plan_id
       from indicator_actuals a join indicators i on i.tenant_id = a.tenant_id and i.id = a.indicator_id
      where a.tenant_id = $1 and a.id = $2`,
    [tenantId, actualId],
  );
}

/** The actuals a user entered, newest first (every plan, every status). */
export function listActualsEnteredBy(
  sql: Sql,
  tenantId: string,
  userId: string,
  limit: number,
): Promise<(ActualRow & { code: string; name: string; unit: string })[]> {
  return sql.query(
    `select ${ACTUAL_COLUMNS}, i.code, i.name, i.unit
       from indicator_actuals a join indicators i on i.tenant_id = a.tenant_id and i.id = a.indicator_id
      where a.tenant_id = $1 and a.entered_by = $2 order by a.entered_at desc, a.id limit $3`,
    [tenantId, userId, limit],
  );
}

/** How many pending actuals of a plan others than this user entered (the approver's work list). */
export async function countPendingFor(sql: Sql, tenantId: string, planId: string, userId: string): Promise<number> {
  const row = await sql.one<{ n: number }>(
    `select count(*)::int as n from indicator_actuals a ${INDICATOR_IN_FORCE}
      where a.tenant_id = $1 and i.plan_id = $2 and a.status = 'pending' and (a.entered_by is null or a.entered_by <> $3)`,
    [tenantId, planId, userId],
  );
  return row.n;
}

/** How many of this user's actuals were rejected in the last days (the author's work list). */
export async function countRecentlyRejected(sql: Sql, tenantId: string, userId: string, since: Date): Promise<number> {
  const row = await sql.one<{ n: number }>(
    `select count(*)::int as n from indicator_actuals where tenant_id = $1 and entered_by = $2 and status = 'rejected' and decided_at >= $3`,
    [tenantId, userId, since],
  );
  return row.n;
}

/** The metric names the plan's indicators are bound to (the current plan, or the plan with this code). */
export async function boundMetrics(sql: Sql, tenantId: string, code?: string): Promise<string[]> {
  const rows = await sql.query<{ source_metric: string }>(
    `select distinct i.source_metric from indicators i join plans p on p.tenant_id = i.tenant_id and p.id = i.plan_id
      where i.tenant_id = $1 and i.source_metric is not null and i.retired_at is null and ${code === undefined ? 'p.is_current' : 'p.code = $2'}`,
    code === undefined ? [tenantId] : [tenantId, code],
  );
  return rows.map((r) => r.source_metric);
}
