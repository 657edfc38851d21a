/**
 * The proposals module's SQL. Every query names the tenant; rows come back as domain objects
 * (camelCase). The service opens the transactions and hands them down.
 */
import type { Sql } from '../../core/db/database.ts';
import { searchCondition } from '../../core/search.ts';
import type { AnswerState, Channel, Decision, DeclineGround, Status } from './proposals.workflow.ts';

export interface Proposal {
  id: string;
  fiscalYear: number | null;
  seq: number | null;
  number: string | null;
  status: Status;
  channel: Channel;
  title: string;
  body: string;
  sectionCode: string | null;
  area: string | null;
  wantsPublic: boolean;
  proposerId: string | null;
  proposerSealed: string;
  enteredBy: string | null;
  receivedOn: string | null;
  answerDueOn: string | null;
  dueExtendedOn: string | null;
  dueExtendedReason: string | null;
  departmentCode: string | null;
  assignedOn: string | null;
  decision: Decision | null;
  answerText: string | null;
  answerState: AnswerState;
  answeredOn: string | null;
  implementedOn: string | null;
  implementationNote: string | null;
  withdrawnOn: string | null;
  declinedOn: string | null;
  declineGround: DeclineGround | null;
  declineNote: string | null;
  moderation: 'pending' | 'published' | 'rejected';
  moderationReason: string | null;
  publicTitle: string | null;
  publicBody: string | null;
  hiddenAt: Date | null;
  hiddenReason: string | null;
  isDemo: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** 賛同の数. */
  supports: number;
}

interface ProposalRow {
  id: string;
  fiscal_year: number | null;
  seq: number | null;
  number: string | null;
  status: Status;
  channel: Channel;
  title: string;
  body: string;
  section_code: string | null;
  area: string | null;
  wants_public: boolean;
  proposer_id: string | null;
  proposer_sealed: string;
  entered_by: string | null;
  received_on: string | null;
  answer_due_on: string | null;
  due_extended_on: string | null;
  due_extended_reason: string | null;
  department_code: string | null;
  assigned_on: string | null;
  decision: Decision | null;
  answer_text: string | null;
  answer_state: AnswerState;
  answered_on: string | null;
  implemented_on: string | null;
  implementation_note: string | null;
  withdrawn_on: string | null;
  declined_on: string | null;
  decline_ground: DeclineGround | null;
  decline_note: string | null;
  moderation: 'pending' | 'published' | 'rejected';
  moderation_reason: string | null;
  public_title: string | null;
  public_body: string | null;
  hidden_at: Date | null;
  hidden_reason: string | null;
  is_demo: boolean;
  created_at: Date;
  updated_at: Date;
  supports: number;
}

function toProposal(r: ProposalRow): Proposal {
  return {
    id: r.id,
    fiscalYear: r.fiscal_year,
    seq: r.seq,
    number: r.number,
    status: r.status,
    channel: r.channel,
    title: r.title,
    body: r.body,
    sectionCode: r.section_code,
    area: r.area,
    wantsPublic: r.wants_public,
    proposerId: r.proposer_id,
    proposerSealed: r.proposer_sealed,
    enteredBy: r.entered_by,
    receivedOn: r.received_on,
    answerDueOn: r.answer_due_on,
    dueExtendedOn: r.due_extended_on,
    dueExtendedReason: r.due_extended_reason,
    departmentCode: r.department_code,
    assignedOn: r.assigned_on,
    decision: r.decision,
    answerText: r.answer_text,
    answerState: r.answer_state,
    answeredOn: r.answered_on,
    implementedOn: r.implemented_on,
    implementationNote: r.implementation_note,
    withdrawnOn: r.withdrawn_on,
    declinedOn: r.declined_on,
    declineGround: r.decline_ground,
    declineNote: r.decline_note,
    moderation: r.moderation,
    moderationReason: r.moderation_reason,
    publicTitle: r.public_title,
    publicBody: r.public_body,
    hiddenAt: r.hidden_at,
    hiddenReason: r.hidden_reason,
    isDemo: r.is_demo,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    supports: Number(r.supports),
  };
}

