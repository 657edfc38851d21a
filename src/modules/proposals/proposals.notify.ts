/**
 * Telling people: an e-mail to the proposer at each state change (queued in the outbox in the
 * same transaction), and reminders to the responsible staff before an answer falls due (one
 * scheduled job per proposal, moved when the due date moves, removed once answered).
 */
import type { Config } from '../../core/config.ts';
import { formatDateEn, formatJapaneseDate, todayJst } from '../../core/dates.ts';
import type { Db, Sql } from '../../core/db/database.ts';
import { translate } from '../../core/i18n.ts';
import { enqueueMail } from '../../core/mail.ts';
import { scheduleJob, unscheduleJob, type JobDefinition } from '../../core/scheduler.ts';
import type { SettingsRegistry } from '../../core/settings.ts';
import { tenantProfile, type Tenant } from '../../core/tenancy.ts';
import { listUsersForAdmin } from '../accounts/accounts.service.ts';
import type { AppDeps } from '../module.ts';
import { openContact } from './proposals.case.ts';
import './proposals.messages.ts';
import * as repo from './proposals.repository.ts';
import type { DepartmentNames } from './proposals.schema.ts';
import { awaitingAnswer, reminderAt } from './proposals.workflow.ts';

export const REMINDER_JOB = 'proposals.remind';

/** What a mail to the proposer is about. */
export type ProposerMail =
  | { kind: 'received' }
  | { kind: 'assigned' | 'transferred' }
  | { kind: 'answer_published' }
  | { kind: 'implemented' }
  | { kind: 'withdrawn' }
  | { kind: 'declined' }
  | { kind: 'due_extended' }
  | { kind: 'published' }
  | { kind: 'publication_refused'; reason: string | null }
  | { kind: 'hidden'; reason: string };

type Params = Record<string, string | number>;

function both(key: string, params: { ja: Params; en: Params }): { ja: string; en: string } {
  return { ja: translate('ja', key, params.ja), en: translate('en', key, params.en) };
}

/** The line of the mail that says what happened, in both languages. */
function whatHappened(p: repo.Proposal, mail: ProposerMail, names: DepartmentNames): { ja: string; en: string } {
  const dept = p.departmentCode ? names.get(p.departmentCode) : undefined;
  const due = p.answerDueOn ?? '';
  switch (mail.kind) {
    case 'received':
      return both('proposals.mail.received', { ja: { due: due && formatJapaneseDate(due) }, en: { due: due && formatDateEn(due) } });
    case 'assigned':
    case 'transferred':
      return both(`proposals.mail.${mail.kind}`, { ja: { department: dept?.nameJa ?? '' }, en: { department: dept?.nameEn ?? '' } });
    case 'answer_published':
      return both('proposals.mail.answered', {
        ja: { decision: translate('ja', `proposals.decision.${p.decision}`), answer: p.answerText ?? '' },
        en: { decision: translate('en', `proposals.decision.${p.decision}`), answer: p.answerText ?? '' },
      });
    case 'implemented':
      return both('proposals.mail.implemented', { ja: { date: formatJapaneseDate(p.implementedOn!) }, en: { date: formatDateEn(p.implementedOn!) } });
    case 'withdrawn':
      return both('proposals.mail.withdrawn', { ja: {}, en: {} });
    case 'declined':
      return both('proposals.mail.declined', {
        ja: { ground: translate('ja', `proposals.ground.${p.declineGround}`), note: p.declineNote ? `\n${p.declineNote}` : '' },
        en: { ground: translate('en', `proposals.ground.${p.declineGround}`), note: p.declineNote ? `\n${p.declineNote}` : '' },
      });
    case 'due_extended':
      return both('proposals.mail.extended', {
        ja: { due: formatJapaneseDate(due), reason: p.dueExtendedReason ?? '' },
        en: { due: formatDateEn(due), reason: p.dueExtendedReason ?? '' },
      });
    case 'published':
      return both('proposals.mail.published', { ja: {}, en: {} });
    case 'publication_refused':
      return both('proposals.mail.publicationRefused', { ja: { reason: mail.reason ?? '' }, en: { reason: mail.reason ?? '' } });
    case 'hidden':
      return both('proposals.mail.hidden', { ja: { reason: mail.reason }, en: { reason: mail.reason } });
  }
}

/**
 * Queues the mail to the proposer (inside the caller's transaction), when they gave an
 * address. The caller pokes the mail job after the commit.
 */
