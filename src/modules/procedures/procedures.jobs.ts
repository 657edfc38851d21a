/**
 * The module's scheduled work (core's scheduler):
 * - procedures.announce: applications are received without touching a shared row (see
 *   repository.insertApplication), so this job bumps a municipality's `procedures` data
 *   version when new applications arrived: the plan's cached reads of 6-3-1 see them within
 *   seconds.
 * - procedures.purge: after the retention period the personal data of an application is
 *   deleted (answers, password, applicant, messages, attached files); the row stays, so counts
 *   stay intact. Pending uploads of forms never submitted are deleted when they expire.
 * - procedures.drafts: saved drafts past their expiry are deleted (their pending files expire with them).
 * - procedures.rotate: records sealed under a previous key are re-sealed under the current one.
 */
import { appendAudit } from '../../core/audit.ts';
import { bumpDataVersion } from '../../core/data-version.ts';
import { todayJst } from '../../core/dates.ts';
import type { Db } from '../../core/db/database.ts';
import type { JobDefinition } from '../../core/scheduler.ts';
import type { AppDeps } from '../module.ts';
import * as files from './procedures.attachments.repository.ts';
import * as drafts from './procedures.drafts.repository.ts';
import * as repo from './procedures.repository.ts';
import { currentKeyId, seal, sealBytes, unseal, unsealBytes } from './procedures.secrets.ts';
import { PROCEDURES_SCOPE } from './procedures.service.ts';

/** Bumps the data version of municipalities with new applications; returns how many. */
export async function announceApplications(db: Db): Promise<number> {
  const rows = await repo.unannounced(db);
  if (rows.length === 0) return 0;
  for (const r of rows) {
    await db.transaction(async (tx) => {
      await bumpDataVersion(tx, r.tenantId, PROCEDURES_SCOPE);
      await repo.markAnnounced(tx, r.tenantId, r.top);
    });
  }
  return rows.length;
}

/** Purges personal data past retention (in batches); returns how many applications. */
export async function purgePersonalData(db: Db, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const purged = await db.transaction(async (tx) => {
      const rows = await repo.purgeExpired(tx, todayJst(now), now, 500);
      for (const r of rows) {
        const attachments = await files.deleteOfApplication(tx, r.tenantId, r.id);
        await appendAudit(tx, {
          tenantId: r.tenantId,
          actorId: null,
          actorLabel: 'system',
          action: 'procedure.application.purge',
          entityType: 'procedure_application',
          entityId: r.receiptNumber,
          ...(attachments ? { details: { attachments } } : {}),
        });
      }
      for (const t of new Set(rows.map((r) => r.tenantId))) await bumpDataVersion(tx, t, PROCEDURES_SCOPE);
      return rows.length;
    });
    total += purged;
    if (purged < 500) break;
  }
  for (let deleted = 500; deleted === 500; ) deleted = await files.deleteExpiredPending(db, now, 500);
  return total;
}

/** Deletes drafts past their expiry (DRAFT_DAYS after their last save); returns how many. */
export async function expireDrafts(db: Db, now: Date): Promise<number> {
  let total = 0;
  for (let deleted = 500; deleted === 500; total += deleted) deleted = await drafts.deleteExpiredDrafts(db, now, 500);
  return total;
}

/** Re-seals what older keys sealed under the current key; returns how many records. */
export async function rotateKeys(deps: Pick<AppDeps, 'config'>, db: Db): Promise<number> {
  const current = currentKeyId(deps.config);
  let n = 0;
  for (;;) {
    const rows = await repo.sealedUnderOtherKeys(db, current, 200);
    const events = await repo.eventsUnderOtherKeys(db, current, 200);
    const attachments = await files.attachmentsUnderOtherKeys(db, current, 20);
    const saved = await drafts.draftsUnderOtherKeys(db, current, 200);
    if (rows.length === 0 && events.length === 0 && attachments.length === 0 && saved.length === 0) break;
    await db.transaction(async (tx) => {
      for (const r of rows) {
        const answers = r.answersSealed ? seal(deps.config, unseal(deps.config, r.answersSealed, r.keyId)).sealed : null;
        await repo.resealApplication(tx, r.tenantId, r.id, r.keyId, { answersSealed: answers, keyId: current });
      }
      for (const e of events) await repo.resealEvent(tx, e.tenantId, e.id, e.keyId, seal(deps.config, unseal(deps.config, e.messageSealed, e.keyId)).sealed, current);
      for (const a of attachments) {
        await files.resealAttachment(tx, a.tenantId, a.id, a.keyId, {
          filenameSealed: seal(deps.config, unseal(deps.config, a.filenameSealed, a.keyId)).sealed,
          contentSealed: sealBytes(deps.config, unsealBytes(deps.config, a.contentSealed, a.keyId)).sealed,
          keyId: current,
        });
      }
      for (const d of saved) await drafts.resealDraft(tx, d.tenantId, d.id, d.keyId, seal(deps.config, unseal(deps.config, d.payloadSealed, d.keyId)).sealed, current);
    });
    n += rows.length + events.length + attachments.length + saved.length;
  }
  return n;
}

export function proceduresJobs(deps: AppDeps): JobDefinition[] {
  return [
    { name: 'procedures.announce', everySeconds: 5, keepRunsDays: 2, run: async ({ db }) => `${await announceApplications(db)} municipalities` },
    { name: 'procedures.purge', everySeconds: 3600, run: async ({ db, now }) => `${await purgePersonalData(db, now)} purged` },
    { name: 'procedures.drafts', everySeconds: 3600, run: async ({ db, now }) => `${await expireDrafts(db, now)} drafts expired` },
    { name: 'procedures.rotate', everySeconds: 600, run: async ({ db }) => `${await rotateKeys(deps, db)} re-sealed` },
  ];
}