const COLUMNS = `p.id, p.fiscal_year, p.seq, p.number, p.status, p.channel, p.title, p.body, p.section_code, p.area,
  p.wants_public, p.proposer_id, p.proposer_sealed, p.entered_by, p.received_on, p.answer_due_on, p.due_extended_on,
  p.due_extended_reason, p.department_code, p.assigned_on, p.decision, p.answer_text, p.answer_state, p.answered_on,
  p.implemented_on, p.implementation_note, p.withdrawn_on, p.declined_on, p.decline_ground, p.decline_note,
  p.moderation, p.moderation_reason, p.public_title, p.public_body, p.hidden_at, p.hidden_reason, p.is_demo,
  p.created_at, p.updated_at,
  (select count(*) from proposal_supports s where s.tenant_id = p.tenant_id and s.proposal_id = p.id) as supports`;

/** Shown publicly: moderated and published with the proposer's consent, not hidden, not closed unanswered. */
export const PUBLIC_CONDITION = `p.moderation = 'published' and p.wants_public and p.hidden_at is null
  and p.status in ('received', 'assigned', 'answered', 'implemented')`;

/** The state as the public and the proposer see it (an unapproved answer is not given yet). */
const VISIBLE_STATUS = `(case when p.status = 'answered' and p.answer_state <> 'approved' then 'assigned' else p.status end)`;

/** Still owed an answer. */
const AWAITING = `(p.status in ('received', 'assigned') or (p.status = 'answered' and p.answer_state = 'submitted'))`;

// ---------------------------------------------------------------------------------------------
// Numbers

/** The next number of the fiscal year (inside the submitting transaction): an atomic upsert. */
export async function allocateSeq(tx: Sql, tenantId: string, fiscalYear: number): Promise<number> {
  const row = await tx.one<{ last_number: number }>(
    `insert into proposal_counters as c (tenant_id, fiscal_year, last_number) values ($1, $2, 1)
     on conflict (tenant_id, fiscal_year) do update set last_number = c.last_number + 1
     returning last_number`,
    [tenantId, fiscalYear],
  );
  return row.last_number;
}

// ---------------------------------------------------------------------------------------------
// Proposals

export interface NewProposal {
  status: 'draft' | 'received';
  channel: Channel;
  title: string;
  body: string;
  sectionCode: string | null;
  area: string | null;
  wantsPublic: boolean;
  proposerId: string | null;
  proposerSealed: string;
  enteredBy: string | null;
  fiscalYear: number | null;
  seq: number | null;
  number: string | null;
  receivedOn: string | null;
  answerDueOn: string | null;
  isDemo?: boolean;
  now: Date;
}

export async function insertProposal(tx: Sql, tenantId: string, p: NewProposal): Promise<Proposal> {
  const row = await tx.one<{ id: string }>(
    `insert into proposals (tenant_id, status, channel, title, body, section_code, area, wants_public, proposer_id,
       proposer_sealed, entered_by, fiscal_year, seq, number, received_on, answer_due_on, is_demo, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) returning id`,
    [
      tenantId,
      p.status,
      p.channel,
      p.title,
      p.body,
      p.sectionCode,
      p.area,
      p.wantsPublic,
      p.proposerId,
      p.proposerSealed,
      p.enteredBy,
      p.fiscalYear,
      p.seq,
      p.number,
      p.receivedOn,
      p.answerDueOn,
      p.isDemo ?? false,
      p.now,
    ],
  );
  return (await findById(tx, tenantId, row.id))!;
}

