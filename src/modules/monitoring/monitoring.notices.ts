/**
 * Mails to administrators when a system goes down and when it is back (the incident is
 * closed). The runner marks nothing as sent until the mail is in the outbox: each incident
 * remembers when its notices were queued, and any run of any server queues what is missing
 * (claimed with a conditional update, so each mail is queued once).
 */
import { enqueueMail } from '../../core/mail.ts';
import { translate } from '../../core/i18n.ts';
import { tenantProfile } from '../../core/tenancy.ts';
import { listUsersForAdmin } from '../accounts/accounts.service.ts';
import type { AppDeps } from '../module.ts';
import { durationText, instantText } from './monitoring.format.ts';
import * as repo from './monitoring.repository.ts';
import './monitoring.messages.ts';

/** Queues the mails still owed for the municipality's incidents; returns how many were queued. */
export async function sendNotices(deps: AppDeps, tenantId: string, now: Date): Promise<number> {
  const owed = await repo.incidentsToNotify(deps.db, tenantId);
  if (owed.length === 0) return 0;
  const tenant = await tenantProfile(deps.db, tenantId);
  if (!tenant) return 0;
  // Active administrators with a confirmed address (read outside the transaction: the accounts service).
  const admins = (await listUsersForAdmin(deps.db, tenant)).filter((u) => u.role === 'admin' && !u.disabled && u.email_verified);
  let queued = 0;
  await deps.db.transaction(async (tx) => {
    for (const incident of owed) {
      for (const kind of ['down', 'up'] as const) {
        if (kind === 'down' ? incident.notified_down_at : incident.status !== 'closed' || incident.notified_up_at) continue;
        if (!(await repo.claimNotice(tx, tenantId, incident.id, kind, now))) continue;
        const link = `${deps.config.publicUrl}/staff/monitoring/incidents/${incident.id}`;
        const params = {
          name: incident.check_name,
          started: '',
          ended: '',
          duration: '',
          detail: incident.first_detail ?? '—',
          link,
        };
        const body = (lang: 'ja' | 'en') =>
          translate(lang, `monitoring.mail.${kind}Body`, {
            ...params,
            started: instantText(incident.started_at, lang),
            ended: incident.ended_at ? instantText(incident.ended_at, lang) : '—',
            duration: incident.ended_at ? durationText(incident.ended_at.getTime() - incident.started_at.getTime(), lang) : '—',
          });
        const subject = `${translate('ja', `monitoring.mail.${kind}Subject`, params)} / ${translate('en', `monitoring.mail.${kind}Subject`, params)}`;
        for (const admin of admins) {
          await enqueueMail(tx, { tenantId, to: admin.email, subject, text: `${body('ja')}\n\n----\n\n${body('en')}\n` });
          queued++;
        }
      }
    }
  });
  if (queued > 0) deps.mail.poke();
  return queued;
}
