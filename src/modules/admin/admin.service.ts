/**
 * Administration of a municipality: its names and host names, every module's settings, its
 * departments (added, renamed, retired, reinstated), and the scheduler's jobs. Every change
 * is audited; a change to what public pages show bumps the tenant's scope.
 */
import { appendAudit, latestAnchor, sealAuditLog, verifyAuditChain, type ChainReport } from '../../core/audit.ts';
import type { Config } from '../../core/config.ts';
import type { AuthUser } from '../../core/auth.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import type { Db } from '../../core/db/database.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { translate, type Lang } from '../../core/i18n.ts';
import { TENANT_SCOPE } from '../../core/public-read.ts';
import { listJobRuns, listJobs } from '../../core/scheduler.ts';
import type { SettingDefinition, SettingsRegistry, SettingValue } from '../../core/settings.ts';
import {
  createDepartment,
  DEPARTMENT_CODE_RE,
  findDepartment,
  isHostname,
  listDepartments,
  renameDepartment,
  setDepartmentRetired,
  tenantProfile,
  updateTenant,
  type Tenant,
} from '../../core/tenancy.ts';
import './admin.messages.ts';

export const NAME_MAX = 100;
const MAX_HOSTS = 20;

/** The municipality's profile and every setting with its current value. */
export async function municipalityOverview(db: Db, settings: SettingsRegistry, tenant: Tenant) {
  const [profile, values] = await Promise.all([tenantProfile(db, tenant.id), settings.all(db, tenant.id)]);
  if (!profile) throw new AppError('not_found');
  return { profile, settings: settings.list().map((d) => ({ definition: d, value: values.get(d.key)! })) };
}

/** Names as typed: trimmed, required, bounded; errors under the given path. */
function nameOf(raw: unknown, path: string, lang: Lang, errors: FieldError[]): string {
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!s) errors.push({ path, message: translate(lang, 'admin.error.nameRequired') });
  else if (s.length > NAME_MAX) errors.push({ path, message: translate(lang, 'admin.error.nameTooLong') });
  return s;
}

/** Saves the municipality's names, host names and settings; every bad field at once. */
export async function saveMunicipality(
  db: Db,
  settings: SettingsRegistry,
  tenant: Tenant,
  actor: AuthUser,
  input: Record<string, unknown>,
  lang: Lang,
): Promise<void> {
  const errors: FieldError[] = [];
  const nameJa = nameOf(input.nameJa, 'nameJa', lang, errors);
  const nameEn = nameOf(input.nameEn, 'nameEn', lang, errors);
  const hostText = typeof input.hostnames === 'string' ? input.hostnames : '';
  const hostnames = [...new Set(hostText.split(/[\s,]+/).map((h) => h.trim().toLowerCase()).filter(Boolean))];
  const badHost = hostnames.find((h) => !isHostname(h));
  if (badHost) errors.push({ path: 'hostnames', message: translate(lang, 'admin.error.hostname', { host: badHost.slice(0, 60) }) });
  else if (hostnames.length > MAX_HOSTS) errors.push({ path: 'hostnames', message: translate(lang, 'admin.error.tooManyHosts') });
  let values = new Map<string, SettingValue>();
  try {
    values = settings.parseForm(input, lang);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    errors.push(...err.errors);
  }
  if (errors.length) throw new AppError('validation', undefined, errors);
  await db.transaction(async (tx) => {
    if (!(await updateTenant(tx, tenant.id, { nameJa, nameEn, hostnames }))) {
      throw new AppError('validation', undefined, [{ path: 'hostnames', message: translate(lang, 'admin.error.hostTaken') }]);
    }
    await settings.save(tx, tenant.id, values);
    await bumpDataVersion(tx, tenant.id, TENANT_SCOPE);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: 'tenant.update',
      entityType: 'municipality',
      entityId: tenant.code,
      details: { nameJa, nameEn, hostnames, settings: Object.fromEntries(values) },
    });
  });
}

/** The tenant's departments, retired ones included. */
export function departmentsOverview(db: Db, tenant: Tenant) {
  return listDepartments(db, tenant.id);
}

