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
import { openPostgres, type Db } from '../../core/db/database.ts';
import { createTenant, ensureDepartment } from '../../core/tenancy.ts';
import { composePlatform, migratePlatform } from '../../platform.ts';
import type { AuthUser } from '../../core/auth.ts';
import type { AppDeps } from '../module.ts';
import * as service from './procedures.service.ts';

/**
 * The WAL one operation writes, from this database's records between two WAL positions
 * (pg_walinspect, PostgreSQL 15+: other databases of a shared server write WAL meanwhile, so a
 * bare pg_current_wal_lsn() difference overstates it). Undefined when pg_walinspect is not
 * available to this user.
 */
async function walPerOp(db: Db, database: string, ops: [string, (i: number) => Promise<void>][], n = 1000): Promise<Record<string, number> | undefined> {
  try {
    await db.exec('create extension if not exists pg_walinspect');
  } catch {
    return undefined;
  }
  const out: Record<string, number> = {};
  for (const [label, op] of ops) {
    const a = (await db.one<{ l: string }>('select pg_current_wal_lsn()::text as l')).l;
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) await op(next++);
    }));
    const b = (await db.one<{ l: string }>('select pg_current_wal_lsn()::text as l')).l;
    // Records touching this database's blocks, and the commit and multixact records of the transactions that wrote them.
    const r = await db.one<{ bytes: string }>(
      `with r as (select * from pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)),
            db as (select oid from pg_database where datname = $3),
            ours as (select distinct xid from r, db where r.block_ref like '%/' || db.oid || '/%' and xid <> '0')
       select coalesce(sum(record_length + fpi_length), 0)::text as bytes from r, db
        where r.block_ref like '%/' || db.oid || '/%' or (r.resource_manager in ('Transaction', 'MultiXact') and r.xid in (select xid from ours))`,
      [a, b, database],
    );
    out[label] = Math.round(Number(r.bytes) / n);
  }
  return out;
}

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

  /** Runs op with `inFlight` loops for ms; returns how many finished and the CPU this process spent. */
  const slice = async (ms: number, op: (i: number) => Promise<void>, counter: { n: number; cpuUs: number; ms: number }) => {
    const end = Date.now() + ms;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (Date.now() < end) await op(counter.n++);
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    counter.cpuUs += cpu.user + cpu.system;
    counter.ms += Date.now() - t0;
  };
  const answers = { fullName: '前橋 花子', birthDate: 'S60.4.1', address: { postalCode: '371-8601', address: '前橋市大手町二丁目12番1号' }, phone: '027-224-1111', copies: 2 };
  const applicant = { user: null, ip: '127.0.0.1' };
  // Warm-up: connections, prepared statements, the form cache.
  await slice(Math.min(3000, seconds * 1000), async (i) => {
    await service.submitApplication(deps, tenant, applicant, 'juminhyo', { answers }, 'ja', { idempotencyKey: `warm-${i}` });
  }, { n: 0, cpuUs: 0, ms: 0 });
  // The two loops alternate in half-second slices (2 × seconds each in all), so the shared
  // machine's load, which changes by the second, falls on both alike.
  const bare = { n: 0, cpuUs: 0, ms: 0 };
  const submitted = { n: 0, cpuUs: 0, ms: 0 };
  const slices = Math.max(1, Math.round((2 * seconds) / 0.5));
  for (let k = 0; k < slices; k++) {
    await slice(500, async () => {
      await db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, 'x'.repeat(200)]);
    }, bare);
    await slice(500, async (i) => {
      await service.submitApplication(deps, tenant, applicant, 'juminhyo', { answers }, 'ja', { idempotencyKey: `bench-${i}` });
    }, submitted);
  }
  const loadDuring = os.loadavg()[0]!;
  const wal = await walPerOp(db, name, [
    ['bare', async () => void (await db.query('insert into bench_rows (tenant_id, body) values ($1, $2)', [tenant.id, 'x'.repeat(200)]))],
    ['submission', async (i) => void (await service.submitApplication(deps, tenant, applicant, 'juminhyo', { answers }, 'ja', { idempotencyKey: `wal-${i}` }))],
  ]);
  const b = (bare.n * 1000) / bare.ms;
  const s = (submitted.n * 1000) / submitted.ms;
  const cpu = (c: typeof bare) => `${(c.cpuUs / c.n).toFixed(0).padStart(4)} µs Node CPU each`;
  console.log(`  Durable submissions on PostgreSQL (${inFlight} in flight, ${2 * seconds} s each in alternating half-second slices)`);
  console.log(`  bare single-row INSERT loop                     ${b.toFixed(0).padStart(7)} /s = 1.000          ${cpu(bare)}`);
  console.log(`  submission: validate, seal, hash, row + audit   ${s.toFixed(0).padStart(7)} /s = ${(s / b).toFixed(3)} × bare  ${cpu(submitted)} (goal ≥ 0.7)`);
  if (wal) console.log(`  WAL a commit (this database's records only): bare ${wal.bare} B, submission ${wal.submission} B`);
  console.log(`  load average ${loadDuring.toFixed(2)} (${os.cpus().length} CPUs; the loops share them with PostgreSQL and anything else running)`);
} finally {
  await db.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
