/** SQL of the series: entered values and their approval. */
import type { Sql } from '../../core/db/database.ts';

export const SERIES_NAMES = ['population', 'ordinaryDebt', 'staffCount'] as const;
export type SeriesName = (typeof SERIES_NAMES)[number];
export type ValueState = 'pending' | 'approved' | 'rejected' | 'superseded';

export interface SeriesValue {
  id: string;
  series: SeriesName;
  asOf: string;
  value: number;
  note: string | null;
  source: string | null;
  state: ValueState;
  enteredBy: string | null;
  enteredLabel: string;
  decidedLabel: string | null;
  decisionNote: string | null;
  isDemo: boolean;
}

const COLUMNS = `id, series, as_of as "asOf", value, note, source, state, entered_by as "enteredBy", entered_label as "enteredLabel",
  decided_label as "decidedLabel", decision_note as "decisionNote", is_demo as "isDemo"`;

type Row = Omit<SeriesValue, 'value'> & { value: string };
const toValue = (r: Row): SeriesValue => ({ ...r, value: Number(r.value) });

export interface NewValue {
  series: SeriesName;
  asOf: string;
  value: number;
  note: string | null;
  source: string | null;
}

export async function insertValue(tx: Sql, tenantId: string, v: NewValue, by: { id: string | null; label: string }, options: { approved?: boolean; demo?: boolean } = {}): Promise<SeriesValue> {
  const approved = options.approved ?? false;
  const row = await tx.one<Row>(
    `insert into series_values (tenant_id, series, as_of, value, note, source, state, entered_by, entered_label, decided_by, decided_label, decided_at, is_demo)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning ${COLUMNS}`,
    [tenantId, v.series, v.asOf, v.value, v.note, v.source, approved ? 'approved' : 'pending', by.id, by.label, approved ? by.id : null, approved ? by.label : null, approved ? new Date() : null, options.demo ?? false],
  );
  return toValue(row);
}

export async function findValue(sql: Sql, tenantId: string, id: string): Promise<SeriesValue | undefined> {
  const r = await sql.maybeOne<Row>(`select ${COLUMNS} from series_values where tenant_id = $1 and id = $2`, [tenantId, id]);
  return r ? toValue(r) : undefined;
}

/** Approves a pending value; the approved one it replaces (same series and date) becomes superseded. */
export async function approveValue(tx: Sql, tenantId: string, v: SeriesValue, by: { id: string; label: string }): Promise<boolean> {
  await tx.query(
    `update series_values set state = 'superseded' where tenant_id = $1 and series = $2 and as_of = $3 and state = 'approved'`,
    [tenantId, v.series, v.asOf],
  );
  const rows = await tx.query(
    `update series_values set state = 'approved', decided_by = $3, decided_label = $4, decided_at = now() where tenant_id = $1 and id = $2 and state = 'pending' returning id`,
    [tenantId, v.id, by.id, by.label],
  );
  return rows.length === 1;
}

export async function rejectValue(tx: Sql, tenantId: string, id: string, by: { id: string; label: string }, reason: string): Promise<boolean> {
  const rows = await tx.query(
    `update series_values set state = 'rejected', decided_by = $3, decided_label = $4, decided_at = now(), decision_note = $5
     where tenant_id = $1 and id = $2 and state = 'pending' returning id`,
    [tenantId, id, by.id, by.label, reason],
  );
  return rows.length === 1;
}

/** Approved values of the series (all series when none is named), oldest first. */
export async function approvedValues(sql: Sql, tenantId: string, series?: SeriesName): Promise<SeriesValue[]> {
  const rows = await sql.query<Row>(
    `select ${COLUMNS} from series_values where tenant_id = $1 and state = 'approved' ${series ? 'and series = $2' : ''} order by series, as_of`,
    series ? [tenantId, series] : [tenantId],
  );
  return rows.map(toValue);
}

export async function pendingValues(sql: Sql, tenantId: string): Promise<SeriesValue[]> {
  const rows = await sql.query<Row>(`select ${COLUMNS} from series_values where tenant_id = $1 and state = 'pending' order by series, as_of, entered_at`, [tenantId]);
  return rows.map(toValue);
}

export async function countPending(sql: Sql, tenantId: string): Promise<number> {
  return (await sql.one<{ n: number }>(`select count(*)::int as n from series_values where tenant_id = $1 and state = 'pending'`, [tenantId])).n;
}