/** The columns an action may change, by their domain names. */
const PATCHABLE = {
  status: 'status',
  title: 'title',
  body: 'body',
  sectionCode: 'section_code',
  area: 'area',
  wantsPublic: 'wants_public',
  fiscalYear: 'fiscal_year',
  seq: 'seq',
  number: 'number',
  receivedOn: 'received_on',
  answerDueOn: 'answer_due_on',
  dueExtendedOn: 'due_extended_on',
  dueExtendedReason: 'due_extended_reason',
  departmentCode: 'department_code',
  assignedOn: 'assigned_on',
  decision: 'decision',
  answerText: 'answer_text',
  answerState: 'answer_state',
  answerSubmittedAt: 'answer_submitted_at',
  answeredOn: 'answered_on',
  answerApprovedBy: 'answer_approved_by',
  implementedOn: 'implemented_on',
  implementationNote: 'implementation_note',
  withdrawnOn: 'withdrawn_on',
  declinedOn: 'declined_on',
  declineGround: 'decline_ground',
  declineNote: 'decline_note',
  moderation: 'moderation',
  moderationReason: 'moderation_reason',
  moderatedAt: 'moderated_at',
  publicTitle: 'public_title',
  publicBody: 'public_body',
  hiddenAt: 'hidden_at',
  hiddenReason: 'hidden_reason',
  searchText: 'search_text',
  searchGrams: 'search_grams',
} as const;

export type ProposalPatch = Partial<Record<keyof typeof PATCHABLE, unknown>>;

/**
 * Changes a proposal's columns, only while it is still in `expected` state (the caller holds
 * the row locked; the condition makes a lost race a no-op rather than a wrong write).
 */
