/**
 * 監査ログ — the append-only, hash-chained audit log.
 *
 * Appending is one INSERT in the caller's transaction (the entry exists exactly when the
 * change does), numbered by a sequence: no lock, so a municipality's writes are not
 * serialised by their audit entries. Sealing (sealAuditLog, run every few seconds by the
 * scheduler's "audit.seal" job, and by `hibiki audit verify`) then chains the entries of each
 * municipality in order: position pos links entry seq to the previous position's hash, and
 * the hash covers the entry's fields and that previous hash. Editing or deleting a sealed
 * entry, or a link, breaks the chain from there on, which verifyAuditChain() reports. Entries
 * not yet sealed are reported as such.
 *
 * The chain's head is anchored outside the database: after each seal a keyed checkpoint
 * (HMAC under the server secret of municipality, position and hash) is appended to the anchor
 * file the operator keeps and written to the log, so deleting the newest entries — which
 * leaves a shorter but consistent chain — is detected against the last anchor.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { Db, Sql } from './db/database.ts';
import { safeEqual } from './crypto.ts';
import { currentChannel } from './channel.ts';

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
}

/** JSON with object keys sorted, so the same facts always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The hash of an entry chained after prevHash (the same formula entries had before sealing existed). */
function entryHash(e: StoredEntry, prevHash: string): string {
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
    prev: prevHash,
  });
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * An entry's details as stored: canonical JSON with the channel the action came in by. A module
 * that folds its audit insert into a statement of its own stores exactly this.
 */
export function auditDetails(details: AuditEntryInput['details']): string {
  return canonicalJson({ channel: currentChannel(), ...details });
}

