/** SQL for editing a plan in place (the plan module's tables only). The caller holds the transaction. */
import type { Sql } from '../../core/db/database.ts';
import type { IndicatorDoc, SectionDoc } from './plan.editing.ts';
import { insertIndicator as insertIndicatorRow, updateIndicator as updateIndicatorRow, writeSectionContents } from './plan.repository.ts';

/** Locks the plan's row so two editors take their turn (each validates the plan as the other left it). */
export function lockPlan(tx: Sql, tenantId: string, code: string): Promise<{ id: string } | undefined> {
  return tx.maybeOne('select id from plans where tenant_id = $1 and code = $2 for update', [tenantId, code]);
}

export async function updatePlanHeader(
  tx: Sql,
  tenantId: string,
  planId: string,
  h: { title: string; titleEn?: string | undefined; startFiscalYear: number; endFiscalYear: number },
): Promise<void> {
  await tx.query('update plans set title = $3, title_en = $4, start_fiscal_year = $5, end_fiscal_year = $6 where tenant_id = $1 and id = $2', [
    tenantId, planId, h.title, h.titleEn ?? null, h.startFiscalYear, h.endFiscalYear,
  ]);
}

/** Writes a section's texts, glossary and measures (the glossary and measures are replaced whole). */
export async function writeSection(tx: Sql, tenantId: string, sectionId: string, s: SectionDoc): Promise<void> {
  await writeSectionContents(tx, tenantId, sectionId, s);
}

/** A new section at the end of its chapter; its id. */
export async function insertSection(tx: Sql, tenantId: string, planId: string, chapterId: string, code: string): Promise<string> {
  const row = await tx.one<{ id: string }>(
    `insert into plan_sections (tenant_id, plan_id, chapter_id, code, title, position)
     values ($1, $2, $3, $4, $4, (select coalesce(max(position), -1) + 1 from plan_sections where tenant_id = $1 and chapter_id = $3))
     returning id`,
    [tenantId, planId, chapterId, code],
  );
  return row.id;
}

/** Rewrites an indicator's texts and figures (its code and place stay). */
export async function updateIndicator(tx: Sql, tenantId: string, indicatorId: string, ind: IndicatorDoc): Promise<void> {
  await updateIndicatorRow(tx, tenantId, indicatorId, ind);
}

/** A new indicator at the end of its section. */
export async function insertIndicator(tx: Sql, tenantId: string, planId: string, sectionId: string, ind: IndicatorDoc): Promise<void> {
  await insertIndicatorRow(tx, tenantId, planId, sectionId, ind);
}

export async function retire(tx: Sql, tenantId: string, table: 'plan_sections' | 'indicators', id: string, at: Date): Promise<void> {
  await tx.query(`update ${table} set retired_at = $3 where tenant_id = $1 and id = $2 and retired_at is null`, [tenantId, id, at]);
}

/** Codes taken in the plan, retired ones included (a code is never reused). */
export async function codeTaken(tx: Sql, tenantId: string, planId: string, table: 'plan_sections' | 'indicators', code: string): Promise<boolean> {
  const row = await tx.maybeOne(`select 1 from ${table} where tenant_id = $1 and plan_id = $2 and code = $3`, [tenantId, planId, code]);
  return row !== undefined;
}

export interface ChangeRow {
  at: Date;
  actor_label: string;
  action: 'create' | 'edit' | 'retire';
  entity_type: 'plan' | 'section' | 'indicator';
  entity_code: string;
  before: unknown;
  after: unknown;
}

export async function insertChange(
  tx: Sql,
  tenantId: string,
  planId: string,
  c: { actorId: string | null; actorLabel: string; action: ChangeRow['action']; entityType: ChangeRow['entity_type']; entityCode: string; before: unknown; after: unknown },
): Promise<void> {
  await tx.query(
    `insert into plan_changes (tenant_id, plan_id, actor_id, actor_label, action, entity_type, entity_code, before, after)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    [tenantId, planId, c.actorId, c.actorLabel, c.action, c.entityType, c.entityCode,
      c.before === undefined ? null : JSON.stringify(c.before), c.after === undefined ? null : JSON.stringify(c.after)],
  );
}

/** The plan's changes, newest first. */
export function listChanges(sql: Sql, tenantId: string, planId: string, limit: number): Promise<ChangeRow[]> {
  return sql.query<ChangeRow>(
    `select at, actor_label, action, entity_type, entity_code, before, after from plan_changes
      where tenant_id = $1 and plan_id = $2 order by at desc, id limit $3`,
    [tenantId, planId, limit],
  );
}