export async function updateProposal(tx: Sql, tenantId: string, id: string, expected: Status, patch: ProposalPatch, now: Date): Promise<boolean> {
  const sets: string[] = [];
  const params: unknown[] = [tenantId, id, expected, now];
  for (const [key, value] of Object.entries(patch)) {
    const column = PATCHABLE[key as keyof typeof PATCHABLE];
    if (!column) throw new Error(`not a proposal column: ${key}`);
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const rows = await tx.query(
    `update proposals set ${sets.join(', ')}, updated_at = $4 where tenant_id = $1 and id = $2 and status = $3 returning 1`,
    params,
  );
  return rows.length === 1;
}

export async function deleteDraft(tx: Sql, tenantId: string, id: string): Promise<void> {
  await tx.query(`delete from proposals where tenant_id = $1 and id = $2 and status = 'draft'`, [tenantId, id]);
}

export async function findById(sql: Sql, tenantId: string, id: string): Promise<Proposal | undefined> {
  const row = await sql.maybeOne<ProposalRow>(`select ${COLUMNS} from proposals p where p.tenant_id = $1 and p.id = $2`, [tenantId, id]);
  return row && toProposal(row);
}

export async function findByNumber(sql: Sql, tenantId: string, number: string): Promise<Proposal | undefined> {
  const row = await sql.maybeOne<ProposalRow>(`select ${COLUMNS} from proposals p where p.tenant_id = $1 and p.number = $2`, [tenantId, number]);
  return row && toProposal(row);
}

/** Locks the proposal's row for the rest of the transaction (one action at a time). */
export async function lockById(tx: Sql, tenantId: string, id: string): Promise<boolean> {
  const rows = await tx.query('select 1 from proposals where tenant_id = $1 and id = $2 for update', [tenantId, id]);
  return rows.length === 1;
}

export async function lockByNumber(tx: Sql, tenantId: string, number: string): Promise<Proposal | undefined> {
  const locked = await tx.maybeOne<{ id: string }>('select id from proposals where tenant_id = $1 and number = $2 for update', [tenantId, number]);
  return locked && findById(tx, tenantId, locked.id);
}

/** The public list: published proposals only, newest first, with the filters. */
export async function listPublic(
  sql: Sql,
  tenantId: string,
  filter: {
    terms: { words: string[]; grams: string[] } | null;
    status?: Status | undefined;
    decision?: Decision | undefined;
    section?: string | undefined;
    fiscalYear?: number | undefined;
    limit: number;
    offset: number;
  },
): Promise<{ total: number; items: Proposal[] }> {
  const params: unknown[] = [tenantId];
  const where = ['p.tenant_id = $1', PUBLIC_CONDITION];
  if (filter.terms) where.push(searchCondition(filter.terms, params, 'p'));
  if (filter.status) {
    params.push(filter.status);
    where.push(`${VISIBLE_STATUS} = $${params.length}`);
  }
  if (filter.decision) {
    params.push(filter.decision);
    where.push(`p.answer_state = 'approved' and p.decision = $${params.length}`);
  }
  if (filter.section) {
    params.push(filter.section);
    where.push(`p.section_code = $${params.length}`);
  }
  if (filter.fiscalYear !== undefined) {
    params.push(filter.fiscalYear);
    where.push(`p.fiscal_year = $${params.length}`);
  }
  const condition = where.join(' and ');
  const total = await sql.one<{ n: number }>(`select count(*) as n from proposals p where ${condition}`, params);
  const rows = await sql.query<ProposalRow>(
    `select ${COLUMNS} from proposals p where ${condition}
      order by p.received_on desc, p.fiscal_year desc, p.seq desc limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, filter.limit, filter.offset],
  );
  return { total: Number(total.n), items: rows.map(toProposal) };
}

/** Every public proposal (open data), oldest first. */
export async function listAllPublic(sql: Sql, tenantId: string): Promise<Proposal[]> {
  const rows = await sql.query<ProposalRow>(
    `select ${COLUMNS} from proposals p where p.tenant_id = $1 and ${PUBLIC_CONDITION} order by p.fiscal_year, p.seq`,
    [tenantId],
  );
  return rows.map(toProposal);
}

/** The proposer's own proposals and drafts, newest first. */
export async function listOwn(sql: Sql, tenantId: string, userId: string): Promise<Proposal[]> {
  const rows = await sql.query<ProposalRow>(
    `select ${COLUMNS} from proposals p where p.tenant_id = $1 and p.proposer_id = $2 order by p.created_at desc limit 500`,
    [tenantId, userId],
  );
  return rows.map(toProposal);
}

export interface InboxFilter {
  /** Only this department's proposals (null: every department's). */
  departmentCode: string | null;
  /** Only proposals no department has yet (status received). */
  unassignedOnly: boolean;
  status?: Status | undefined;
  /** Only overdue ones, as of this day. */
  overdueOn?: string | undefined;
  /** Only answers awaiting the plan manager's approval. */
  awaitingApproval?: boolean;
  limit: number;
  offset: number;
}

/** The staff inbox. */
export async function listInbox(sql: Sql, tenantId: string, f: InboxFilter): Promise<{ total: number; items: Proposal[] }> {
  const params: unknown[] = [tenantId];
  const where = [`p.tenant_id = $1`, `p.status <> 'draft'`];
  if (f.departmentCode !== null) {
    params.push(f.departmentCode);
    where.push(`p.department_code = $${params.length}`);
  }
  if (f.unassignedOnly) where.push(`p.status = 'received'`);
  if (f.status) {
    params.push(f.status);
    where.push(`p.status = $${params.length}`);
  }
  if (f.overdueOn) {
    params.push(f.overdueOn);
    where.push(`${AWAITING} and p.answer_due_on < $${params.length}::date`);
  }
  if (f.awaitingApproval) where.push(`p.status = 'answered' and p.answer_state = 'submitted'`);
  const condition = where.join(' and ');
  const total = await sql.one<{ n: number }>(`select count(*) as n from proposals p where ${condition}`, params);
  const rows = await sql.query<ProposalRow>(
    `select ${COLUMNS} from proposals p where ${condition}
      order by p.answer_due_on nulls last, p.received_on, p.seq limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, f.limit, f.offset],
  );
  return { total: Number(total.n), items: rows.map(toProposal) };
}

/** Proposals marked public that wait for moderation, oldest first. */
export async function listAwaitingModeration(sql: Sql, tenantId: string): Promise<Proposal[]> {
  const rows = await sql.query<ProposalRow>(
    `select ${COLUMNS} from proposals p
      where p.tenant_id = $1 and p.wants_public and p.moderation = 'pending' and p.status in ('received', 'assigned', 'answered', 'implemented')
      order by p.received_on, p.seq limit 500`,
    [tenantId],
  );
  return rows.map(toProposal);
}

