/**
 * 監査ログ — the append-only, hash-chained audit log. Each entry's hash covers its own fields
 * and the previous entry's hash, per tenant; editing or deleting any row breaks the chain
 * from there on, which verifyAuditChain() reports.
 */
import { createHash } from 'node:crypto';
import type { Sql } from './db/database.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntryInput {
  tenantId: string;
  actorId: string | null;
  /** Who acted, as shown to auditors: an e-mail, "cli", "system". */
  actorLabel: string;
  /** What happened, dotted: "user.sign_in", "plan.import", "actual.approve". */
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Facts about the change; never personal data beyond what identifies the actor. */
  details?: Record<string, unknown>;
}

interface StoredEntry {
  tenant_id: string;
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** JSON with object keys sorted, so the same facts always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function entryHash(e: Omit<StoredEntry, 'hash'>): string {
  const payload = canonicalJson({
    tenant: e.tenant_id,
    seq: e.seq,
    at: e.at.toISOString(),
    actorId: e.actor_id,
    actor: e.actor_label,
    action: e.action,
    entityType: e.entity_type,
    entityId: e.entity_id,
    details: e.details,
    prev: e.prev_hash,
  });
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * Appends an entry inside the caller's transaction, so the entry exists exactly when the
 * change does. A per-tenant advisory lock serialises appends to one chain.
 */
export async function appendAudit(tx: Sql, input: AuditEntryInput): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('audit:' || $1::text))`, [input.tenantId]);
  const last = await tx.maybeOne<{ seq: number; hash: string }>(
    'select seq, hash from audit_log where tenant_id = $1 order by seq desc limit 1',
    [input.tenantId],
  );
  // Millisecond precision survives the timestamptz round trip exactly.
  const at = new Date(Math.floor(Date.now()));
  const entry = {
    tenant_id: input.tenantId,
    seq: (last?.seq ?? 0) + 1,
    at,
    actor_id: input.actorId,
    actor_label: input.actorLabel,
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId ?? null,
    details: canonicalJson(input.details ?? {}),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  await tx.query(
    `insert into audit_log (tenant_id, seq, at, actor_id, actor_label, action, entity_type, entity_id, details, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      entry.tenant_id,
      entry.seq,
      entry.at,
      entry.actor_id,
      entry.actor_label,
      entry.action,
      entry.entity_type,
      entry.entity_id,
      entry.details,
      entry.prev_hash,
      entryHash(entry),
    ],
  );
}

export interface ChainReport {
  tenantId: string;
  entries: number;
  /** The first broken link, or null when the chain is whole. */
  brokenAt: { seq: number; reason: string } | null;
}

/** Walks one tenant's chain in order and reports the first entry that does not fit. */
export async function verifyAuditChain(sql: Sql, tenantId: string): Promise<ChainReport> {
  const rows = await sql.query<StoredEntry>('select * from audit_log where tenant_id = $1 order by seq', [tenantId]);
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return { tenantId, entries: rows.length, brokenAt: { seq: expectedSeq, reason: `entry ${expectedSeq} is missing` } };
    }
    if (row.prev_hash !== prevHash) {
      return { tenantId, entries: rows.length, brokenAt: { seq: row.seq, reason: 'does not link to the entry before it' } };
    }
    if (entryHash(row) !== row.hash) {
      return { tenantId, entries: rows.length, brokenAt: { seq: row.seq, reason: 'its contents were changed' } };
    }
    prevHash = row.hash;
    expectedSeq++;
  }
  return { tenantId, entries: rows.length, brokenAt: null };
}
