import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appendAudit, canonicalJson, verifyAuditChain } from './audit.ts';
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

describe('audit log chain', () => {
  it('verifies a chain of audited changes as whole', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 4);
    const report = await verifyAuditChain(db, tenant.id);
    assert.deepEqual(report, { tenantId: tenant.id, entries: 4, brokenAt: null });
  });

  it('refuses to update, delete or truncate entries through the append-only triggers', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 1);
    await assert.rejects(db.query(`update audit_log set action = 'x' where tenant_id = $1`, [tenant.id]), /append-only/);
    await assert.rejects(db.query('delete from audit_log where tenant_id = $1', [tenant.id]), /append-only/);
    // Inside a transaction that is rolled back, so a failure of the trigger could not empty the log.
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('truncate audit_log');
        throw new Error('the truncate went through');
      }),
      /append-only/,
    );
  });

  it('reports the entry whose contents were changed behind the trigger', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 4);
    await db.transaction(async (tx) => {
      await tx.query('alter table audit_log disable trigger audit_log_no_update');
      await tx.query(`update audit_log set details = '{"x":1}' where tenant_id = $1 and seq = 2`, [tenant.id]);
      await tx.query('alter table audit_log enable trigger audit_log_no_update');
    });
    const report = await verifyAuditChain(db, tenant.id);
    assert.equal(report.brokenAt?.seq, 2);
    assert.match(report.brokenAt!.reason, /changed/);
  });

  it('reports the missing entry when a middle row is deleted', async () => {
    const tenant = await newTenant(db);
    await auditSomeChanges(tenant.id, 5);
    await db.transaction(async (tx) => {
      await tx.query('alter table audit_log disable trigger audit_log_no_update');
      await tx.query('delete from audit_log where tenant_id = $1 and seq = 3', [tenant.id]);
      await tx.query('alter table audit_log enable trigger audit_log_no_update');
    });
    const report = await verifyAuditChain(db, tenant.id);
    assert.equal(report.brokenAt?.seq, 3);
    assert.match(report.brokenAt!.reason, /missing/);
    assert.equal(report.entries, 4);
  });

  it('keeps each tenant’s chain separate', async () => {
    const [a, b] = [await newTenant(db), await newTenant(db)];
    await auditSomeChanges(a.id, 2);
    await auditSomeChanges(b.id, 3);
    assert.equal((await verifyAuditChain(db, a.id)).entries, 2);
    assert.equal((await verifyAuditChain(db, b.id)).entries, 3);
  });

  it('hashes the same facts the same way whatever the key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } }), '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
  });
});