/** What waits on staff, in one query: counts for the work items. */
export async function workCounts(sql: Sql, tenantId: string, departmentCode: string | null, today: string) {
  const row = await sql.one<{
    unassigned: number;
    department_open: number;
    awaiting_approval: number;
    awaiting_moderation: number;
    overdue_all: number;
    overdue_department: number;
    open_reports: number;
  }>(
    `select
       count(*) filter (where p.status = 'received') as unassigned,
       count(*) filter (where p.status = 'assigned' and p.department_code = $2) as department_open,
       count(*) filter (where p.status = 'answered' and p.answer_state = 'submitted') as awaiting_approval,
       count(*) filter (where p.wants_public and p.moderation = 'pending' and p.status in ('received', 'assigned', 'answered', 'implemented')) as awaiting_moderation,
       count(*) filter (where ${AWAITING} and p.answer_due_on < $3::date) as overdue_all,
       count(*) filter (where ${AWAITING} and p.answer_due_on < $3::date and p.department_code = $2) as overdue_department,
       (select count(*) from proposal_reports r where r.tenant_id = $1 and r.resolved_at is null) as open_reports
     from proposals p where p.tenant_id = $1`,
    [tenantId, departmentCode, today],
  );
  return {
    unassigned: Number(row.unassigned),
    departmentOpen: Number(row.department_open),
    awaitingApproval: Number(row.awaiting_approval),
    awaitingModeration: Number(row.awaiting_moderation),
    overdueAll: Number(row.overdue_all),
    overdueDepartment: Number(row.overdue_department),
    openReports: Number(row.open_reports),
  };
}

// ---------------------------------------------------------------------------------------------
// History

export interface ProposalEvent {
  id: number;
  kind: string;
  at: Date;
  onDate: string;
  departmentCode: string | null;
  note: string | null;
  forProposer: boolean;
}