export async function mailProposer(
  tx: Sql,
  config: Pick<Config, 'encryptionKey' | 'previousEncryptionKeys' | 'publicUrl'>,
  tenant: Tenant,
  p: repo.Proposal,
  mail: ProposerMail,
  names: DepartmentNames,
): Promise<void> {
  const contact = openContact(config, p.proposerSealed);
  if (!contact.email) return;
  const what = whatHappened(p, mail, names);
  const url = p.proposerId ? `${config.publicUrl}/my/proposals/${p.number}` : `${config.publicUrl}/proposals`;
  const subjectKey = `proposals.mail.subject.${mail.kind}`;
  const params = { number: p.number ?? '', title: p.title, url, name: contact.name };
  await enqueueMail(tx, {
    tenantId: tenant.id,
    to: contact.email,
    subject: `${translate('ja', subjectKey, { ...params, city: tenant.nameJa })} / ${translate('en', subjectKey, { ...params, city: tenant.nameEn })}`,
    text: [
      translate('ja', 'proposals.mail.body', { ...params, city: tenant.nameJa, what: what.ja }),
      '----',
      translate('en', 'proposals.mail.body', { ...params, city: tenant.nameEn, what: what.en }),
    ].join('\n\n'),
  });
}

/** Settings the reminders read. */
export const ANSWER_DAYS = 'proposals.answerDays';
export const REMINDER_DAYS = 'proposals.reminderDays';

/**
 * (Re)schedules the reminder for the proposal's current due date (inside the caller's
 * transaction), or removes it when reminders are off.
 */
export async function scheduleReminder(tx: Sql, settings: SettingsRegistry, tenantId: string, p: Pick<repo.Proposal, 'id' | 'answerDueOn'>, now: Date): Promise<void> {
  const days = await settings.get<number>(tx, tenantId, REMINDER_DAYS);
  const at = p.answerDueOn ? reminderAt(p.answerDueOn, days, now) : null;
  if (!at) return unscheduleJob(tx, REMINDER_JOB, p.id);
  await scheduleJob(tx, { name: REMINDER_JOB, key: p.id, tenantId, runAt: at, payload: { proposalId: p.id, dueOn: p.answerDueOn } });
}

/** No reminder once the answer is given (or the proposal is closed). */
export function cancelReminder(tx: Sql, proposalId: string): Promise<void> {
  return unscheduleJob(tx, REMINDER_JOB, proposalId);
}

/**
 * Who an answer is waited on from: the assigned department's staff while they draft it, the
 * plan managers while it is unassigned or awaiting approval.
 */
export function reminderAudience(p: Pick<repo.Proposal, 'status' | 'answerState' | 'departmentCode'>): { departmentCode: string } | 'plan_managers' {
  return p.status === 'assigned' && p.departmentCode ? { departmentCode: p.departmentCode } : 'plan_managers';
}

/** The job that sends a proposal's reminder: to whoever the answer waits on, if it still does. */
export function reminderJob(deps: Pick<AppDeps, 'config' | 'mail'>): JobDefinition {
  return {
    name: REMINDER_JOB,
    maxAttempts: 5,
    async run({ db, payload, tenantId, now }) {
      const { proposalId, dueOn } = (payload ?? {}) as { proposalId?: string; dueOn?: string };
      if (!tenantId || !proposalId) return 'no proposal named';
      const sent = await sendReminder(db, deps.config, tenantId, proposalId, dueOn ?? null, now);
      if (sent > 0) deps.mail.poke();
      return `${sent} reminders`;
    },
  };
}

async function sendReminder(db: Db, config: Pick<Config, 'publicUrl'>, tenantId: string, proposalId: string, dueOn: string | null, now: Date): Promise<number> {
  const tenant = await tenantProfile(db, tenantId);
  if (!tenant) return 0;
  const users = await listUsersForAdmin(db, tenant);
  return db.transaction(async (tx) => {
    if (!(await repo.lockById(tx, tenantId, proposalId))) return 0;
    const p = (await repo.findById(tx, tenantId, proposalId))!;
    // Answered, withdrawn or moved to another due date since: nothing to remind of.
    if (!awaitingAnswer(p) || p.answerDueOn !== dueOn) return 0;
    const audience = reminderAudience(p);
    const to = users.filter(
      (u) => !u.disabled && (audience === 'plan_managers' ? u.role === 'plan_manager' : u.role !== 'citizen' && u.department_code === audience.departmentCode),
    );
    const due = p.answerDueOn!;
    const url = `${config.publicUrl}/staff/proposals/${p.number}`;
    for (const u of to) {
      const params = (lang: 'ja' | 'en') => ({
        number: p.number!,
        title: p.title,
        due: lang === 'ja' ? formatJapaneseDate(due) : formatDateEn(due),
        url,
        city: lang === 'ja' ? tenant.nameJa : tenant.nameEn,
      });
      await enqueueMail(tx, {
        tenantId,
        to: u.email,
        subject: `${translate('ja', 'proposals.mail.reminderSubject', params('ja'))} / ${translate('en', 'proposals.mail.reminderSubject', params('en'))}`,
        text: `${translate('ja', 'proposals.mail.reminderBody', params('ja'))}\n\n----\n\n${translate('en', 'proposals.mail.reminderBody', params('en'))}`,
      });
    }
    await repo.insertEvent(tx, tenantId, p.id, {
      kind: 'reminded',
      at: now,
      onDate: todayJst(now),
      departmentCode: p.departmentCode,
      note: `${to.length}`,
      forProposer: false,
    });
    return to.length;
  });
}
