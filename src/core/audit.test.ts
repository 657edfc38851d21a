/**
 * The audit log: appending takes no lock (entries are numbered by a sequence), sealing chains
 * each municipality's entries in order, and verification finds an edited entry, a deleted
 * middle entry, a deleted link, and — against the keyed anchor kept outside the database —
 * the deletion of the newest entries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appendAudit, auditedStatement, canonicalJson, latestAnchor, sealAuditLog, verifyAuditChain, type AnchorOptions } from './audit.ts';
import { newTenant, openTestDb } from '../testing/harness.ts';
import type { Db } from './db/database.ts';

let db: Db;
before(async () => {
  db = await openTestDb();
});
after(async () => {
  await db.close();
});

/** Appends n audited changes in one tenant, each in its own transaction as services do. */
async function auditSomeChanges(tenantId: string, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await db.transaction((tx) =>
      appendAudit(tx, {
        tenantId,
        actorId: null,
        actorLabel: 'test@example.jp',
        action: 'thing.update',
        entityType: 'thing',
        entityId: String(i),
        details: { step: i, nested: { b: 2, a: 1 } },
      }),
    );
  }
}

function anchors(): AnchorOptions {
  return { file: path.join(mkdtempSync(path.join(os.tmpdir(), 'hibiki-anchor-')), 'anchors.jsonl'), secret: 'anchor-secret-anchor-secret-0123456' };
}

/** Runs fn with the append-only triggers off (a tamperer with database access). */
async function tamper(fn: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('alter table audit_log disable trigger audit_log_no_update');
    await tx.query('alter table audit_chain disable trigger audit_chain_no_update');
    await fn(tx);
    await tx.query('alter table audit_log enable trigger audit_log_no_update');
    await tx.query('alter table audit_chain enable trigger audit_chain_no_update');
  });
}