export async function insertEvent(
  tx: Sql,
  tenantId: string,
  proposalId: string,
  e: { kind: string; at: Date; onDate: string; departmentCode?: string | null; note?: string | null; forProposer: boolean },
): Promise<void> {
  await tx.query(
    `insert into proposal_events (tenant_id, proposal_id, at, on_date, kind, department_code, note, for_proposer)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tenantId, proposalId, e.at, e.onDate, e.kind, e.departmentCode ?? null, e.note ?? null, e.forProposer],
  );
}

export async function listEvents(sql: Sql, tenantId: string, proposalId: string): Promise<ProposalEvent[]> {
  const rows = await sql.query<{ id: number; kind: string; at: Date; on_date: string; department_code: string | null; note: string | null; for_proposer: boolean }>(
    'select id, kind, at, on_date, department_code, note, for_proposer from proposal_events where tenant_id = $1 and proposal_id = $2 order by id',
    [tenantId, proposalId],
  );
  return rows.map((r) => ({ id: Number(r.id), kind: r.kind, at: r.at, onDate: r.on_date, departmentCode: r.department_code, note: r.note, forProposer: r.for_proposer }));
}

// ---------------------------------------------------------------------------------------------
// Supports and reports

/** Adds the account's support; false when it had already supported the proposal. */
export async function insertSupport(tx: Sql, tenantId: string, proposalId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `insert into proposal_supports (tenant_id, proposal_id, user_id, created_at) values ($1, $2, $3, $4)
     on conflict do nothing returning 1`,
    [tenantId, proposalId, userId, now],
  );
  return rows.length === 1;
}

export async function countSupports(sql: Sql, tenantId: string, proposalId: string): Promise<number> {
  const row = await sql.one<{ n: number }>('select count(*) as n from proposal_supports where tenant_id = $1 and proposal_id = $2', [tenantId, proposalId]);
  return Number(row.n);
}

export async function hasSupported(sql: Sql, tenantId: string, proposalId: string, userId: string): Promise<boolean> {
  const rows = await sql.query('select 1 from proposal_supports where tenant_id = $1 and proposal_id = $2 and user_id = $3', [tenantId, proposalId, userId]);
  return rows.length === 1;
}

/** Files a report; false when this account already has an open report on the proposal. */
export async function insertReport(tx: Sql, tenantId: string, proposalId: string, reporterId: string, reason: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `insert into proposal_reports (tenant_id, proposal_id, reporter_id, reason, created_at) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, proposal_id, reporter_id) where resolved_at is null do nothing returning 1`,
    [tenantId, proposalId, reporterId, reason, now],
  );
  return rows.length === 1;
}

export interface OpenReport {
  id: string;
  proposalId: string;
  number: string;
  title: string;
  reason: string;
  createdAt: Date;
}

export async function listOpenReports(sql: Sql, tenantId: string, proposalId?: string): Promise<OpenReport[]> {
  const rows = await sql.query<{ id: string; proposal_id: string; number: string; title: string; reason: string; created_at: Date }>(
    `select r.id, r.proposal_id, p.number, coalesce(p.public_title, p.title) as title, r.reason, r.created_at
       from proposal_reports r join proposals p on p.tenant_id = r.tenant_id and p.id = r.proposal_id
      where r.tenant_id = $1 and r.resolved_at is null ${proposalId ? 'and r.proposal_id = $2' : ''}
      order by r.created_at limit 500`,
    proposalId ? [tenantId, proposalId] : [tenantId],
  );
  return rows.map((r) => ({ id: r.id, proposalId: r.proposal_id, number: r.number, title: r.title, reason: r.reason, createdAt: r.created_at }));
}

/** Closes every open report of the proposal; returns how many. */
export async function resolveReports(tx: Sql, tenantId: string, proposalId: string, resolution: 'hidden' | 'dismissed', by: string, now: Date): Promise<number> {
  const rows = await tx.query(
    `update proposal_reports set resolved_at = $4, resolution = $3, resolved_by = $5
      where tenant_id = $1 and proposal_id = $2 and resolved_at is null returning 1`,
    [tenantId, proposalId, resolution, now, by],
  );
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// Attachments

export interface Attachment {
  fileId: string;
  position: number;
  filename: string;
  mediaType: string;
  byteSize: number;
}

export async function insertAttachment(tx: Sql, tenantId: string, proposalId: string, fileId: string, position: number): Promise<void> {
  await tx.query('insert into proposal_attachments (tenant_id, proposal_id, file_id, position) values ($1, $2, $3, $4)', [
    tenantId,
    proposalId,
    fileId,
    position,
  ]);
}

export async function listAttachments(sql: Sql, tenantId: string, proposalId: string): Promise<Attachment[]> {
  const rows = await sql.query<{ file_id: string; position: number; filename: string; media_type: string; byte_size: number }>(
    `select a.file_id, a.position, f.filename, f.media_type, f.byte_size
       from proposal_attachments a join stored_files f on f.tenant_id = a.tenant_id and f.id = a.file_id
      where a.tenant_id = $1 and a.proposal_id = $2 order by a.position`,
    [tenantId, proposalId],
  );
  return rows.map((r) => ({ fileId: r.file_id, position: r.position, filename: r.filename, mediaType: r.media_type, byteSize: Number(r.byte_size) }));
}

/** The proposal an attachment belongs to, if any. */
export async function attachmentOwner(sql: Sql, tenantId: string, fileId: string): Promise<string | undefined> {
  const row = await sql.maybeOne<{ proposal_id: string }>('select proposal_id from proposal_attachments where tenant_id = $1 and file_id = $2', [tenantId, fileId]);
  return row?.proposal_id;
}

// ---------------------------------------------------------------------------------------------
// Statistics and the metric

export interface YearStatistics {
  fiscalYear: number;
  received: number;
  declined: number;
  withdrawn: number;
  answered: number;
  implemented: number;
  decisions: Record<Decision, number>;
  demo: boolean;
}

/**
 * 年度別の件数: received by the year of receipt, answered by the year the answer was
 * published (with its decision), implemented by the year of implementation.
 */
export async function yearlyStatistics(sql: Sql, tenantId: string): Promise<YearStatistics[]> {
  const rows = await sql.query<{ fy: number; kind: string; decision: Decision | null; n: number; demo: boolean }>(
    `select fiscal_year as fy, 'received' as kind, null as decision, count(*) as n, bool_or(is_demo) as demo
       from proposals where tenant_id = $1 and status <> 'draft' group by fiscal_year
     union all
     select fiscal_year, status, null, count(*), bool_or(is_demo)
       from proposals where tenant_id = $1 and status in ('declined', 'withdrawn') group by fiscal_year, status
     union all
     select (case when extract(month from answered_on) >= 4 then extract(year from answered_on) else extract(year from answered_on) - 1 end)::int,
            'answered', decision, count(*), bool_or(is_demo)
       from proposals where tenant_id = $1 and answer_state = 'approved' group by 1, decision
     union all
     select (case when extract(month from implemented_on) >= 4 then extract(year from implemented_on) else extract(year from implemented_on) - 1 end)::int,
            'implemented', null, count(*), bool_or(is_demo)
       from proposals where tenant_id = $1 and status = 'implemented' group by 1`,
    [tenantId],
  );
  const years = new Map<number, YearStatistics>();
  const yearOf = (fy: number) => {
    let y = years.get(fy);
    if (!y) {
      y = {
        fiscalYear: fy,
        received: 0,
        declined: 0,
        withdrawn: 0,
        answered: 0,
        implemented: 0,
        decisions: { adopt: 0, partly_adopt: 0, consider: 0, not_adopt: 0, reference: 0 },
        demo: false,
      };
      years.set(fy, y);
    }
    return y;
  };
  for (const r of rows) {
    const y = yearOf(Number(r.fy));
    const n = Number(r.n);
    y.demo ||= r.demo;
    if (r.kind === 'received') y.received += n;
    else if (r.kind === 'declined') y.declined += n;
    else if (r.kind === 'withdrawn') y.withdrawn += n;
    else if (r.kind === 'implemented') y.implemented += n;
    else if (r.kind === 'answered') {
      y.answered += n;
      if (r.decision) y.decisions[r.decision] += n;
    }
  }
  return [...years.values()].sort((a, b) => b.fiscalYear - a.fiscalYear);
}

/** What the metric needs: every implementation date, and the first fiscal year holding a proposal. */
export async function implementationFacts(sql: Sql, tenantId: string): Promise<{ firstFiscalYear: number | null; implemented: { implementedOn: string; isDemo: boolean }[] }> {
  const first = await sql.one<{ fy: number | null }>(`select min(fiscal_year) as fy from proposals where tenant_id = $1 and status <> 'draft'`, [tenantId]);
  const rows = await sql.query<{ implemented_on: string; is_demo: boolean }>(
    `select implemented_on, is_demo from proposals where tenant_id = $1 and status = 'implemented'`,
    [tenantId],
  );
  return {
    firstFiscalYear: first.fy === null ? null : Number(first.fy),
    implemented: rows.map((r) => ({ implementedOn: r.implemented_on, isDemo: r.is_demo })),
  };
}

/** A plan section's public proposals: counts by visible state. */
export async function sectionCounts(sql: Sql, tenantId: string, sectionCode: string): Promise<{ status: Status; n: number; demo: boolean }[]> {
  const rows = await sql.query<{ status: Status; n: number; demo: boolean }>(
    `select ${VISIBLE_STATUS} as status, count(*) as n, bool_or(p.is_demo) as demo from proposals p
      where p.tenant_id = $1 and p.section_code = $2 and ${PUBLIC_CONDITION} group by 1`,
    [tenantId, sectionCode],
  );
  return rows.map((r) => ({ status: r.status, n: Number(r.n), demo: r.demo }));
}

/** True when the tenant holds any demo proposal (idempotent seeding). */
export async function hasDemoProposals(sql: Sql, tenantId: string): Promise<boolean> {
  return (await sql.query('select 1 from proposals where tenant_id = $1 and is_demo limit 1', [tenantId])).length > 0;
}