/** Appends an entry inside the caller's transaction (one insert, no lock). */
export async function appendAudit(tx: Sql, input: AuditEntryInput): Promise<void> {
  // Millisecond precision survives the timestamptz round trip exactly.
  const at = new Date(Math.floor(Date.now()));
  await tx.query(
    `insert into audit_log (tenant_id, at, actor_id, actor_label, action, entity_type, entity_id, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [input.tenantId, at, input.actorId, input.actorLabel, input.action, input.entityType, input.entityId ?? null, auditDetails(input.details)],
  );
}

/**
 * Runs one data-modifying statement together with its audit entries as a single statement:
 * `with change as (<statement>), audit as (insert into audit_log …) select * from change`.
 * Outside a transaction that is one round trip and one commit, as cheap as the bare write
 * (a transaction of BEGIN, the write, appendAudit and COMMIT takes four). One entry is written
 * per row the statement returns, so the statement must end in `returning`; a statement that
 * changes nothing writes no entry. The entity id is the returned column `entityIdColumn`, or
 * input.entityId for every row.
 *
 * `name` prepares the combined statement on PostgreSQL (see Sql.queryNamed): give one only for
 * a fixed statement text.
 */
export async function auditedStatement<T = Record<string, unknown>>(
  sql: Sql,
  statement: { text: string; params: readonly unknown[]; name?: string },
  input: AuditEntryInput & { entityIdColumn?: string },
): Promise<T[]> {
  if (!/\breturning\b/i.test(statement.text)) throw new Error('auditedStatement: the statement must end in a returning clause');
  if (input.entityIdColumn !== undefined && !/^[a-z_][a-z0-9_]*$/.test(input.entityIdColumn)) throw new Error('auditedStatement: bad entityIdColumn');
  const n = statement.params.length;
  const p = (i: number) => `$${n + i}`;
  const entityId = input.entityIdColumn ? `coalesce(change.${input.entityIdColumn}::text, ${p(7)}::text)` : `${p(7)}::text`;
  const text = `with change as (${statement.text}),
audit as (
  insert into audit_log (tenant_id, at, actor_id, actor_label, action, entity_type, entity_id, details)
  select ${p(1)}::uuid, ${p(2)}::timestamptz, ${p(3)}::uuid, ${p(4)}::text, ${p(5)}::text, ${p(6)}::text, ${entityId}, ${p(8)}::text from change
)
select * from change`;
  const params = [
    ...statement.params,
    input.tenantId,
    // Millisecond precision survives the timestamptz round trip exactly (the chain hashes it).
    new Date(Math.floor(Date.now())),
    input.actorId,
    input.actorLabel,
    input.action,
    input.entityType,
    input.entityIdColumn ? null : (input.entityId ?? null),
    auditDetails(input.details),
  ];
  return statement.name ? sql.queryNamed<T>(statement.name, text, params) : sql.query<T>(text, params);
}

/** An entry older than this is certainly committed (or never will be): sealing need not look below it again. */
const SETTLED_MS = 10 * 60 * 1000;
const SEAL_BATCH = 5000;
const MAX_SEAL_BATCHES = 40;

export interface AnchorOptions {
  /** The file checkpoints are appended to (one JSON line each). */
  file: string;
  /** Keys the checkpoints (HMAC-SHA256). */
  secret: string;
}

export interface Anchor {
  tenantId: string;
  pos: number;
  hash: string;
  at: string;
}

function anchorMac(secret: string, a: Omit<Anchor, 'at'>): string {
  return createHmac('sha256', secret).update(`audit-anchor|${a.tenantId}|${a.pos}|${a.hash}`).digest('hex');
}

/** Appends a keyed checkpoint of a chain head to the anchor file; returns the line written. */
export function writeAnchor(options: AnchorOptions, anchor: Anchor): string {
  const line = JSON.stringify({ ...anchor, mac: anchorMac(options.secret, anchor) });
  appendFileSync(options.file, `${line}\n`, { mode: 0o600 });
  return line;
}

/** The newest valid checkpoint of a municipality's chain in the anchor file, if any. */
export function latestAnchor(options: AnchorOptions, tenantId: string): Anchor | null {
  if (!existsSync(options.file)) return null;
  let latest: Anchor | null = null;
  for (const line of readFileSync(options.file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const a = JSON.parse(line) as Anchor & { mac: string };
      if (a.tenantId !== tenantId || typeof a.mac !== 'string' || !safeEqual(a.mac, anchorMac(options.secret, a))) continue;
      if (!latest || a.pos >= latest.pos) latest = { tenantId: a.tenantId, pos: a.pos, hash: a.hash, at: a.at };
    } catch {
      // a torn last line (crash while writing) is skipped
    }
  }
  return latest;
}

/**
 * Chains a municipality's unsealed entries (all municipalities without tenantId), in order.
 * Returns how many entries were sealed; with anchors, writes a checkpoint of each new head.
 */
export async function sealAuditLog(
  db: Db,
  options: { tenantId?: string; now?: Date; anchors?: AnchorOptions; log?: (line: string) => void } = {},
): Promise<number> {
  const tenants = options.tenantId
    ? [options.tenantId]
    : (
        await db.query<{ tenant_id: string }>(
          `select distinct a.tenant_id from audit_log a
             left join audit_seal_state s on s.tenant_id = a.tenant_id
            where a.seq > coalesce(s.low_water, 0)
              and not exists (select 1 from audit_chain c where c.tenant_id = a.tenant_id and c.seq = a.seq)`,
        )
      ).map((r) => r.tenant_id);
  let sealed = 0;
  for (const tenantId of tenants) {
    // Batch after batch until caught up (a busy city writes more than one batch between runs),
    // up to MAX_SEAL_BATCHES a call so one run never holds the job for long; the next run goes on.
    let head: { pos: number; hash: string } | null = null;
    for (let batch = 0; batch < MAX_SEAL_BATCHES; batch++) {
      const step = await sealBatch(db, tenantId, options.now);
      sealed += step.sealed;
      if (step.head) head = step.head;
      if (step.sealed < SEAL_BATCH) break;
    }
    if (head && options.anchors) {
      const line = writeAnchor(options.anchors, { tenantId, pos: head.pos, hash: head.hash, at: (options.now ?? new Date()).toISOString() });
      options.log?.(line);
    }
  }
  return sealed;
}

/** Seals up to SEAL_BATCH of a municipality's entries in one transaction. */
async function sealBatch(db: Db, tenantId: string, now: Date | undefined): Promise<{ sealed: number; head: { pos: number; hash: string } | null }> {
  return db.transaction(async (tx) => {
    // One sealer per municipality at a time (appending never waits for it).
    await tx.query(`select pg_advisory_xact_lock(hashtext('audit-seal:' || $1::text))`, [tenantId]);
    await tx.query(
      `insert into audit_seal_state (tenant_id, head_hash) values ($1, $2) on conflict (tenant_id) do nothing`,
      [tenantId, GENESIS_HASH],
    );
    const state = await tx.one<{ head_pos: number; head_hash: string; low_water: number }>(
      'select head_pos, head_hash, low_water from audit_seal_state where tenant_id = $1',
      [tenantId],
    );
    const rows = await tx.query<StoredEntry>(
      `select a.tenant_id, a.seq, a.at, a.actor_id, a.actor_label, a.action, a.entity_type, a.entity_id, a.details
         from audit_log a
        where a.tenant_id = $1 and a.seq > $2
          and not exists (select 1 from audit_chain c where c.tenant_id = a.tenant_id and c.seq = a.seq)
        order by a.seq limit $3`,
      [tenantId, state.low_water, SEAL_BATCH],
    );
    let pos = state.head_pos;
    let hash = state.head_hash;
    const links = { pos: [] as number[], seq: [] as number[], prev: [] as string[], hash: [] as string[] };
    for (const row of rows) {
      const next = entryHash(row, hash);
      pos++;
      links.pos.push(pos);
      links.seq.push(row.seq);
      links.prev.push(hash);
      links.hash.push(next);
      hash = next;
    }
    // The batch's links in one statement (one round trip, not one per entry: sealing keeps
    // up with thousands of writes a second).
    if (rows.length)
      await tx.query(
        `insert into audit_chain (tenant_id, pos, seq, prev_hash, hash)
         select $1, l.pos, l.seq, l.prev, l.hash from unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) as l(pos, seq, prev, hash)`,
        [tenantId, links.pos, links.seq, links.prev, links.hash],
      );
    const settledBefore = new Date((now ?? new Date()).getTime() - SETTLED_MS);
    await tx.query(
      `update audit_seal_state set head_pos = $2, head_hash = $3,
              low_water = greatest(low_water, coalesce((select max(c.seq) from audit_chain c join audit_log a on a.tenant_id = c.tenant_id and a.seq = c.seq
                                                         where c.tenant_id = $1 and c.seq > low_water and a.at < $4), 0))
        where tenant_id = $1`,
      [tenantId, pos, hash, settledBefore],
    );
    return { sealed: rows.length, head: rows.length ? { pos, hash } : null };
  });
}

export interface ChainReport {
  tenantId: string;
  /** Sealed entries (chain positions). */
  entries: number;
  /** Entries written but not sealed yet (they are sealed within seconds by the running server). */
  unsealed: number;
  /** The first broken link, or null when the chain is whole. */
  brokenAt: { pos: number; seq: number | null; reason: string } | null;
}

/**
 * Walks one municipality's chain in order and reports the first link that does not fit; with
 * an anchor, also that the chain still reaches the anchored head with the anchored hash.
 */
export async function verifyAuditChain(sql: Sql, tenantId: string, options: { anchor?: Anchor | null } = {}): Promise<ChainReport> {
  const rows = await sql.query<StoredEntry & { pos: number; chain_seq: number; prev_hash: string; hash: string; present: boolean }>(
    `select c.pos, c.seq as chain_seq, c.prev_hash, c.hash, a.seq is not null as present,
            a.tenant_id, a.seq, a.at, a.actor_id, a.actor_label, a.action, a.entity_type, a.entity_id, a.details
       from audit_chain c left join audit_log a on a.tenant_id = c.tenant_id and a.seq = c.seq
      where c.tenant_id = $1 order by c.pos`,
    [tenantId],
  );
  const unsealedRow = await sql.one<{ n: number }>(
    `select count(*)::int as n from audit_log a
       left join audit_seal_state s on s.tenant_id = a.tenant_id
      where a.tenant_id = $1 and a.seq > coalesce(s.low_water, 0)
        and not exists (select 1 from audit_chain c where c.tenant_id = a.tenant_id and c.seq = a.seq)`,
    [tenantId],
  );
  const report = (brokenAt: ChainReport['brokenAt']): ChainReport => ({ tenantId, entries: rows.length, unsealed: unsealedRow.n, brokenAt });
  let prevHash = GENESIS_HASH;
  let expected = 1;
  for (const row of rows) {
    if (row.pos !== expected) return report({ pos: expected, seq: null, reason: `entry ${expected} is missing` });
    if (!row.present) return report({ pos: row.pos, seq: row.chain_seq, reason: `entry ${row.pos} is missing` });
    if (row.prev_hash !== prevHash) return report({ pos: row.pos, seq: row.seq, reason: 'does not link to the entry before it' });
    if (entryHash(row, prevHash) !== row.hash) return report({ pos: row.pos, seq: row.seq, reason: 'its contents were changed' });
    prevHash = row.hash;
    expected++;
  }
  const anchor = options.anchor;
  if (anchor) {
    const at = rows[anchor.pos - 1];
    if (!at) return report({ pos: rows.length + 1, seq: null, reason: `entries from ${rows.length + 1} to ${anchor.pos} were removed (anchored ${anchor.at})` });
    if (at.hash !== anchor.hash) return report({ pos: anchor.pos, seq: at.seq, reason: 'differs from the anchored chain' });
  }
  return report(null);
}