/** Adds a department; every bad field at once. */
export async function addDepartment(db: Db, tenant: Tenant, actor: AuthUser, input: Record<string, unknown>, lang: Lang): Promise<void> {
  const errors: FieldError[] = [];
  const code = typeof input.code === 'string' ? input.code.trim() : '';
  if (!DEPARTMENT_CODE_RE.test(code)) errors.push({ path: 'code', message: translate(lang, 'admin.error.codeFormat') });
  const nameJa = nameOf(input.nameJa, 'nameJa', lang, errors);
  const nameEn = nameOf(input.nameEn, 'nameEn', lang, errors);
  if (errors.length) throw new AppError('validation', undefined, errors);
  await db.transaction(async (tx) => {
    const created = await createDepartment(tx, tenant.id, { code, nameJa, nameEn });
    if (!created) throw new AppError('validation', undefined, [{ path: 'code', message: translate(lang, 'admin.error.codeTaken') }]);
    await appendAudit(tx, { tenantId: tenant.id, actorId: actor.id, actorLabel: actor.email, action: 'department.create', entityType: 'department', entityId: code, details: { nameJa, nameEn } });
  });
}

/** Renames a department (its code stays); 404 when there is none. */
export async function renameDepartmentAs(db: Db, tenant: Tenant, actor: AuthUser, code: string, input: Record<string, unknown>, lang: Lang): Promise<void> {
  const errors: FieldError[] = [];
  const nameJa = nameOf(input.nameJa, 'nameJa', lang, errors);
  const nameEn = nameOf(input.nameEn, 'nameEn', lang, errors);
  if (errors.length) throw new AppError('validation', undefined, errors);
  await db.transaction(async (tx) => {
    if (!(await renameDepartment(tx, tenant.id, code, { nameJa, nameEn }))) throw new AppError('not_found');
    await bumpDataVersion(tx, tenant.id, TENANT_SCOPE);
    await appendAudit(tx, { tenantId: tenant.id, actorId: actor.id, actorLabel: actor.email, action: 'department.rename', entityType: 'department', entityId: code, details: { nameJa, nameEn } });
  });
}

/** Retires or reinstates a department; 404 when there is none. */
export async function retireDepartment(db: Db, tenant: Tenant, actor: AuthUser, code: string, retired: boolean, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await findDepartment(tx, tenant.id, code))) throw new AppError('not_found');
    await setDepartmentRetired(tx, tenant.id, code, retired, now);
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorId: actor.id,
      actorLabel: actor.email,
      action: retired ? 'department.retire' : 'department.reinstate',
      entityType: 'department',
      entityId: code,
    });
  });
}

/** The jobs this municipality's administrators see (the installation's and their own) and recent runs. */
export async function jobsOverview(db: Db, tenant: Tenant) {
  const [jobs, runs] = await Promise.all([listJobs(db, tenant.id), listJobRuns(db, tenant.id, 100)]);
  return { jobs, runs };
}

/** Makes a visible job due now (a given-up one is retried); 404 for jobs the administrator cannot see. */
export async function runJobNow(db: Db, tenant: Tenant, actor: AuthUser, name: string, key: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query(
      `update scheduled_jobs set run_at = $4, gave_up_at = null, attempts = case when gave_up_at is null then attempts else 0 end
        where name = $1 and key = $2 and (tenant_id is null or tenant_id = $3) returning name`,
      [name, key, tenant.id, now],
    );
    if (rows.length === 0) throw new AppError('not_found');
    await appendAudit(tx, { tenantId: tenant.id, actorId: actor.id, actorLabel: actor.email, action: 'job.run_now', entityType: 'job', entityId: `${name}${key ? `:${key}` : ''}` });
  });
}

/** A setting's label and hint in the reader's language, for the form. */
export function settingView(d: SettingDefinition, value: SettingValue, lang: Lang) {
  return {
    key: d.key,
    type: d.type,
    label: d.label[lang],
    hint: d.hint?.[lang] ?? (d.type === 'integer' ? (lang === 'ja' ? `${d.min}〜${d.max}` : `${d.min} to ${d.max}`) : ''),
    value: String(value),
    checked: value === true,
    options: d.type === 'choice' ? d.choices.map((c) => ({ value: c.value, label: c.label[lang] })) : [],
  };
}

// ---- The audit log, readable

/** Filters of the audit page (every one optional). */
export interface AuditFilter {
  /** Part of the actor's e-mail or name. */
  actor?: string;
  /** An action or the start of one ("user." finds every user action). */
  action?: string;
  /** Days in Japan time, inclusive. */
  from?: string;
  to?: string;
  /** Entries older than this sequence number (the next page). */
  before?: number;
}