describe('audit log chain', () => {
  it('reports new entries as unsealed until sealed, then the chain as whole', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 4);
    assert.deepEqual(await verifyAuditChain(db, tenant.id), { tenantId: tenant.id, entries: 0, unsealed: 4, brokenAt: null });
    assert.equal(await sealAuditLog(db, { tenantId: tenant.id }), 4);
    assert.deepEqual(await verifyAuditChain(db, tenant.id), { tenantId: tenant.id, entries: 4, unsealed: 0, brokenAt: null });
    await auditSomeChanges(tenant.id, 2);
    assert.equal(await sealAuditLog(db, { tenantId: tenant.id }), 2, 'sealing continues the chain');
    assert.deepEqual(await verifyAuditChain(db, tenant.id), { tenantId: tenant.id, entries: 6, unsealed: 0, brokenAt: null });
  });

  it('appends 40 entries concurrently without losing one, and seals them all in order', async () => {
    const tenant = await newTenant(db);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction((tx) => appendAudit(tx, { tenantId: tenant.id, actorId: null, actorLabel: 'x', action: 'thing.update', entityType: 'thing', entityId: String(i) })),
      ),
    );
    await sealAuditLog(db, { tenantId: tenant.id });
    const report = await verifyAuditChain(db, tenant.id);
    assert.deepEqual([report.entries, report.brokenAt], [40, null]);
    const order = await db.query<{ seq: number }>('select seq from audit_chain where tenant_id = $1 order by pos', [tenant.id]);
    assert.deepEqual(order.map((r) => r.seq), [...order.map((r) => r.seq)].sort((a, b) => a - b));
  });

  it('refuses to update, delete or truncate entries and links through the append-only triggers', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 1);
    await sealAuditLog(db, { tenantId: tenant.id });
    await assert.rejects(db.query(`update audit_log set action = 'x' where tenant_id = $1`, [tenant.id]), /append-only/);
    await assert.rejects(db.query('delete from audit_log where tenant_id = $1', [tenant.id]), /append-only/);
    await assert.rejects(db.query('delete from audit_chain where tenant_id = $1', [tenant.id]), /append-only/);
    for (const table of ['audit_log', 'audit_chain']) {
      // Inside a transaction that is rolled back, so a failure of the trigger could not empty the log.
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query(`truncate ${table}`);
          throw new Error('the truncate went through');
        }),
        /append-only/,
      );
    }
  });

  it('reports the entry whose contents were changed behind the trigger', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 4);
    await sealAuditLog(db, { tenantId: tenant.id });
    const second = await db.one<{ seq: number }>('select seq from audit_chain where tenant_id = $1 and pos = 2', [tenant.id]);
    await tamper((tx) => tx.query(`update audit_log set details = '{"x":1}' where tenant_id = $1 and seq = $2`, [tenant.id, second.seq]).then(() => undefined));
    const report = await verifyAuditChain(db, tenant.id);
    assert.equal(report.brokenAt?.pos, 2);
    assert.match(report.brokenAt!.reason, /changed/);
  });

  it('reports the missing entry when a middle row is deleted, or its link', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 5);
    await sealAuditLog(db, { tenantId: tenant.id });
    const third = await db.one<{ seq: number }>('select seq from audit_chain where tenant_id = $1 and pos = 3', [tenant.id]);
    await tamper((tx) => tx.query('delete from audit_log where tenant_id = $1 and seq = $2', [tenant.id, third.seq]).then(() => undefined));
    let report = await verifyAuditChain(db, tenant.id);
    assert.equal(report.brokenAt?.pos, 3);
    assert.match(report.brokenAt!.reason, /missing/);
    await tamper((tx) => tx.query('delete from audit_chain where tenant_id = $1 and pos = 3', [tenant.id]).then(() => undefined));
    report = await verifyAuditChain(db, tenant.id);
    assert.equal(report.brokenAt?.pos, 3);
  });

  it('detects the deletion of the newest entries against the anchor kept outside the database', async () => {
    const tenant = await newTenant(db);
    const a = anchors();
    await auditSomeChanges(tenant.id, 5);
    await sealAuditLog(db, { tenantId: tenant.id, anchors: a });
    const anchor = latestAnchor(a, tenant.id);
    assert.equal(anchor?.pos, 5);
    assert.deepEqual((await verifyAuditChain(db, tenant.id, { anchor })).brokenAt, null);
    // Remove the last two entries and their links: the chain that remains is consistent…
    await tamper(async (tx) => {
      const last = await tx.query<{ seq: number }>('select seq from audit_chain where tenant_id = $1 and pos > 3', [tenant.id]);
      await tx.query('delete from audit_chain where tenant_id = $1 and pos > 3', [tenant.id]);
      await tx.query('delete from audit_log where tenant_id = $1 and seq = any($2::bigint[])', [tenant.id, last.map((r) => r.seq)]);
    });
    assert.equal((await verifyAuditChain(db, tenant.id)).brokenAt, null, 'without the anchor nothing shows');
    const report = await verifyAuditChain(db, tenant.id, { anchor });
    assert.equal(report.brokenAt?.pos, 4);
    assert.match(report.brokenAt!.reason, /removed/);
  });

  it('ignores anchor lines that were not written with the secret', async () => {
    const tenant = await newTenant(db);
    const a = anchors();
    await auditSomeChanges(tenant.id, 2);
    await sealAuditLog(db, { tenantId: tenant.id, anchors: a });
    const forged = { tenantId: tenant.id, pos: 1, hash: 'f'.repeat(64), at: new Date().toISOString(), mac: '0'.repeat(64) };
    writeFileSync(a.file, `${readFileSync(a.file, 'utf8')}${JSON.stringify(forged)}\n`);
    assert.equal(latestAnchor(a, tenant.id)?.pos, 2);
  });

  it('keeps each tenant’s chain separate', async () => {
    const [a, b] = [await newTenant(db), await newTenant(db)];
    await auditSomeChanges(a.id, 2);
    await auditSomeChanges(b.id, 3);
    await sealAuditLog(db);
    assert.equal((await verifyAuditChain(db, a.id)).entries, 2);
    assert.equal((await verifyAuditChain(db, b.id)).entries, 3);
  });

  it('writes a change and its entries as one statement: one entry per returned row, none when nothing changed', async () => {
    const tenant = await newTenant(db);
    const audit = { tenantId: tenant.id, actorId: null, actorLabel: 'test@example.jp', action: 'scope.create', entityType: 'scope', entityIdColumn: 'scope', details: { why: 'test' } };
    const insert = (scopes: string[]) => ({
      text: `insert into data_versions (tenant_id, scope) select $1, s from unnest($2::text[]) as s on conflict do nothing returning scope`,
      params: [tenant.id, scopes],
    });
    const rows = await auditedStatement<{ scope: string }>(db, insert(['a', 'b']), audit);
    assert.deepEqual(rows.map((r) => r.scope).sort(), ['a', 'b']);
    assert.deepEqual(await auditedStatement(db, insert(['a']), audit), [], 'a conflict changes nothing');
    const entries = await db.query<{ entity_id: string; action: string; details: string }>(
      'select entity_id, action, details from audit_log where tenant_id = $1 order by entity_id',
      [tenant.id],
    );
    assert.deepEqual(
      entries.map((e) => [e.entity_id, e.action, JSON.parse(e.details).why]),
      [['a', 'scope.create', 'test'], ['b', 'scope.create', 'test']],
    );
    // Inside a transaction that rolls back, neither the change nor its entry remains.
    await assert.rejects(
      db.transaction(async (tx) => {
        await auditedStatement(tx, insert(['c']), { ...audit, entityIdColumn: undefined, entityId: 'fixed' });
        throw new Error('roll back');
      }),
    );
    assert.equal((await db.query('select 1 from audit_log where tenant_id = $1', [tenant.id])).length, 2);
    assert.equal(await sealAuditLog(db, { tenantId: tenant.id }), 2);
    assert.deepEqual(await verifyAuditChain(db, tenant.id), { tenantId: tenant.id, entries: 2, unsealed: 0, brokenAt: null });
    await assert.rejects(auditedStatement(db, { text: 'delete from data_versions where false', params: [] }, audit), /returning/);
  });

  it('seals 300 concurrent entries with one statement of links, in order', async () => {
    const tenant = await newTenant(db);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        auditedStatement(
          db,
          { text: 'insert into data_versions (tenant_id, scope) values ($1, $2) returning scope', params: [tenant.id, `s${i}`] },
          { tenantId: tenant.id, actorId: null, actorLabel: 'x', action: 'scope.create', entityType: 'scope', entityIdColumn: 'scope' },
        ),
      ),
    );
    assert.equal(await sealAuditLog(db, { tenantId: tenant.id }), 300);
    assert.deepEqual(await verifyAuditChain(db, tenant.id), { tenantId: tenant.id, entries: 300, unsealed: 0, brokenAt: null });
    const chain = await db.query<{ seq: number }>('select seq from audit_chain where tenant_id = $1 order by pos', [tenant.id]);
    assert.deepEqual(chain.map((c) => c.seq), [...chain.map((c) => c.seq)].sort((a, b) => a - b), 'positions follow the entries’ order');
  });

  it('hashes the same facts the same way whatever the key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } }), '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
  });
});
