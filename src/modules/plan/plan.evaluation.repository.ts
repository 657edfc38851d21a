/**
 * 施策評価 — the tables of the fiscal-year evaluation texts and of the published reports
 * (migration 202612031200-plan-evaluation). Plain SQL; the service opens the transactions.
 */
import type { Sql } from '../../core/db/database.ts';

export type EvaluationStatus = 'draft' | 'submitted' | 'approved' | 'returned';

export interface EvaluationRow {
  id: string;
  fiscal_year: number;
  section_code: string;
  /** '' for the section's own summary (節のまとめ). */
  measure_code: string;
  evaluation: string;
  issues: string;
  next_steps: string;
  status: EvaluationStatus;
  entered_by: string | null;
  entered_label: string;
  entered_at: Date;
  decided_by: string | null;
  decided_label: string | null;
  decided_at: Date | null;
  return_reason: string | null;
  approved_evaluation: string | null;
  approved_issues: string | null;
  approved_next_steps: string | null;
  approved_at: Date | null;
}

export interface PublicationRow {
  fiscal_year: number;
  published_at: Date;
  published_label: string;
  snapshot: unknown;
}

const COLUMNS = `id, fiscal_year, section_code, measure_code, evaluation, issues, next_steps, status, entered_by, entered_label,
  entered_at, decided_by, decided_label, decided_at, return_reason, approved_evaluation, approved_issues, approved_next_steps, approved_at`;

/** Every evaluation text of a plan's fiscal year. */
export async function listEvaluations(sql: Sql, tenantId: string, planId: string, fy: number): Promise<EvaluationRow[]> {
  return sql.query<EvaluationRow>(
    `select ${COLUMNS} from plan_evaluations where tenant_id = $1 and plan_id = $2 and fiscal_year = $3 order by section_code, measure_code`,
    [tenantId, planId, fy],
  );
}

/** One subject's text, if any has been written. */
export async function findEvaluation(sql: Sql, tenantId: string, planId: string, fy: number, section: string, measure: string): Promise<EvaluationRow | undefined> {
  const rows = await sql.query<EvaluationRow>(
    `select ${COLUMNS} from plan_evaluations
      where tenant_id = $1 and plan_id = $2 and fiscal_year = $3 and section_code = $4 and measure_code = $5`,
    [tenantId, planId, fy, section, measure],
  );
  return rows[0];
}

/**
 * Writes the working texts as a draft or submitted. A submitted text is locked until it is
 * decided: then nothing is written and undefined comes back. The approved texts are kept.
 */
export async function saveEvaluation(
  sql: Sql,
  tenantId: string,
  e: { planId: string; fy: number; section: string; measure: string; evaluation: string; issues: string; nextSteps: string; status: 'draft' | 'submitted'; by: string; label: string },
): Promise<EvaluationRow | undefined> {
  const rows = await sql.query<EvaluationRow>(
    `insert into plan_evaluations (tenant_id, plan_id, fiscal_year, section_code, measure_code, evaluation, issues, next_steps, status, entered_by, entered_label)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (tenant_id, plan_id, fiscal_year, section_code, measure_code) do update set
       evaluation = excluded.evaluation, issues = excluded.issues, next_steps = excluded.next_steps, status = excluded.status,
       entered_by = excluded.entered_by, entered_label = excluded.entered_label, entered_at = now(),
       decided_by = null, decided_label = null, decided_at = null, return_reason = null
     where plan_evaluations.status <> 'submitted'
     returning ${COLUMNS}`,
    [tenantId, e.planId, e.fy, e.section, e.measure, e.evaluation, e.issues, e.nextSteps, e.status, e.by, e.label],
  );
  return rows[0];
}

/** Approves (the working texts become the approved ones) or returns a submitted text. */
export async function decideEvaluation(
  sql: Sql,
  tenantId: string,
  d: { id: string; status: 'approved' | 'returned'; by: string; label: string; reason: string | null },
): Promise<EvaluationRow | undefined> {
  const approve = d.status === 'approved';
  const rows = await sql.query<EvaluationRow>(
    `update plan_evaluations set status = $3, decided_by = $4, decided_label = $5, decided_at = now(), return_reason = $6,
       approved_evaluation = case when $7 then evaluation else approved_evaluation end,
       approved_issues = case when $7 then issues else approved_issues end,
       approved_next_steps = case when $7 then next_steps else approved_next_steps end,
       approved_at = case when $7 then now() else approved_at end
     where tenant_id = $1 and id = $2 and status = 'submitted' and (entered_by is null or entered_by <> $4)
     returning ${COLUMNS}`,
    [tenantId, d.id, d.status, d.by, d.label, d.reason, approve],
  );
  return rows[0];
}

/** The published report of a fiscal year, if any. */
export async function findPublication(sql: Sql, tenantId: string, planId: string, fy: number): Promise<PublicationRow | undefined> {
  const rows = await sql.query<PublicationRow>(
    'select fiscal_year, published_at, published_label, snapshot from plan_evaluation_publications where tenant_id = $1 and plan_id = $2 and fiscal_year = $3',
    [tenantId, planId, fy],
  );
  return rows[0];
}

/** The fiscal years of a plan whose reports are published, newest first. */
export async function listPublications(sql: Sql, tenantId: string, planId: string): Promise<Omit<PublicationRow, 'snapshot'>[]> {
  return sql.query(
    'select fiscal_year, published_at, published_label from plan_evaluation_publications where tenant_id = $1 and plan_id = $2 order by fiscal_year desc',
    [tenantId, planId],
  );
}

/** Stores the frozen report; false when the year was already published (it is never replaced). */
export async function insertPublication(
  sql: Sql,
  tenantId: string,
  p: { planId: string; fy: number; by: string; label: string; snapshot: unknown },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into plan_evaluation_publications (tenant_id, plan_id, fiscal_year, published_by, published_label, snapshot)
     values ($1, $2, $3, $4, $5, $6::jsonb) on conflict do nothing returning fiscal_year`,
    [tenantId, p.planId, p.fy, p.by, p.label, JSON.stringify(p.snapshot)],
  );
  return rows.length === 1;
}

/**
 * Serialises text changes against publishing a plan's year: writers hold the plan row FOR
 * SHARE, publishing holds it FOR NO KEY UPDATE, so no text is written into a year while it is
 * being published (on PostgreSQL's read committed, the publication is then seen).
 */
export async function lockPlan(sql: Sql, tenantId: string, planId: string, mode: 'write' | 'publish'): Promise<void> {
  await sql.query(`select 1 from plans where tenant_id = $1 and id = $2 for ${mode === 'publish' ? 'no key update' : 'share'}`, [tenantId, planId]);
}