export interface AuditEntryView {
  seq: number;
  at: Date;
  actorLabel: string;
  actorName: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  targetName: string | null;
  channel: string;
  details: string;
}

export const AUDIT_PAGE_SIZE = 50;
export const AUDIT_CSV_MAX = 10_000;

/**
 * A page of the municipality's audit log, newest first, with the actor and a user target
 * shown by name. Paging is by sequence number, so it reaches every entry however many.
 */
export async function auditEntries(db: Db, tenant: Tenant, filter: AuditFilter, limit: number): Promise<{ entries: AuditEntryView[]; more: boolean }> {
  const params: unknown[] = [tenant.id];
  const where = ['a.tenant_id = $1'];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  const like = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  if (filter.actor) add((n) => `(a.actor_label ilike $${n} or u.display_name ilike $${n})`, `%${like(filter.actor)}%`);
  if (filter.action) add((n) => `a.action like $${n}`, `${like(filter.action)}%`);
  if (filter.from) add((n) => `a.at >= ($${n}::date::timestamp at time zone 'Asia/Tokyo')`, filter.from);
  if (filter.to) add((n) => `a.at < (($${n}::date + 1)::timestamp at time zone 'Asia/Tokyo')`, filter.to);
  if (filter.before) add((n) => `a.seq < $${n}`, filter.before);
  params.push(limit + 1);
  const rows = await db.query<{
    seq: number; at: Date; actor_label: string; actor_name: string | null; action: string; entity_type: string;
    entity_id: string | null; target_name: string | null; details: string;
  }>(
    `select a.seq, a.at, a.actor_label, u.display_name as actor_name, a.action, a.entity_type, a.entity_id,
            case when t.id is null then null when t.display_name = t.email then t.email else t.display_name || ' <' || t.email || '>' end as target_name, a.details
       from audit_log a
       left join users u on u.tenant_id = a.tenant_id and u.id = a.actor_id
       left join users t on a.entity_type = 'user' and t.tenant_id = a.tenant_id and t.id::text = a.entity_id
      where ${where.join(' and ')}
      order by a.seq desc limit $${params.length}`,
    params,
  );
  const entries = rows.slice(0, limit).map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    actorLabel: r.actor_label,
    actorName: r.actor_name && r.actor_name !== r.actor_label ? r.actor_name : null,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    targetName: r.target_name,
    channel: channelOf(r.details),
    details: r.details,
  }));
  return { entries, more: rows.length > limit };
}

/** How an action came in, as the audit log recorded it ('unknown' for entries older than that). */
function channelOf(details: string): string {
  try {
    const channel = (JSON.parse(details) as { channel?: unknown }).channel;
    return channel === 'form' || channel === 'api' || channel === 'cli' || channel === 'job' ? channel : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The chain's state without walking it: sealed entries, waiting ones, the anchored head. */
export async function auditSealState(db: Db, config: Config, tenant: Tenant) {
  const state = await db.query<{ head_pos: number }>('select head_pos from audit_seal_state where tenant_id = $1', [tenant.id]);
  const waiting = await db.one<{ n: number }>(
    `select count(*)::int as n from audit_log a
      where a.tenant_id = $1 and not exists (select 1 from audit_chain c where c.tenant_id = a.tenant_id and c.seq = a.seq)
        and a.seq > coalesce((select low_water from audit_seal_state s where s.tenant_id = a.tenant_id), 0)`,
    [tenant.id],
  );
  const anchor = latestAnchor({ file: config.auditAnchorFile, secret: config.secret }, tenant.id);
  return { sealed: Number(state[0]?.head_pos ?? 0), waiting: waiting.n, anchoredAt: anchor?.at ?? null, anchoredPos: anchor?.pos ?? null };
}

/** Seals what is waiting, then walks the whole chain against its newest anchor (on demand). */
export async function verifyAuditLog(db: Db, config: Config, tenant: Tenant, actor: AuthUser, now: Date): Promise<ChainReport> {
  const anchors = { file: config.auditAnchorFile, secret: config.secret };
  await sealAuditLog(db, { tenantId: tenant.id, now, anchors });
  const report = await verifyAuditChain(db, tenant.id, { anchor: latestAnchor(anchors, tenant.id) });
  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: tenant.id, actorId: actor.id, actorLabel: actor.email, action: 'audit.verify', entityType: 'audit_log',
      details: { entries: report.entries, broken: report.brokenAt ? report.brokenAt.pos : null },
    }),
  );
  return report;
}
