/**
 * Module benchmark (run by `npm run bench`, or `node --import tsx src/modules/procedures/procedures.bench.ts
 * --seconds 5`): durable online submissions on PostgreSQL — answers validated against the
 * published form, sealed with AES-256-GCM, the inquiry password hashed, the application and its
 * audit entry written in one statement — against a bare single-row INSERT loop in the same run,
 * both with 16 in flight. The goal is at least 0.7 × the bare loop.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import pg from 'pg';
import { systemClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { openPostgres } from '../../core/db/database.ts';
import { createTenant, ensureDepartment } from '../../core/tenancy.ts';
import { composePlatform, migratePlatform } from '../../platform.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { AppDeps } from '../module.ts';
import * as service from './procedures.service.ts';

const arg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(arg('seconds')) || 5;
const inFlight = 16;
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const admin = new pg.Client({ connectionString: pgBase });
try {
  await admin.connect();
} catch (err) {
  console.log(`  PostgreSQL not reachable (${(err as Error).message}); skipped`);
  process.exit(0);
}
const name = `hibiki_bench_procedures_${process.pid}`;
await admin.query(`create database ${name}`);
const url = new URL(pgBase);
url.pathname = `/${name}`;
const db = await openPostgres(url.toString(), inFlight);
try {
  await migratePlatform(db, composePlatform());
  const tenant = (await createTenant(db, { code: 'bench-city', nameJa: '計測市', nameEn: 'Bench City', hostnames: [] }))!;
  await ensureDepartment(db, tenant.id, { code: 'shimin', nameJa: '市民課', nameEn: 'Citizens Division' });
  const config = loadConfig({ HIBIKI_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'hibiki-bench-')), HIBIKI_SECRET: 'bench-secret-bench-secret-bench-secret-00', LOG_LEVEL: 'silent' });
  const deps = { db, config, clock: systemClock, mail: { poke() {} } } as unknown as AppDeps;
  const staff: AuthUser = { id: '00000000-0000-4000-8000-000000000001', tenantId: tenant.id, email: 'bench', displayName: 'bench', role: 'admin', departmentId: null, departmentCode: 'shimin', totpEnabled: false };
  await service.createProcedure(deps, tenant, staff, {
    code: 'juminhyo',
    title: '住民票の写しの請求',
    department: 'shimin',
    identity: 'none',
    retentionYears: 5,
    fields: [
      { name: 'fullName', type: 'text', label: '氏名', required: true },
      { name: 'birthDate', type: 'date', label: '生年月日', required: true },
      { name: 'address', type: 'postal', label: '住所', required: true },
      { name: 'phone', type: 'phone', label: '電話番号', required: true },
      { name: 'copies', type: 'number', label: '通数', required: true, min: 1, max: 10 },
    ],
  }, 'ja');
  await service.publishProcedure(deps, tenant, staff, 'juminhyo', 'ja');
  await db.exec('create table bench_rows (id bigserial primary key, tenant_id uuid not null, body text not null)');

  const run = async (op: (i: number) => Promise<void>) => {
    const end = Date.now() + seconds * 1000;
    let n = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < end) await op(n++);
      }),
    );
    return n / seconds;
  };
  const answers = { fullName: '前橋 花子', birthDate: 'S60.4.1', address: { postalCode: '371-8601', address: '前橋市大手町二丁目12番1号' }, phone: '027-224-1111', copies: 2 };
  const applicant = { user: null, ip: '127.0.0.1' };
  // Warm-up (connections, the form cache), then alternate to share the machine's noise.
  await run(async () => {
    await service.submitApplication(deps, tenant, applicant, 'juminhyo', { answers }, 'ja');
  });
  const bare: number[] = [];
  const submitted: number[] = [];
  for (let round = 0; round < 2; round++) {
    bare.push(await run(async () => {
      await db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, 'x'.repeat(200)]);
    }));
    submitted.push(await run(async (i) => {
      await service.submitApplication(deps, tenant, applicant, 'juminhyo', { answers }, 'ja', { idempotencyKey: `bench-${round}-${i}` });
    }));
  }
  const b = bare.reduce((s, x) => s + x, 0) / bare.length;
  const s = submitted.reduce((t, x) => t + x, 0) / submitted.length;
  console.log(`  Durable submissions on PostgreSQL (${inFlight} in flight, ${seconds} s × 2 rounds each)`);
  console.log(`  bare single-row INSERT loop                     ${b.toFixed(0).padStart(7)} /s = 1.000`);
  console.log(`  submission: validate, seal, hash, row + audit   ${s.toFixed(0).padStart(7)} /s = ${(s / b).toFixed(3)} × bare (goal ≥ 0.7)`);
} finally {
  await db.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
